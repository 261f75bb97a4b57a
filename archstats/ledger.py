"""The ledger: published figures as data, each with a verdict computed from a traced network.

A claim says what a source states (the article, a paper), the formula as written, the
quantity it is about as an expression over the analysis (``params("C3")``,
``total.connections``), the figure expected, its unit, the convention under which it is
meant and the tolerance its wording implies. Claims live in ``claims/NAME.toml`` beside
this module; a network's registry spec adds its papers' figures.

Kinds and verdicts:

- ``claim``: ``holds`` (or ``holds under convention`` when one is stated) or ``does not
  hold``; the latter fails ``archstats check`` unless ``must_hold = false``.
- ``erratum``: a figure the source gets wrong. The expected value is the source's figure,
  unchanged; the verdict is ``erratum`` with the measured value beside it, and it fails
  if the network turns out to agree with the source after all.
- ``not-checkable``: a fact that counting cannot decide (error rates, training data).
"""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import math
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import tomllib

from archstats import conventions
from archstats.analysis import Analysis, Layer

Value = int | float | str | bool

KINDS = ("claim", "erratum", "not-checkable")


@dataclass(frozen=True)
class Claim:
    """One published figure and how to measure it."""

    id: str
    network: str
    source: str
    quote: str
    measure: str
    expected: Value | None
    unit: str = ""
    formula: str = ""
    convention: str = ""
    kind: str = "claim"
    must_hold: bool = True
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    note: str = ""


@dataclass(frozen=True)
class Verdict:
    """A claim with the value measured on the traced network.

    ``ok`` is False exactly when ``archstats check`` must fail on it.
    """

    claim: Claim
    measured: Value | None
    status: str
    ok: bool
    explanation: str


class ClaimError(ValueError):
    """A claim in the data files is malformed or measures something that is not there."""


def load_claims(network: str) -> list[Claim]:
    """The article's claims about ``network`` from ``claims/NETWORK.toml`` (none if absent)."""
    path = resources.files("archstats").joinpath("claims", f"{network}.toml")
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    claims = []
    for entry in data.get("claim", []):
        try:
            claim = Claim(network=network, **entry)
        except TypeError as error:
            raise ClaimError(f"claims/{network}.toml: {error}") from error
        if claim.kind not in KINDS:
            raise ClaimError(
                f"claims/{network}.toml: claim {claim.id!r} has kind {claim.kind!r}; expected one of {KINDS}"
            )
        claims.append(claim)
    return claims


# -- measuring ------------------------------------------------------------------------


def _norm(value: str) -> str:
    return value.replace("×", "x").replace(" ", "").lower()


Resolver = Callable[[str], Analysis]


def _no_other_networks(name: str) -> Analysis:
    raise ClaimError(f"this measure refers to network {name!r}, but no other network can be analysed here")


class _Measures:
    """The vocabulary of ``measure`` expressions, bound to one analysis."""

    def __init__(self, analysis: Analysis, resolve: Resolver) -> None:
        self.a = analysis
        self.resolve = resolve

    def _layer(self, name: str) -> Layer:
        try:
            return self.a.layer(name)
        except KeyError:
            raise ClaimError(f"{self.a.network} has no layer {name!r}") from None

    def _glob(self, pattern: str) -> list[Layer]:
        layers = [layer for layer in self.a.layers if fnmatch.fnmatchcase(layer.name, pattern)]
        if not layers:
            raise ClaimError(f"{self.a.network} has no layer matching {pattern!r}")
        return layers

    def functions(self) -> dict[str, Callable[..., Value]]:
        return {
            "params": lambda n: sum(x.params for x in self._glob(n)),
            "trainable": lambda n: sum(x.trainable_params for x in self._glob(n)),
            "buffers": lambda n: sum(x.buffers for x in self._glob(n)),
            "connections": lambda n: sum(x.connections for x in self._glob(n)),
            "neurons": lambda n: sum(x.neurons for x in self._glob(n)),
            "macs": lambda n: sum(x.fvcore_macs for x in self._glob(n)),
            "weighted_macs": lambda n: sum(op.macs for x in self._glob(n) for op in x.ops),
            "called_params": lambda n: sum(x.params for x in self._glob(n) if x.called),
            "under": self.under,
            "of": self.of,
            "shape": self.shape,
            "in_channels": self.in_channels,
            "stride": lambda n: self._window(n).stride[0],
            "kernel": lambda n: self._window(n).kernel[0],
            "padding": lambda n: self._window(n).padding[0],
            "groups": self.groups,
            "rf": lambda n: max(self._layer(n).receptive_field or (0,)),
            "fan_in_maps": self.fan_in_maps,
            "count": lambda t: sum(1 for x in self.a.layers if x.type == t and x.called),
            "first_of": self.first_of,
            "after": self.after,
            "weighted": lambda: ", ".join(x.name for x in self.a.layers if x.weighted),
            "input_hw": lambda: "×".join(str(d) for d in self.a.input_shape[2:]),
        }

    def under(self, convention: str, pattern: str = "*") -> int:
        """The layers' cost under a named convention (``under('macs')``, ``under('flops-all', 'conv*')``)."""
        try:
            conventions.get(convention)
        except KeyError as error:
            raise ClaimError(str(error.args[0])) from None
        return conventions.total(self._glob(pattern), convention)

    def in_channels(self, name: str) -> int:
        shape = self._layer(name).input_shape
        if not shape or len(shape) < 2:
            raise ClaimError(f"layer {name!r} of {self.a.network} was never called, or has no channel dimension")
        return shape[1]

    def of(self, network: str, expression: str) -> Value:
        """``expression`` measured on another network, traced at its default input."""
        return measure(self.resolve(network), expression, self.resolve)

    def shape(self, name: str) -> str:
        shape = self._layer(name).output_shape
        return "×".join(str(d) for d in shape[1:]) if shape else ""

    def _window(self, name: str) -> Any:
        layer = self._layer(name)
        if not layer.windows:
            raise ClaimError(f"layer {name!r} of {self.a.network} has no window (kernel, stride)")
        return layer.windows[0]

    def groups(self, name: str) -> int:
        layer = self._layer(name)
        if not layer.ops or not layer.input_shape:
            raise ClaimError(f"layer {name!r} of {self.a.network} forms no weighted sums")
        return layer.input_shape[1] // layer.ops[0].fan_in_maps

    def fan_in_maps(self, name: str) -> str:
        """Output maps by the number of input maps each reads: ``3:6, 4:9, 6:1``."""
        tally: Counter[int] = Counter()
        for op in self._layer(name).ops:
            tally[op.fan_in_maps] += op.maps
        return ", ".join(f"{k}:{v}" for k, v in sorted(tally.items()))

    def first_of(self, *names: str) -> str:
        return min((self._layer(n) for n in names), key=lambda x: x.index).name

    def after(self, type_name: str) -> str:
        """For each layer of a type, the nearest weighted layer before it."""
        found = []
        last = ""
        for layer in self.a.layers:
            if layer.weighted:
                last = layer.name
            if layer.type == type_name and layer.called:
                found.append(last)
        return ", ".join(found)


_BINARY: Mapping[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow,
}  # fmt: skip


def _totals(analysis: Analysis) -> dict[str, Value]:
    """``total.<field>``: every field of the totals, and their derived figures."""
    t = analysis.totals
    return {**dataclasses.asdict(t), "neurons_with_input": t.neurons_with_input, "flops": t.flops}


def measure(analysis: Analysis, expression: str, resolve: Resolver = _no_other_networks) -> Value:
    """Evaluate a claim's ``measure`` expression on ``analysis``.

    The language: numbers and strings, ``+ - * / **``, ``total.<field>`` and the
    functions of :class:`_Measures`: per layer name or glob (``params("C1")``,
    ``params("conv*")``, ``shape("conv1")``, ``weighted_macs("*")`` for the MACs of the
    weighted ops alone, without BatchNorm, ``under("flops-all")`` for the cost under a
    named convention) and ``of("alexnet", "total.params")`` for a
    figure of another network, which ``resolve`` traces.
    """
    functions = _Measures(analysis, resolve).functions()
    totals = _totals(analysis)

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        is_total = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "total"
        if is_total and node.attr in totals:  # type: ignore[attr-defined]
            return totals[node.attr]  # type: ignore[attr-defined]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
            return functions[node.func.id](*(ev(arg) for arg in node.args))
        raise ClaimError(f"cannot measure {ast.unparse(node)!r}: not in the measure language")

    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise ClaimError(f"measure {expression!r} is not an expression: {error.msg}") from error
    result = ev(tree)
    return result  # type: ignore[no-any-return]


def _matches(measured: Value, claim: Claim) -> bool:
    expected = claim.expected
    if expected is None:
        return False
    if isinstance(expected, bool) or isinstance(measured, bool):
        return measured == expected
    if isinstance(expected, str) or isinstance(measured, str):
        return _norm(str(measured)) == _norm(str(expected))
    return math.isclose(float(measured), float(expected), rel_tol=claim.rel_tol, abs_tol=claim.abs_tol)


def _show(value: Value | None) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return value


def judge(claim: Claim, analysis: Analysis, resolve: Resolver = _no_other_networks) -> Verdict:
    """The verdict on ``claim`` for the traced network ``analysis``."""
    if claim.kind == "not-checkable":
        return Verdict(claim, None, "not checkable by counting", True, claim.note)
    measured = measure(analysis, claim.measure, resolve)
    if isinstance(measured, float) and measured.is_integer() and isinstance(claim.expected, int):
        measured = int(measured)
    holds = _matches(measured, claim)
    said = f"{_show(claim.expected)} stated, {_show(measured)} measured"
    if claim.kind == "erratum":
        if holds:
            return Verdict(claim, measured, "erratum not reproduced", False,
                           f"{said}: the network agrees with the source, so the erratum is wrong")  # fmt: skip
        return Verdict(claim, measured, "erratum", True, f"{said}. {claim.note}".strip())
    if holds:
        exact = not isinstance(measured, (int, float)) or measured == claim.expected
        detail = said if not exact else f"{_show(measured)} measured"
        if claim.convention:
            return Verdict(claim, measured, "holds under convention", True, f"{detail}; {claim.convention}")
        return Verdict(claim, measured, "holds", True, detail)
    return Verdict(claim, measured, "does not hold", not claim.must_hold, f"{said}. {claim.note}".strip())


def judge_all(claims: Iterable[Claim], analysis: Analysis, resolve: Resolver = _no_other_networks) -> list[Verdict]:
    """Verdicts on every claim, in order."""
    return [judge(claim, analysis, resolve) for claim in claims]
