"""The table itself: :class:`Rule`, :func:`register` and :data:`TABLE` (see :mod:`archstats.rules`).

The family modules import this module, never the package, so that importing the package
(which imports every family) makes no cycle.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeVar

Shape = Sequence[int]

Category = Literal[
    "multiply-add",  # weighted ops: convolutions, linear maps, matrix products, attention, recurrent cells
    "normalisation",
    "pooling",
    "activation",
    "elementwise",
    "resampling",
]
MULTIPLY_ADD: Category = "multiply-add"
NORMALISATION: Category = "normalisation"
POOLING: Category = "pooling"
ACTIVATION: Category = "activation"
ELEMENTWISE: Category = "elementwise"
RESAMPLING: Category = "resampling"

# The conventions that take a multiply-add rule's count (fvcore's MACs include them all).
WEIGHTED: frozenset[str] = frozenset({"macs", "fvcore", "flops", "flops-all"})


@dataclass(frozen=True)
class Rule:
    """How one op is counted.

    Attributes:
        op: the name the engines count it under (``aten::linear``).
        key: the key its count is reported under, fvcore's where fvcore has one (``linear``).
        category: what kind of work it is.
        formula: a pure function of shapes (and flags) returning its count for the whole batch.
        conventions: the named conventions whose figure includes that count.
    """

    op: str
    key: str
    category: Category
    formula: Callable[..., int]
    conventions: frozenset[str]
    label: str = ""  # what the key counts, in words, for the conventions' reconciliation

    @property
    def doc(self) -> str:
        """The formula's one-line statement, for definitions and handouts."""
        lines = (self.formula.__doc__ or "").strip().splitlines()
        return lines[0] if lines else ""


_TABLE: dict[str, Rule] = {}
TABLE: Mapping[str, Rule] = MappingProxyType(_TABLE)

F = TypeVar("F", bound=Callable[..., int])


def register(
    *ops: str, key: str, category: Category, conventions: Iterable[str] = WEIGHTED, label: str = ""
) -> Callable[[F], F]:
    """Register ``formula`` as the rule of each of ``ops``; an op registered twice raises.

    Args:
        ops: the names the rule counts (``aten::`` operators, or torch functions' names).
        key: the key its count is reported under.
        category: what kind of work it is.
        conventions: the named conventions whose figure includes the count.
        label: what the key counts, in words (defaults to the key).

    Returns:
        The decorator, which returns ``formula`` unchanged.
    """

    def decorator(formula: F) -> F:
        for op in ops:
            if op in _TABLE:
                raise ValueError(f"{op} has a rule already ({_TABLE[op].formula.__qualname__})")
            _TABLE[op] = Rule(op, key, category, formula, frozenset(conventions), label or key)
        return formula

    return decorator


def rule(op: str) -> Rule | None:
    """The rule registered for ``op``, or ``None``."""
    return _TABLE.get(op)


def counted_under(key: str, convention: str) -> bool:
    """Whether the count reported under ``key`` belongs to ``convention``'s figure.

    A key no rule reports (an fvcore handle archstats does not know) belongs to fvcore's alone.
    """
    found = _by_key(len(_TABLE)).get(key)
    if found is None:
        return convention == "fvcore"
    return convention in found.conventions


def label(key: str) -> str:
    """What the count reported under ``key`` counts, in words (the key itself if unknown)."""
    found = _by_key(len(_TABLE)).get(key)
    return found.label if found is not None else key


@functools.cache
def _by_key(size: int) -> dict[str, Rule]:
    """The first rule registered under each ATen key, for a table of ``size`` rules (a family
    imported later grows the table and misses the cache)."""
    found: dict[str, Rule] = {}
    for r in _TABLE.values():
        if r.op.startswith("aten::"):
            found.setdefault(r.key, r)
    return found
