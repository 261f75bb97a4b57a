"""Named counting conventions: one network's cost as each tool and paper counts it.

Two tools disagree on a network's "FLOPs" because they count different things: MACs or
FLOPs, with or without the bias, BatchNorm, pooling and activations. Each convention
here is one such choice, computed from the same traced run, so that every gap between
two published figures has a named reason and a measured size.

In order, each one explained from the one before it (:func:`reconcile`):

``macs``
    Multiply-accumulates of the weighted ops: convolutions, linear maps and matrix
    products (and LeNet-5's Euclidean distances to its prototypes), one per weight
    applied, no bias; attention's two products and recurrent layers' gates too. What the ResNet paper's Table 1 calls FLOPs and the GoogLeNet paper
    multiply-adds, and what torchvision's model documentation lists as "GFLOPS".
``fvcore``
    fvcore's ``FlopCountAnalysis`` total with its default handles ("one fused
    multiply-add counts as one flop"): the multiply-adds (without attention and
    recurrent cells, for which fvcore has no handle) plus BatchNorm (2 per element
    in eval mode with an affine), group, layer and instance norm, upsampling and adaptive
    average pooling (1 per input element). archstats' ``MACs`` column.
``flops``
    Two FLOPs per multiply-add (one multiply, one add) and nothing else, as
    ``torch.utils.flop_counter.FlopCounterMode`` counts convolutions and matrix products.
``flops-all``
    Every scalar operation: the ``flops`` plus one per bias addition, normalisation
    (BatchNorm in eval 2 per element, with batch statistics 8; LRN size + 4), pooling
    (max: window - 1 comparisons per output; average: the window), activations (1 per
    element; softmax 3) and residual additions, scalings and dropout masks (1 per
    element). Closest to what runs before any fusion; no common tool reports it.
``connections``
    LeCun 1998's count: each weighted link once and one per neuron for its bias (LeNet-5's
    340,908; AlexNet's "630 million connections").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archstats import rules
from archstats.counts import fmt_int
from archstats.rules import ACTIVATION, ELEMENTWISE, NORMALISATION, POOLING

if TYPE_CHECKING:
    from archstats.analysis import Analysis, Layer

_ARITH_WORDS = {
    NORMALISATION: "normalisation",
    POOLING: "pooling",
    ACTIVATION: "activations",
    ELEMENTWISE: "residual additions, scalings and other elementwise ops",
}


@dataclass(frozen=True)
class Convention:
    """A named way to count a network's cost."""

    name: str
    unit: str
    column: str  # the per-layer column's title when this convention is chosen
    summary: str
    description: str
    sources: str


CONVENTIONS: Mapping[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            "macs",
            "MACs",
            "mult-adds",
            "multiply-accumulates of convolutions, linear maps and matrix products; no bias",
            "One per weight applied at each position: the work of the weighted layers alone, with "
            "attention's two matrix products and recurrent layers' gates. Bias additions, "
            "normalisation, pooling and activations are left out.",
            "He et al. 2015 (Table 1, 'FLOPs' as multiply-adds); Szegedy et al. 2014 (Table 1, "
            "'ops' as multiply-adds); torchvision's model documentation ('GFLOPS')",
        ),
        Convention(
            "fvcore",
            "MACs",
            "MACs",
            "fvcore's FlopCountAnalysis: the multiply-adds plus BatchNorm, norms, upsampling, adaptive pooling",
            "fvcore counts one fused multiply-add as one flop and adds handles for BatchNorm (2 per "
            "element in eval mode with an affine), the other normalisations, upsampling and adaptive "
            "average pooling (1 per input element); archstats adds Euclidean distances. fvcore has no "
            "handle for attention or recurrent cells: they are not in this figure.",
            "fvcore (facebookresearch), as used by detectron2 and many papers' FLOPs tables",
        ),
        Convention(
            "flops",
            "FLOPs",
            "FLOPs",
            "2 per multiply-add: one multiply and one add; nothing else",
            "Two floating-point operations per multiply-add of the weighted ops; bias additions, "
            "normalisation, pooling and activations are left out.",
            "torch.utils.flop_counter.FlopCounterMode (convolutions and matrix products)",
        ),
        Convention(
            "flops-all",
            "FLOPs",
            "all FLOPs",
            "every scalar operation: flops plus bias, normalisation, pooling, activations, additions",
            "The flops plus one per bias addition; BatchNorm 2 per element in eval mode (a scale and a "
            "shift), 8 with batch statistics; LRN size + 4 per element; max pooling window - 1 "
            "comparisons and average pooling window operations per output; activations 1 per element "
            "(softmax 3); residual additions, scalings and dropout masks 1 per element.",
            "archstats' own rules, written out above; the count before any fusion",
        ),
        Convention(
            "connections",
            "connections",
            "connections",
            "LeCun's: every weighted link once, plus one per neuron for its bias",
            "Each neuron's fan-in plus one when it has a bias; shared weights count at every use.",
            "LeCun et al. 1998 (Sec. II-B: LeNet-5's 340,908 connections); Krizhevsky et al. 2012 "
            "('630 million connections')",
        ),
    )
}

NAMES: tuple[str, ...] = tuple(CONVENTIONS)
DEFAULT = "fvcore"  # the MACs column and the JSON contract's ``macs``


def of_ops(by_op: Mapping[str, int], name: str) -> int:
    """The part of MACs by operator key (``Layer.macs_by_op``) that the convention ``name`` counts."""
    return sum(n for key, n in by_op.items() if rules.counted_under(key, name))


def multiply_adds(layer: Layer) -> int:
    """The multiply-accumulates of a layer's weighted ops, no bias (the ``macs`` convention)."""
    return of_ops(layer.macs_by_op, "macs")


def bias_additions(layer: Layer) -> int:
    """One per output unit of a weighted op with a bias."""
    return sum(op.units for op in layer.ops if op.bias)


def get(name: str) -> Convention:
    """The convention called ``name``; ``KeyError`` with the choices when there is none."""
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise KeyError(f"unknown convention {name!r}; choose one of {', '.join(NAMES)}") from None


def of_layer(layer: Layer, name: str) -> int:
    """``layer``'s figure under the convention ``name`` (per sample)."""
    if name == "macs":
        return multiply_adds(layer)
    if name == "fvcore":
        return layer.fvcore_macs
    if name == "flops":
        return 2 * multiply_adds(layer)
    if name == "flops-all":
        return 2 * multiply_adds(layer) + bias_additions(layer) + sum(layer.arith.values())
    if name == "connections":
        return layer.connections
    raise KeyError(get(name).name)


def total(layers: Iterable[Layer], name: str) -> int:
    """The sum over ``layers`` of their figures under ``name``."""
    return sum(of_layer(layer, name) for layer in layers)


def figures(analysis: Analysis) -> dict[str, int]:
    """The network's total under every convention, in order."""
    return {name: total(analysis.layers, name) for name in NAMES}


@dataclass(frozen=True)
class Step:
    """One row of the reconciliation: a convention's figure and why it differs from the row before.

    ``lead`` says why in words; ``parts`` are the measured pieces of the difference, signed:
    they add up to it.
    """

    convention: Convention
    value: int
    difference: int | None  # from the previous row; None for the first
    lead: str
    parts: tuple[tuple[str, int], ...] = ()

    @property
    def reason(self) -> str:
        """The lead and the parts as one line: ``fvcore also counts: BatchNorm +21,174,272``."""
        shown = [f"{words} {_signed(n)}" for words, n in self.parts if n]
        return f"{self.lead}: {', '.join(shown)}" if shown else self.lead


def _signed(n: int) -> str:
    return f"+{fmt_int(n)}" if n >= 0 else f"−{fmt_int(-n)}"


def _fvcore_apart(layers: Iterable[Layer]) -> tuple[dict[str, int], dict[str, int]]:
    """What fvcore counts and ``macs`` does not (normalisation, resampling, adaptive pooling),
    and what ``macs`` counts and fvcore does not (attention, recurrent cells), by label."""
    extras: dict[str, int] = {}
    left_out: dict[str, int] = {}
    for layer in layers:
        for op, n in layer.macs_by_op.items():
            fvcore, macs = rules.counted_under(op, "fvcore"), rules.counted_under(op, "macs")
            if fvcore != macs:
                into = extras if fvcore else left_out
                into[rules.label(op)] = into.get(rules.label(op), 0) + n
    return extras, left_out


def reconcile(analysis: Analysis) -> list[Step]:
    """Every convention's total, each explained from the one before it, with the gap's parts measured."""
    layers = analysis.layers
    values = figures(analysis)
    extras, left_out = _fvcore_apart(layers)
    extra = sum(extras.values())
    missed = sum(left_out.values())
    bias = sum(bias_additions(layer) for layer in layers)
    arith: dict[str, int] = {}
    for layer in layers:
        for category, n in layer.arith.items():
            arith[category] = arith.get(category, 0) + n
    macs = values["macs"]
    unlinked = values["connections"] - macs - bias  # a product of two activations has no weighted link
    parts: dict[str, list[tuple[str, int]]] = {
        "macs": [],
        "fvcore": [*sorted(extras.items()), *((f"no {words}", -n) for words, n in sorted(left_out.items()))],
        "flops": [
            ("a second operation per multiply-add", macs),
            ("without fvcore's other handles", -extra),
            *([("with what fvcore leaves out", missed)] if missed else []),
        ],
        "flops-all": [("bias additions", bias), *((_ARITH_WORDS[c], arith.get(c, 0)) for c in _ARITH_WORDS)],
        "connections": [
            ("one per weighted link, not two", -macs),
            *([("products of two activations (attention): no weighted links", unlinked)] if unlinked else []),
            ("no normalisation, pooling, activations or additions", -sum(arith.values())),
        ],
    }
    leads = {
        "macs": "the weighted layers' multiply-accumulates; bias, normalisation, pooling and activations left out",
        "fvcore": (
            "fvcore's handles, none for attention or recurrent cells"
            if missed
            else "fvcore also counts"
            if extra
            else "the same: fvcore counts nothing else in this network"
        ),
        "flops": "2 per multiply-add and nothing else",
        "flops-all": "every scalar operation",
        "connections": "LeCun's links: the bias links stay",
    }
    steps: list[Step] = []
    previous: int | None = None
    for name in NAMES:
        value = values[name]
        steps.append(
            Step(
                CONVENTIONS[name],
                value,
                None if previous is None else value - previous,
                leads[name],
                tuple(parts[name]),
            )
        )
        previous = value
    return steps


def unpriced(analysis: Analysis) -> dict[str, int]:
    """Functions that ran with no elementwise rule (left out of ``flops-all``), with their calls."""
    found: dict[str, int] = {}
    for layer in analysis.layers:
        for name, n in layer.unpriced.items():
            found[name] = found.get(name, 0) + n
    return dict(sorted(found.items()))
