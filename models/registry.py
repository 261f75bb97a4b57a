"""The zoo's registry: one typed spec per network, names unique."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from torch import nn


@dataclass(frozen=True)
class PublishedFigure:
    """A figure a paper states about a network, with where and how it was stated.

    Args:
        quantity: what is counted, in archstats' vocabulary (``trainable_params``,
            ``connections``, ``macs`` ...).
        value: the figure as published.
        quote: the figure in the source's words ("60 million parameters").
        source: paper, section or table.
        unit: the unit the figure is stated in (``parameters``, ``multiply-adds``).
        convention: the conditions under which it holds (input size, heads, rounding).
        rel_tol: relative tolerance implied by the way the figure was written
            (0 for an exact count).
    """

    quantity: str
    value: int | float
    quote: str
    source: str
    unit: str
    convention: str = ""
    rel_tol: float = 0.0


@dataclass(frozen=True)
class ModelSpec:
    """A zoo network: how to build it and what its papers say about it."""

    name: str
    builder: Callable[[], nn.Module]
    input_shape: tuple[int, ...]
    paper: str
    year: int | None
    summary: str
    published: tuple[PublishedFigure, ...] = field(default=())

    @property
    def citation(self) -> str:
        """The paper with its year (once), or ``""`` for a network without one."""
        if not self.paper:
            return ""
        if self.year is None or str(self.year) in self.paper:
            return self.paper
        return f"{self.paper} ({self.year})"


class DuplicateModelError(ValueError):
    """Raised when two specs claim the same name."""


class Registry:
    """Name -> spec, in registration order; a second spec under a taken name raises."""

    def __init__(self) -> None:
        self._specs: dict[str, ModelSpec] = {}

    def register(self, spec: ModelSpec) -> ModelSpec:
        """Add ``spec``; raise :class:`DuplicateModelError` if its name is taken."""
        if spec.name in self._specs:
            raise DuplicateModelError(f"a network named {spec.name!r} is already registered")
        self._specs[spec.name] = spec
        return spec

    def get(self, name: str) -> ModelSpec:
        """The spec called ``name``; raises ``KeyError`` when there is none."""
        return self._specs[name]

    def names(self) -> list[str]:
        """Registered names in registration order."""
        return list(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)
