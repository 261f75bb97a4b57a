"""The zoo's registry: one typed spec per network, names unique."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from torch import nn


@dataclass(frozen=True)
class PublishedFigure:
    """A figure a paper states about a network, with where and how it was stated.

    Args:
        quantity: what is counted, in archstats' vocabulary (``params``,
            ``trainable_params``, ``connections``, ``macs`` ...).
        value: the figure as published.
        quote: the figure in the source's words ("60 million parameters").
        source: paper, section or table.
        unit: the unit the figure is stated in (``parameters``, ``multiply-adds``).
        convention: the conditions under which it holds (input size, heads, rounding).
        rel_tol: relative tolerance implied by the way the figure was written
            (0 for an exact count).
        origin: who published it, for the claim's id (``paper``, ``torchvision``).
    """

    quantity: str
    value: int | float
    quote: str
    source: str
    unit: str
    convention: str = ""
    rel_tol: float = 0.0
    origin: str = "paper"


TORCHVISION_DOCS = "torchvision model documentation (torchvision.models, weights {weights}: num_params and GFLOPS)"


def torchvision_figures(
    weights: str, num_params: int, gflops: str, size: int = 224
) -> tuple[PublishedFigure, PublishedFigure]:
    """torchvision's documented parameter count and "GFLOPS" for a weights entry of the same architecture.

    torchvision's GFLOPS are multiply-adds of the convolutions and linear layers (the
    ``macs`` convention: no bias, BatchNorm or pooling) in units of 10^9, at ``size`` x ``size``, as
    written in its weights' metadata (``gflops``, e.g. ``"4.089"``): within half a unit of
    the last digit written.
    """
    source = TORCHVISION_DOCS.format(weights=weights)
    decimals = len(gflops.partition(".")[2])
    half_unit = 0.5 * 10.0**-decimals
    value = float(gflops)
    return (
        PublishedFigure(
            "params", num_params, f"num_params {num_params}", source, "parameters",
            "every nn.Parameter, as model.parameters() yields them; BatchNorm running statistics are buffers, "
            "not counted", 0.0, "torchvision",
        ),
        PublishedFigure(
            "multiply_adds", round(value * 1e9), f"GFLOPS {gflops}", source, "multiply-adds",
            "the macs convention: multiply-adds of convolutions and linear layers, no bias, BatchNorm or "
            f"pooling, at {size}x{size}; {decimals} decimals of 10^9 (±{half_unit:g}×10^9)", half_unit / value,
            "torchvision",
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class ModelSpec:
    """A zoo network: how to build it and what its papers say about it.

    ``auxiliary`` names the top-level modules that run in training mode only (auxiliary
    heads): the parameters at inference are those of the others. A test checks the names
    against an eval-mode trace, so that ``archstats list`` can give both figures without one.
    """

    name: str
    builder: Callable[[], nn.Module]
    input_shape: tuple[int, ...]
    paper: str
    year: int | None
    summary: str
    published: tuple[PublishedFigure, ...] = field(default=())
    auxiliary: tuple[str, ...] = ()

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
