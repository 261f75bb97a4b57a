"""Counting rules for weighted operations, each with its derivation as text.

Every rule is a pure function of shapes. A *weighted op* is one that forms weighted sums
of its input with tensors that do not come from the input (weights, fixed prototypes):
convolution, linear maps, matrix products with a weight, Euclidean distances to fixed
prototypes. Each output element of such an op is a neuron; its *connections* are its
fan-in plus one when it has a bias (LeCun 1998), and its *MACs* are its fan-in
multiply-accumulates (the bias add is not a MAC, as in fvcore).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

TIMES = "×"


def fmt_int(value: int) -> str:
    """An integer with thousands separators: ``1,516``."""
    return f"{value:,}"


def product(dims: Sequence[int]) -> str:
    """``(5, 5, 6)`` as ``5×5×6``."""
    return TIMES.join(str(d) for d in dims)


@dataclass(frozen=True)
class Formula:
    """A derivation and the number it evaluates to: ``(5×5+1)×6 = 156``."""

    expression: str
    value: int

    def __str__(self) -> str:
        if self.expression == str(self.value) or self.expression == fmt_int(self.value):
            return fmt_int(self.value)
        return f"{self.expression} = {fmt_int(self.value)}"


def sum_formula(terms: Sequence[Formula]) -> Formula:
    """The sum of several derivations, written out term by term."""
    if len(terms) == 1:
        text = terms[0].expression
        if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
            text = text[1:-1]
        return Formula(text, terms[0].value)
    return Formula(" + ".join(t.expression for t in terms), sum(t.value for t in terms))


@dataclass(frozen=True)
class WeightedOp:
    """One weighted op, per sample.

    Attributes:
        kind: ``conv``, ``linear``, ``matmul`` or ``cdist``.
        units: output elements (neurons) it forms.
        fan_in: inputs each unit sums.
        bias: whether each unit adds a bias.
        maps: output maps (channels or features) of the op.
        fan_in_maps: input maps each output map reads (convolution), else ``fan_in``.
        spatial: spatial size of each output map (empty for linear maps).
        kernel: kernel size (empty for linear maps).
        params: weight and bias elements the op reads (shared weights counted at each use).
    """

    kind: str
    units: int
    fan_in: int
    bias: bool
    maps: int
    fan_in_maps: int
    spatial: tuple[int, ...]
    kernel: tuple[int, ...]

    @property
    def macs(self) -> int:
        return self.units * self.fan_in

    @property
    def connections(self) -> int:
        return self.units * (self.fan_in + int(self.bias))

    @property
    def params(self) -> int:
        return self.maps * (self.fan_in + int(self.bias))

    def _per_map(self) -> str:
        """Weights and bias of one output map: ``5×5×6+1``."""
        weights = product((*self.kernel, self.fan_in_maps)) if self.kernel else str(self.fan_in)
        if self.kernel and self.fan_in_maps == 1:
            weights = product(self.kernel)
        return f"({weights}+1)" if self.bias else weights

    def params_formula(self) -> Formula:
        per_map = self._per_map()
        if self.maps == 1:
            return Formula(per_map, self.params)
        return Formula(f"{per_map}{TIMES}{self.maps}", self.params)

    def connections_formula(self) -> Formula:
        base = self.params_formula().expression
        reps = self.units // self.maps
        if reps == 1:
            return Formula(base, self.connections)
        return Formula(f"{base}{TIMES}{product(self.spatial) if self.spatial else reps}", self.connections)


def conv_op(weight_shape: Sequence[int], has_bias: bool, out_shape: Sequence[int]) -> WeightedOp:
    """A convolution: weight ``(C_out, C_in/groups, *kernel)``, per-sample output ``(C_out, *spatial)``.

    Each output unit reads ``C_in/groups * prod(kernel)`` inputs; stride, padding and
    dilation change only how many units there are, which the output shape already says.
    """
    c_out, c_in_g, *kernel = (int(d) for d in weight_shape)
    spatial = tuple(int(d) for d in out_shape[1:])
    units = int(out_shape[0]) * math.prod(spatial)
    return WeightedOp(
        kind="conv", units=units, fan_in=c_in_g * math.prod(kernel), bias=has_bias,
        maps=c_out, fan_in_maps=c_in_g, spatial=spatial, kernel=tuple(kernel),
    )  # fmt: skip


def linear_op(
    in_features: int, out_features: int, has_bias: bool, positions: int = 1, kind: str = "linear"
) -> WeightedOp:
    """A linear map applied at ``positions`` places (1 for a flat vector) per sample."""
    return WeightedOp(
        kind=kind, units=out_features * positions, fan_in=in_features, bias=has_bias,
        maps=out_features, fan_in_maps=in_features,
        spatial=(positions,) if positions > 1 else (), kernel=(),
    )  # fmt: skip


def cdist_op(points: int, prototypes: int, dim: int) -> WeightedOp:
    """Euclidean distances from ``points`` vectors to ``prototypes`` fixed vectors of ``dim``.

    Each distance accumulates ``dim`` squared differences: ``dim`` connections, no bias.
    """
    return WeightedOp(
        kind="cdist", units=points * prototypes, fan_in=dim, bias=False, maps=prototypes,
        fan_in_maps=dim, spatial=(points,) if points > 1 else (), kernel=(),
    )  # fmt: skip


def params_formula(shapes: Sequence[Sequence[int]]) -> Formula:
    """Elements of a module's own tensors, written shape by shape: ``6 + 6 = 12``."""
    terms = [Formula(product(s) if s else "1", math.prod(s)) for s in shapes]
    if not terms:
        return Formula("0", 0)
    return sum_formula(terms)


def neurons_formula(out_shape: Sequence[int]) -> Formula:
    """Units of a per-sample output ``(C, H, W)``, written spatial first: ``28×28×6 = 4,704``."""
    dims = [int(d) for d in out_shape]
    ordered = dims[1:] + dims[:1] if len(dims) > 1 else dims
    return Formula(product(ordered), math.prod(dims))


def output_size_formula(
    size: int,
    kernel: int,
    stride: int,
    padding: int,
    dilation: int,
    ceil_mode: bool = False,
    pad_total: int | None = None,
) -> Formula:
    """One spatial dimension through a window op: ``(227−11)/4+1 = 55``.

    ``padding`` is added on both sides unless ``pad_total`` gives the two sides' sum
    (``padding='same'`` with an even kernel pads unevenly). With ``ceil_mode`` the
    division rounds up, but a window that would start in the right padding is dropped,
    as PyTorch does.
    """
    total = 2 * padding if pad_total is None else pad_total
    span = dilation * (kernel - 1) + 1
    num = size + total - span
    if ceil_mode:
        value = -(-num // stride) + 1
        if (value - 1) * stride >= size + total // 2:
            value -= 1
    else:
        value = num // stride + 1
    if pad_total is None:
        padded = f"{size}+2{TIMES}{padding}" if padding else str(size)
    else:
        padded = f"{size}+{total}" if total else str(size)
    if stride == 1:
        text = f"{padded}−{span}+1"
    elif ceil_mode:
        text = f"⌈({padded}−{span})/{stride}⌉+1"
    else:
        text = f"({padded}−{span})/{stride}+1"
    return Formula(text, value)
