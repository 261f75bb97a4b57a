"""The pure counting rules of archstats.counts, against closed forms and published figures.

Sources of the published figures:
- LeNet-5: LeCun, Bottou, Bengio, Haffner 1998, Sec. II-B, and the article
  (shared/article/CLAIMS.md, ids lenet.c1 ... lenet.f6).
- AlexNet: the article (CLAIMS.md, ids alexnet.conv1 ... alexnet.fc8).
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from archstats.counts import (
    Formula,
    cdist_op,
    conv_op,
    fmt_int,
    linear_op,
    neurons_formula,
    output_size_formula,
    params_formula,
    product,
    sum_formula,
)


def documented_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's documented output size of a window op (Conv2d / MaxPool2d / AvgPool2d docs).

    floor((H + 2p - d(k-1) - 1)/s + 1), ceil instead of floor with ``ceil_mode``; with
    ``ceil_mode`` a window that would start in the right padding is dropped (MaxPool2d docs'
    note: "Sliding windows that would start in the right padded region are ignored").
    """
    num = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (math.ceil(num / stride) if ceil_mode else num // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def evaluate(expression: str) -> int:
    """A derivation such as ``(227−11)/4+1`` evaluated with integer (floor) division."""
    code = expression.replace("×", "*").replace("−", "-").replace("/", "//").replace(",", "")
    assert set(code) <= set("0123456789+-*/() "), expression
    return int(eval(code))


# -- small helpers -------------------------------------------------------------------


def test_fmt_int_uses_thousands_separators() -> None:
    assert fmt_int(340908) == "340,908"
    assert fmt_int(7) == "7"


def test_product_joins_with_times_sign() -> None:
    assert product((5, 5, 6)) == "5×5×6"
    assert product((84,)) == "84"


# -- Formula ---------------------------------------------------------------------------


def test_formula_shows_derivation_and_value() -> None:
    assert str(Formula("(5×5+1)×6", (5 * 5 + 1) * 6)) == "(5×5+1)×6 = 156"


def test_formula_that_is_just_its_value_is_not_repeated() -> None:
    assert str(Formula("1516", 1516)) == "1,516"
    assert str(Formula("1,516", 1516)) == "1,516"


def test_sum_formula_adds_terms_and_writes_them_out() -> None:
    total = sum_formula([Formula("6", 6), Formula("6", 6)])
    assert total.value == 6 + 6
    assert str(total) == "6 + 6 = 12"


def test_sum_formula_of_one_term_drops_redundant_parentheses() -> None:
    single = sum_formula([Formula("(120+1)", 120 + 1)])
    assert single.value == 121
    assert single.expression == "120+1"


# -- conv_op ---------------------------------------------------------------------------


def test_conv_lenet_c1() -> None:
    # LeNet-5 C1: 6 kernels 5x5 on the 1 x 32 x 32 input, output 6 x 28 x 28 (LeCun 1998; article lenet.c1).
    op = conv_op((6, 1, 5, 5), True, (6, 28, 28))
    assert op.units == 28 * 28 * 6 == 4_704
    assert op.fan_in == 5 * 5
    assert op.params == (5 * 5 + 1) * 6 == 156
    assert op.connections == (5 * 5 + 1) * 6 * 28 * 28 == 122_304
    assert op.macs == 5 * 5 * 6 * 28 * 28
    assert str(op.params_formula()) == "(5×5+1)×6 = 156"
    assert str(op.connections_formula()) == "(5×5+1)×6×28×28 = 122,304"


def test_conv_lenet_c5() -> None:
    # LeNet-5 C5: 120 kernels 5x5 over all 16 S4 maps, 1x1 output: params = connections = 48,120 (article lenet.c5).
    op = conv_op((120, 16, 5, 5), True, (120, 1, 1))
    assert op.params == 120 * (16 * 5 * 5 + 1) == 48_120
    assert op.connections == op.params


def test_conv_alexnet_conv1_formula() -> None:
    # AlexNet conv1: 96 kernels 11x11x3, output 55x55: params (11*11*3+1)*96 = 34,944 (article alexnet.conv1).
    op = conv_op((96, 3, 11, 11), True, (96, 55, 55))
    assert op.params == (11 * 11 * 3 + 1) * 96 == 34_944
    assert op.units == 55 * 55 * 96 == 290_400
    assert str(op.params_formula()) == "(11×11×3+1)×96 = 34,944"
    assert op.connections_formula().value == (11 * 11 * 3 + 1) * 96 * 55 * 55


@pytest.mark.parametrize(
    ("c_in", "c_out", "groups", "kernel", "out_spatial", "bias"),
    [
        (3, 8, 1, (3, 3), (10, 10), True),
        (96, 256, 2, (5, 5), (27, 27), True),  # AlexNet conv2: two towers
        (384, 384, 2, (3, 3), (13, 13), True),  # AlexNet conv4
        (32, 32, 32, (3, 3), (7, 7), False),  # depthwise, no bias
        (4, 6, 2, (3, 5), (4, 9), True),  # rectangular kernel
        (4, 8, 1, (3,), (10,), True),  # 1-D
        (4, 8, 4, (7,), (5,), False),  # 1-D depthwise, no bias
        (2, 4, 1, (3, 3, 3), (5, 6, 7), True),  # 3-D
        (6, 4, 2, (1, 3, 2), (2, 3, 4), False),  # 3-D grouped, no bias
    ],
)
def test_conv_op_closed_forms(
    c_in: int, c_out: int, groups: int, kernel: tuple[int, ...], out_spatial: tuple[int, ...], bias: bool
) -> None:
    weight_shape = (c_out, c_in // groups, *kernel)
    op = conv_op(weight_shape, bias, (c_out, *out_spatial))
    fan_in = c_in // groups * math.prod(kernel)
    units = c_out * math.prod(out_spatial)
    assert op.units == units
    assert op.fan_in == fan_in
    assert op.bias is bias
    assert op.maps == c_out
    assert op.kernel == kernel
    assert op.spatial == out_spatial
    assert op.params == c_out * (fan_in + int(bias))
    assert op.connections == units * (fan_in + int(bias))
    assert op.macs == units * fan_in  # fvcore: the bias add is not a MAC
    assert op.params_formula().value == op.params
    assert op.connections_formula().value == op.connections
    # The derivation text evaluates to the number it claims.
    assert evaluate(op.params_formula().expression) == op.params
    assert evaluate(op.connections_formula().expression) == op.connections


def test_conv_params_match_a_real_module() -> None:
    conv = torch.nn.Conv2d(12, 18, (3, 5), groups=3, bias=True)
    op = conv_op(conv.weight.shape, True, (18, 4, 4))
    assert op.params == sum(p.numel() for p in conv.parameters())


def test_conv_without_bias_has_no_plus_one() -> None:
    op = conv_op((6, 1, 5, 5), False, (6, 28, 28))
    assert op.params == 5 * 5 * 6
    assert op.connections == 5 * 5 * 6 * 28 * 28
    assert "+1" not in op.params_formula().expression
    assert "+1" not in op.connections_formula().expression


# -- linear_op -------------------------------------------------------------------------


def test_linear_lenet_f6() -> None:
    # LeNet-5 F6: 84 units over C5's 120: params = connections = 84*(120+1) = 10,164 (article lenet.f6).
    op = linear_op(120, 84, True)
    assert op.units == 84
    assert op.params == 84 * (120 + 1) == 10_164
    assert op.connections == op.params
    assert op.macs == 120 * 84
    assert str(op.params_formula()) == "(120+1)×84 = 10,164"


@pytest.mark.parametrize(
    ("in_features", "out_features", "bias", "positions"),
    [(6, 5, True, 7), (9216, 4096, True, 1), (64, 10, False, 49), (3, 1, True, 2)],
)
def test_linear_op_closed_forms(in_features: int, out_features: int, bias: bool, positions: int) -> None:
    op = linear_op(in_features, out_features, bias, positions)
    units = out_features * positions
    assert op.units == units
    assert op.fan_in == in_features
    assert op.params == out_features * (in_features + int(bias))  # weights once, not per position
    assert op.connections == units * (in_features + int(bias))  # shared weights, every use
    assert op.macs == units * in_features
    assert op.connections_formula().value == op.connections
    assert evaluate(op.connections_formula().expression) == op.connections
    assert evaluate(op.params_formula().expression) == op.params


def test_linear_at_several_positions_writes_the_positions() -> None:
    op = linear_op(6, 5, True, positions=7)
    assert str(op.connections_formula()) == "(6+1)×5×7 = 245"


# -- cdist_op --------------------------------------------------------------------------


def test_cdist_lenet_rbf() -> None:
    # LeNet-5 output: 10 Euclidean RBF units, 84 inputs each, no bias (article lenet.out).
    op = cdist_op(1, 10, 84)
    assert op.units == 10
    assert op.bias is False
    assert op.connections == 10 * 84
    assert op.params == 10 * 84
    assert op.macs == 10 * 84
    assert str(op.connections_formula()) == "84×10 = 840"


def test_cdist_at_several_points() -> None:
    op = cdist_op(3, 10, 84)
    assert op.units == 3 * 10
    assert op.connections == 3 * 10 * 84
    assert op.params == 10 * 84  # prototypes once, not per point
    assert evaluate(op.connections_formula().expression) == op.connections


# -- output_size_formula ---------------------------------------------------------------


def test_output_size_alexnet_conv1() -> None:
    # AlexNet conv1 on 227x227: (227-11)/4+1 = 55 (article alexnet.conv1).
    assert str(output_size_formula(227, 11, 4, 0, 1)) == "(227−11)/4+1 = 55"


def test_output_size_alexnet_pool1() -> None:
    # AlexNet overlapping pool 3x3 stride 2: (55-3)/2+1 = 27 (article alexnet.pool1).
    assert str(output_size_formula(55, 3, 2, 0, 1)) == "(55−3)/2+1 = 27"


def test_output_size_lenet_c1() -> None:
    # LeNet-5 C1: 32-5+1 = 28 (article lenet.c1).
    assert str(output_size_formula(32, 5, 1, 0, 1)) == "32−5+1 = 28"


WINDOWS = [
    # size, kernel, stride, padding, dilation
    (227, 11, 4, 0, 1),
    (27, 5, 1, 2, 1),
    (13, 3, 1, 1, 1),
    (17, 3, 2, 1, 2),
    (16, 3, 1, 2, 2),
    (10, 4, 3, 1, 1),
    (9, 2, 2, 0, 1),
    (31, 7, 2, 3, 1),
]


@pytest.mark.parametrize(("size", "kernel", "stride", "padding", "dilation"), WINDOWS)
def test_output_size_floor(size: int, kernel: int, stride: int, padding: int, dilation: int) -> None:
    formula = output_size_formula(size, kernel, stride, padding, dilation)
    expected = documented_output_size(size, kernel, stride, padding, dilation, False)
    assert formula.value == expected
    assert evaluate(formula.expression) == expected


POOL_WINDOWS = [
    # size, kernel, stride, padding, dilation: with and without ceil_mode
    (55, 3, 2, 0, 1),
    (6, 3, 2, 0, 1),
    (10, 3, 3, 0, 1),
    (112, 3, 2, 1, 1),
    (9, 2, 2, 1, 1),
    (4, 2, 3, 1, 1),  # ceil: the last window would start in the right padding and is dropped
    (7, 3, 4, 1, 1),  # ceil: likewise
    (11, 3, 2, 1, 2),
]


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize(("size", "kernel", "stride", "padding", "dilation"), POOL_WINDOWS)
def test_output_size_against_pytorch(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> None:
    formula = output_size_formula(size, kernel, stride, padding, dilation, ceil_mode)
    expected = documented_output_size(size, kernel, stride, padding, dilation, ceil_mode)
    pooled = F.max_pool1d(torch.zeros(1, 1, size), kernel, stride, padding, dilation, ceil_mode)
    assert pooled.shape[-1] == expected  # the documented formula is PyTorch's behaviour
    assert formula.value == expected


# -- neurons_formula / params_formula --------------------------------------------------


def test_neurons_formula_lenet_c1() -> None:
    # LeNet-5 C1: 28*28*6 neurons (article lenet.c1).
    formula = neurons_formula((6, 28, 28))
    assert formula.value == 28 * 28 * 6
    assert str(formula) == "28×28×6 = 4,704"


@pytest.mark.parametrize("shape", [(84,), (120, 1, 1), (16, 5, 5), (8, 10), (4, 3, 5, 6)])
def test_neurons_formula_counts_every_unit(shape: tuple[int, ...]) -> None:
    formula = neurons_formula(shape)
    assert formula.value == math.prod(shape)
    assert evaluate(formula.expression) == math.prod(shape)


def test_neurons_formula_of_a_vector() -> None:
    assert str(neurons_formula((84,))) == "84"


def test_params_formula_lenet_s2() -> None:
    # LeNet-5 S2: one coefficient and one bias per map, 2*6 = 12 (article lenet.s2).
    formula = params_formula([(6,), (6,)])
    assert formula.value == 2 * 6
    assert str(formula) == "6 + 6 = 12"


def test_params_formula_of_conv_tensors() -> None:
    formula = params_formula([(96, 3, 11, 11), (96,)])
    assert formula.value == 96 * 3 * 11 * 11 + 96
    assert str(formula) == "96×3×11×11 + 96 = 34,944"


def test_params_formula_of_nothing_is_zero() -> None:
    assert params_formula([]).value == 0


def test_params_formula_of_a_scalar_tensor() -> None:
    formula = params_formula([(), (3,)])
    assert formula.value == 1 + 3
    assert evaluate(formula.expression) == 4
