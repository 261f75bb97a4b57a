"""archstats.analyze on small modules built here, and on LeNet-5 / AlexNet, against closed forms.

Conventions (shared/DESIGN.md): connections = fan-in + 1 for a bias per neuron (LeCun 1998);
MACs as fvcore counts them (the bias add is not a MAC); pooling, activations and
normalisation add no neurons; receptive field and depth are maxima over all paths.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import pytest
import torch
from torch import nn

import archstats
from archstats import Analysis
from archstats_zoo.alexnet import alexnet
from archstats_zoo.lenet import C3_TABLE, EuclideanRBF, PartialConv2d, Subsampling, lenet5

ROW_SUMMED_TOTALS = ("params", "trainable_params", "buffers", "connections", "neurons", "fvcore_macs", "multiply_adds")


def analyze(model: nn.Module, input_shape: Sequence[int]) -> Analysis:
    return archstats.analyze(model, input_shape, device="cpu")


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool = False) -> int:
    """PyTorch's documented output size (Conv2d / MaxPool2d docs), with the ceil_mode rule."""
    num = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-num // stride) if ceil_mode else num // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # a window may not start in the right padding
    return out


def formula_values(text: str, dims: int) -> list[int]:
    """The value of each dimension's output-size derivation: ``a = 5`` or ``a = 5; b = 3``."""
    parts = text.split("; ")
    values = [int(p.rpartition(" = ")[2].replace(",", "")) for p in parts]
    return values * dims if len(values) == 1 else values


def expression_values(text: str) -> list[int]:
    """Each derivation evaluated with floor division: ``(17+2×1−5)/2+1`` -> 8."""
    values = []
    for part in text.split("; "):
        expression = part.rpartition(" = ")[0] or part
        code = expression.replace("×", "*").replace("−", "-").replace("/", "//").replace(",", "")
        assert set(code) <= set("0123456789+-*/() "), part
        values.append(int(eval(code)))
    return values


def assert_rows_sum_to_totals(analysis: Analysis) -> None:
    for name in ROW_SUMMED_TOTALS:
        rows = sum(getattr(layer, name) for layer in analysis.layers)
        assert rows == getattr(analysis.totals, name), name


def parameter_elements(model: nn.Module) -> int:
    """PyTorch's own count: each nn.Parameter once (DESIGN.md: params)."""
    return sum(p.numel() for p in model.parameters())


def buffer_elements(model: nn.Module) -> int:
    """Floating-point buffer elements, each tensor once (DESIGN.md: buffers)."""
    return sum(b.numel() for b in model.buffers() if b.is_floating_point())


def counts(analysis: Analysis) -> list[tuple[object, ...]]:
    return [
        (
            layer.name,
            layer.type,
            layer.output_shape,
            layer.params,
            layer.trainable_params,
            layer.buffers,
            layer.connections,
            layer.neurons,
            layer.fvcore_macs,
            layer.receptive_field,
            layer.jump,
            layer.depth,
        )
        for layer in analysis.layers
    ]


# -- convolutions ----------------------------------------------------------------------

CONV_CONFIGS = [
    # c_in, c_out, kernel, stride, padding, dilation, groups, bias, input size
    pytest.param(3, 8, 3, 1, 0, 1, 1, True, 10, id="plain"),
    pytest.param(4, 8, 3, 2, 1, 1, 2, True, 11, id="stride-pad-groups"),
    pytest.param(6, 6, 3, 1, 1, 1, 6, False, 9, id="depthwise-nobias"),
    pytest.param(4, 6, 3, 2, 1, 2, 2, True, 17, id="dilated-strided"),
    pytest.param(2, 4, 5, 3, 2, 1, 1, True, 13, id="5x5-stride3"),
    pytest.param(4, 4, (3, 5), (2, 1), (1, 2), (1, 2), 1, True, 12, id="rectangular"),
    pytest.param(3, 96, 11, 4, 0, 1, 1, True, 67, id="alexnet-conv1-like"),
    pytest.param(2, 3, 3, 1, "same", 1, 1, True, 8, id="same-3x3"),
    pytest.param(2, 3, 4, 1, "same", 1, 1, True, 8, id="same-4x4"),
    pytest.param(2, 3, 3, 1, "same", 2, 1, False, 9, id="same-dilated"),
    pytest.param(2, 3, 3, 2, "valid", 1, 1, True, 9, id="valid"),
]


def pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else v


@pytest.mark.parametrize(
    ("c_in", "c_out", "kernel", "stride", "padding", "dilation", "groups", "bias", "size"), CONV_CONFIGS
)
def test_conv2d_layer(
    c_in: int,
    c_out: int,
    kernel: int | tuple[int, int],
    stride: int | tuple[int, int],
    padding: int | tuple[int, int] | str,
    dilation: int | tuple[int, int],
    groups: int,
    bias: bool,
    size: int,
) -> None:
    conv = nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, groups, bias)
    layer = analyze(nn.Sequential(conv), (1, c_in, size, size)).layer("0")
    k, s, d = pair(kernel), pair(stride), pair(dilation)
    if padding == "same":  # output size = input size at stride 1
        h_out = (size, size)
    else:
        p = (0, 0) if padding == "valid" else pair(padding)  # type: ignore[arg-type]
        h_out = tuple(out_size(size, k[i], s[i], p[i], d[i]) for i in range(2))  # type: ignore[assignment]
    fan_in = c_in // groups * k[0] * k[1]
    neurons = c_out * h_out[0] * h_out[1]
    assert layer.output_shape == (1, c_out, *h_out)
    assert layer.params == layer.trainable_params == c_out * (fan_in + int(bias))
    assert layer.buffers == 0
    assert layer.neurons == neurons
    assert layer.connections == neurons * (fan_in + int(bias))
    assert layer.fvcore_macs == neurons * fan_in  # fvcore: the bias add is not a MAC
    assert layer.receptive_field == (1 + (k[0] - 1) * d[0], 1 + (k[1] - 1) * d[1])
    assert layer.jump == s
    assert layer.depth == 1


@pytest.mark.parametrize(
    ("c_in", "c_out", "kernel", "stride", "padding", "dilation", "groups", "bias", "size"), CONV_CONFIGS
)
def test_conv2d_output_size_derivation(
    c_in: int,
    c_out: int,
    kernel: int | tuple[int, int],
    stride: int | tuple[int, int],
    padding: int | tuple[int, int] | str,
    dilation: int | tuple[int, int],
    groups: int,
    bias: bool,
    size: int,
) -> None:
    conv = nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, groups, bias)
    layer = analyze(nn.Sequential(conv), (1, c_in, size, size)).layer("0")
    assert layer.output_shape is not None
    h_out = list(layer.output_shape[2:])  # PyTorch's own output, checked against the formula above
    assert formula_values(layer.formulas["output"], 2) == h_out
    # The derivation as written evaluates to the size it states.
    assert expression_values(layer.formulas["output"]) in (h_out, h_out[:1])


def test_conv1d_layer() -> None:
    layer = analyze(nn.Sequential(nn.Conv1d(4, 6, 3, stride=2, groups=2)), (1, 4, 20)).layer("0")
    length = out_size(20, 3, 2, 0, 1)
    neurons = 6 * length
    assert layer.output_shape == (1, 6, length)
    assert layer.params == 6 * (4 // 2 * 3 + 1)
    assert layer.neurons == neurons
    assert layer.connections == neurons * (4 // 2 * 3 + 1)
    assert layer.fvcore_macs == neurons * (4 // 2 * 3)
    assert layer.receptive_field == (3,)
    assert layer.jump == (2,)


def test_conv3d_layer() -> None:
    conv = nn.Conv3d(2, 4, (3, 1, 2), stride=(1, 2, 1), padding=(1, 0, 0), bias=False)
    layer = analyze(nn.Sequential(conv), (1, 2, 5, 6, 7)).layer("0")
    spatial = (out_size(5, 3, 1, 1, 1), out_size(6, 1, 2, 0, 1), out_size(7, 2, 1, 0, 1))
    fan_in = 2 * 3 * 1 * 2
    neurons = 4 * math.prod(spatial)
    assert layer.output_shape == (1, 4, *spatial)
    assert layer.params == 4 * fan_in
    assert layer.neurons == neurons
    assert layer.connections == neurons * fan_in
    assert layer.fvcore_macs == neurons * fan_in
    assert layer.receptive_field == (3, 1, 2)
    assert layer.jump == (1, 2, 1)


def test_counts_are_per_sample() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))
    one, four = analyze(model, (1, 3, 8, 8)), analyze(model, (4, 3, 8, 8))
    for name in ROW_SUMMED_TOTALS:
        assert getattr(one.totals, name) == getattr(four.totals, name), name


# -- linear maps -----------------------------------------------------------------------


def test_linear_layer() -> None:
    layer = analyze(nn.Sequential(nn.Linear(120, 84)), (1, 120)).layer("0")
    assert layer.params == 84 * (120 + 1)
    assert layer.neurons == 84
    assert layer.connections == 84 * (120 + 1)
    assert layer.fvcore_macs == 84 * 120
    assert layer.depth == 1


def test_linear_on_flat_input_has_no_spatial_field() -> None:
    # Layer's docstring: receptive_field is None for a layer without spatial output.
    layer = analyze(nn.Sequential(nn.Linear(4, 3)), (1, 4)).layer("0")
    assert layer.receptive_field is None
    assert layer.jump is None


def test_linear_without_bias() -> None:
    layer = analyze(nn.Sequential(nn.Linear(10, 7, bias=False)), (1, 10)).layer("0")
    assert layer.params == 7 * 10
    assert layer.connections == 7 * 10


def test_linear_at_several_positions() -> None:
    # nn.Linear on (N, 7, 6): the same 5 x (6 + 1) weights at each of 7 positions.
    layer = analyze(nn.Sequential(nn.Linear(6, 5)), (1, 7, 6)).layer("0")
    assert layer.params == 5 * (6 + 1)
    assert layer.neurons == 7 * 5
    assert layer.connections == 7 * 5 * (6 + 1)
    assert layer.fvcore_macs == 7 * 5 * 6


def test_linear_after_flatten_sees_the_whole_input() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 6 * 6, 4))
    layer = analyze(model, (1, 1, 8, 8)).layer("2")
    assert layer.rf_global
    assert layer.receptive_field == (8, 8)
    assert layer.depth == 2


def test_frozen_parameter_is_a_parameter() -> None:
    linear = nn.Linear(10, 3)
    linear.weight.requires_grad_(False)
    analysis = analyze(nn.Sequential(linear), (1, 10))
    layer = analysis.layer("0")
    assert layer.trainable_params == 3
    assert layer.frozen_params == 3 * 10
    assert layer.params == 3 * (10 + 1)
    assert layer.buffers == 0
    assert (analysis.totals.params, analysis.totals.frozen_params) == (3 * (10 + 1), 3 * 10)


# -- pooling and other weightless layers -----------------------------------------------

POOL_CONFIGS = [
    # kernel, stride, padding, dilation, ceil_mode, input size
    pytest.param(3, 2, 0, 1, False, 55, id="alexnet-pool"),
    pytest.param(2, 2, 0, 1, False, 9, id="2x2-odd"),
    pytest.param(3, 2, 1, 1, False, 112, id="padded"),
    pytest.param(3, 2, 0, 1, True, 6, id="ceil"),
    pytest.param(2, 3, 1, 1, True, 4, id="ceil-window-in-right-padding"),
    pytest.param(3, 1, 1, 2, False, 10, id="dilated"),
]


@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation", "ceil_mode", "size"), POOL_CONFIGS)
def test_max_pool_layer(kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool, size: int) -> None:
    pool = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    layer = analyze(nn.Sequential(pool), (1, 3, size, size)).layer("0")
    h = out_size(size, kernel, stride, padding, dilation, ceil_mode)
    assert layer.output_shape == (1, 3, h, h)
    assert (layer.params, layer.neurons, layer.connections, layer.fvcore_macs) == (0, 0, 0, 0)
    assert "aten::max_pool2d" in layer.uncounted_ops  # not silently zero
    assert layer.receptive_field == (1 + (kernel - 1) * dilation,) * 2
    assert layer.jump == (stride, stride)
    assert layer.depth == 0
    assert formula_values(layer.formulas["output"], 2) == [h, h]


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "ceil_mode", "size"),
    [(2, 2, 0, False, 8), (3, 2, 1, False, 14), (3, 2, 0, True, 8), (2, 3, 1, True, 7)],
)
def test_avg_pool_layer(kernel: int, stride: int, padding: int, ceil_mode: bool, size: int) -> None:
    pool = nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode)
    layer = analyze(nn.Sequential(pool), (1, 2, size, size)).layer("0")
    h = out_size(size, kernel, stride, padding, 1, ceil_mode)
    assert layer.output_shape == (1, 2, h, h)
    assert (layer.params, layer.neurons, layer.connections, layer.fvcore_macs) == (0, 0, 0, 0)
    assert "aten::avg_pool2d" in layer.uncounted_ops  # not silently zero
    assert layer.receptive_field == (kernel, kernel)
    assert layer.jump == (stride, stride)
    assert formula_values(layer.formulas["output"], 2) == [h, h]


def test_relu_is_listed_not_silently_zero() -> None:
    layer = analyze(nn.Sequential(nn.ReLU()), (1, 2, 4, 4)).layer("0")
    assert (layer.params, layer.neurons, layer.connections, layer.fvcore_macs) == (0, 0, 0, 0)
    assert "aten::relu" in layer.uncounted_ops


def test_global_average_pool_sees_everything() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1))
    layer = analyze(model, (1, 1, 9, 9)).layer("1")
    assert layer.rf_global
    assert layer.neurons == 0
    assert layer.depth == 1


# -- BatchNorm -------------------------------------------------------------------------


def test_batchnorm_statistics_are_buffers_not_params() -> None:
    channels = 5
    model = nn.Sequential(nn.Conv2d(3, channels, 3), nn.BatchNorm2d(channels)).eval()
    analysis = analyze(model, (1, 3, 8, 8))
    bn = analysis.layer("1")
    assert bn.params == bn.trainable_params == 2 * channels  # weight, bias
    assert bn.buffers == 2 * channels  # running_mean, running_var; num_batches_tracked is an int
    assert bn.neurons == 0
    assert bn.connections == 0
    assert analysis.totals.params == channels * (3 * 3 * 3 + 1) + 2 * channels == parameter_elements(model)
    assert analysis.totals.buffers == 2 * channels == buffer_elements(model)


def test_batchnorm_after_linear_with_batch_of_one() -> None:
    # A BatchNorm1d after a linear layer (a classifier head); one sample per batch.
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))
    bn = analyze(model, (1, 4)).layer("1")
    assert bn.params == bn.trainable_params == 2 * 8
    assert bn.buffers == 2 * 8


def test_analyze_leaves_the_model_as_it_was() -> None:
    # Counting must not change the caller's model (BatchNorm statistics, its counter).
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    analyze(model, (2, 3, 8, 8))
    after = model.state_dict()
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert changed == []


def test_counts_do_not_depend_on_train_or_eval_mode() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Dropout(0.5), nn.ReLU())
    training = analyze(model.train(), (2, 3, 8, 8))
    evaluating = analyze(model.eval(), (2, 3, 8, 8))
    assert counts(training) == counts(evaluating)


# -- LeNet-5's own layers --------------------------------------------------------------


def test_subsampling_rule() -> None:
    # Each unit: 2x2 inputs times one coefficient, plus a bias: 2 params per map, 2*2+1 connections.
    maps, size = 3, 8
    layer = analyze(nn.Sequential(Subsampling(maps)), (1, maps, size, size)).layer("0")
    units = maps * (size // 2) ** 2
    assert layer.output_shape == (1, maps, size // 2, size // 2)
    assert layer.trainable_params == 2 * maps
    assert layer.neurons == units
    assert layer.connections == units * (2 * 2 + 1)
    assert layer.receptive_field == (2, 2)
    assert layer.jump == (2, 2)
    assert layer.depth == 1


def test_euclidean_rbf_rule() -> None:
    prototypes, dim = 10, 84
    layer = analyze(nn.Sequential(EuclideanRBF(torch.ones(prototypes, dim))), (1, dim)).layer("0")
    assert layer.params == layer.trainable_params == 0
    assert layer.buffers == prototypes * dim
    assert layer.neurons == prototypes
    assert layer.connections == prototypes * dim  # dim per unit, no bias
    assert layer.fvcore_macs == prototypes * dim  # archstats' cdist convention: one MAC per coordinate


def test_partial_conv_rule() -> None:
    table = ((0, 1), (1, 2), (0, 1, 2))
    layer = analyze(nn.Sequential(PartialConv2d(table, 3, 3)), (1, 3, 7, 7)).layer("0")
    positions = 5 * 5
    fan_ins = [len(t) * 3 * 3 for t in table]
    assert layer.output_shape == (1, 3, 5, 5)
    assert layer.trainable_params == sum(f + 1 for f in fan_ins)
    assert layer.params == layer.trainable_params
    assert layer.buffers == 0  # the table and gather indices are not floating point
    assert layer.neurons == len(table) * positions
    assert layer.connections == positions * sum(f + 1 for f in fan_ins)
    assert layer.fvcore_macs == positions * sum(fan_ins)


@pytest.fixture(scope="module")
def lenet() -> tuple[nn.Module, Analysis]:
    model = lenet5()
    return model, analyze(model, (1, 1, 32, 32))


def test_lenet_c1(lenet: tuple[nn.Module, Analysis]) -> None:
    # LeCun 1998 Sec. II-B / article lenet.c1.
    c1 = lenet[1].layer("C1")
    assert c1.params == (5 * 5 + 1) * 6 == 156
    assert c1.connections == (5 * 5 + 1) * 6 * 28 * 28 == 122_304
    assert c1.neurons == 28 * 28 * 6
    assert c1.formulas["params"] == "(5×5+1)×6 = 156"
    assert c1.formulas["connections"] == "(5×5+1)×6×28×28 = 122,304"
    assert c1.formulas["neurons"] == "28×28×6 = 4,704"
    assert c1.formulas["output"] == "32−5+1 = 28"


@pytest.mark.parametrize(("name", "maps", "size"), [("S2", 6, 14), ("S4", 16, 5)])
def test_lenet_subsampling(lenet: tuple[nn.Module, Analysis], name: str, maps: int, size: int) -> None:
    # LeCun 1998 / article lenet.s2, lenet.s4: params 2*maps, connections (2*2+1)*maps*size*size
    # (S2: 12 and 5,880; S4: 32 and 2,000).
    layer = lenet[1].layer(name)
    assert layer.trainable_params == 2 * maps
    assert layer.neurons == size * size * maps
    assert layer.connections == (2 * 2 + 1) * maps * size * size


def test_lenet_c3(lenet: tuple[nn.Module, Analysis]) -> None:
    # LeCun 1998 / article lenet.c3: 6*(3*5*5+1)+6*(4*5*5+1)+3*(4*5*5+1)+1*(6*5*5+1) = 1,516
    # params; 10*10*1516 = 151,600 connections; 150,000 multiply-adds (no bias).
    c3 = lenet[1].layer("C3")
    assert c3.params == 6 * (3 * 5 * 5 + 1) + 6 * (4 * 5 * 5 + 1) + 3 * (4 * 5 * 5 + 1) + 1 * (6 * 5 * 5 + 1) == 1_516
    assert c3.connections == 10 * 10 * 1_516 == 151_600
    assert c3.fvcore_macs == 10 * 10 * sum(len(t) * 5 * 5 for t in C3_TABLE) == 150_000
    assert c3.neurons == 10 * 10 * 16


def test_lenet_c5_f6(lenet: tuple[nn.Module, Analysis]) -> None:
    # Article lenet.c5, lenet.f6: params = connections.
    c5, f6 = lenet[1].layer("C5"), lenet[1].layer("F6")
    assert c5.params == c5.connections == 120 * (16 * 5 * 5 + 1) == 48_120
    assert f6.params == f6.connections == 84 * (120 + 1) == 10_164


def test_lenet_rbf_output(lenet: tuple[nn.Module, Analysis]) -> None:
    # Article lenet.out: 10 RBF units, 84 inputs each, fixed prototypes (held as a buffer).
    out = lenet[1].layer("output")
    assert out.params == out.trainable_params == 0
    assert out.buffers == 10 * 84 == 840
    assert out.neurons == 10
    assert out.connections == 10 * 84


def test_lenet_totals(lenet: tuple[nn.Module, Analysis]) -> None:
    # LeCun 1998 Sec. II-B: 340,908 connections, 60,000 trainable parameters.
    model, analysis = lenet
    assert analysis.totals.connections == 340_908
    assert analysis.totals.trainable_params == analysis.totals.params == 60_000 == parameter_elements(model)
    assert analysis.totals.buffers == 10 * 84  # the RBF prototypes
    assert analysis.totals.input_units == 32 * 32
    assert_rows_sum_to_totals(analysis)


def test_lenet_depth_is_seven(lenet: tuple[nn.Module, Analysis]) -> None:
    # DESIGN.md: "LeNet-5 counts its subsampling layers: 7" (C1 S2 C3 S4 C5 F6 output).
    assert lenet[1].totals.depth == 7


def test_lenet_dataframe(lenet: tuple[nn.Module, Analysis]) -> None:
    analysis = lenet[1]
    df = analysis.dataframe()
    assert len(df) == len(analysis.layers)
    assert list(df.index) == [layer.name for layer in analysis.layers]
    assert df["params"].sum() == analysis.totals.params
    assert df["connections"].sum() == analysis.totals.connections


# -- AlexNet ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alexnet_analysis() -> Analysis:
    with torch.device("meta"):
        model = alexnet()
    return analyze(model, (1, 3, 227, 227))


def test_alexnet_depth_is_eight(alexnet_analysis: Analysis) -> None:
    # Article alexnet.shape: 8 weighted layers, 5 conv + 3 FC.
    assert alexnet_analysis.totals.depth == 8
    assert alexnet_analysis.layer("fc8").depth == 8


def test_alexnet_rows_sum_to_totals(alexnet_analysis: Analysis) -> None:
    assert_rows_sum_to_totals(alexnet_analysis)
    assert len(alexnet_analysis.dataframe()) == len(alexnet_analysis.layers)


def test_alexnet_pool1_field(alexnet_analysis: Analysis) -> None:
    # conv1 11/4 then the 3/2 pool: 11 + 2*4 = 19, jump 8.
    pool1 = alexnet_analysis.layer("pool1")
    assert pool1.receptive_field == (19, 19)
    assert pool1.jump == (8, 8)
    assert pool1.formulas["output"] == "(55−3)/2+1 = 27"  # article alexnet.pool1


# -- shared tensors --------------------------------------------------------------------


class Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.b.weight = self.a.weight  # one 4x4 weight, two biases

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.b(self.a(x))
        return out


def test_tied_weight_counts_once_in_params_and_at_every_use_in_connections() -> None:
    model = Tied()
    analysis = analyze(model, (1, 4))
    assert analysis.totals.params == 4 * 4 + 4 + 4
    assert analysis.totals.params == parameter_elements(model)
    assert analysis.layer("a").connections == 4 * (4 + 1)
    assert analysis.layer("b").connections == 4 * (4 + 1)
    assert_rows_sum_to_totals(analysis)


class TiedBlocks(nn.Module):
    """Two blocks whose first linear layers share one 4x4 weight: tied across submodules."""

    def __init__(self) -> None:
        super().__init__()
        self.block1 = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
        self.block2 = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
        self.block2[0].weight = self.block1[0].weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.block2(self.block1(x))
        return out


def test_weight_tied_across_submodules_counts_once_in_the_first_to_run() -> None:
    model = TiedBlocks()
    analysis = analyze(model, (1, 4))
    assert analysis.totals.params == 4 * 4 + 4 + 4 == parameter_elements(model)
    assert analysis.layer("block1.0").params == 4 * 4 + 4
    assert analysis.layer("block2.0").params == 4  # its bias; the weight is block1.0's
    assert analysis.layer("block2.0").connections == 4 * (4 + 1)  # the shared weight at every use
    assert analysis.totals.inference_params == analysis.totals.params
    assert_rows_sum_to_totals(analysis)


class TiedIdleHead(nn.Module):
    """A head registered first, never run, sharing its weight with the body that runs."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(4, 4)
        self.body = nn.Linear(4, 4)
        self.head.weight = self.body.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.body(x)
        return out


def test_weight_tied_with_a_module_that_never_runs_counts_once_where_it_runs() -> None:
    from archstats.zoo import count_parameters

    model = TiedIdleHead()
    analysis = analyze(model, (1, 4))
    assert analysis.totals.params == 4 * 4 + 4 + 4 == parameter_elements(model)
    assert analysis.layer("body").params == 4 * 4 + 4
    assert analysis.layer("head").params == 4  # its own bias only
    assert not analysis.layer("head").called
    assert analysis.totals.inference_params == 4 * 4 + 4
    # The count without a trace agrees: the head left out, the shared weight kept.
    assert count_parameters(model, ("head",)) == (4 * 4 + 4 + 4, 4 * 4 + 4)


def test_count_without_a_trace_refuses_a_module_that_is_not_there() -> None:
    from archstats.zoo import count_parameters

    with pytest.raises(ValueError, match="'aux'"):
        count_parameters(TiedIdleHead(), ("aux",))


class Twice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.conv(self.conv(x))
        return out


def test_module_called_twice() -> None:
    analysis = analyze(Twice(), (1, 2, 8, 8))
    layer = analysis.layer("conv")
    per_call = 2 * 8 * 8
    assert layer.calls == 2
    assert layer.params == 2 * (2 * 3 * 3 + 1)
    assert layer.neurons == 2 * per_call
    assert layer.connections == 2 * per_call * (2 * 3 * 3 + 1)
    assert layer.fvcore_macs == 2 * per_call * 2 * 3 * 3
    assert analysis.totals.depth == 2


# -- the meta device -------------------------------------------------------------------


class SmallNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 4, 3, groups=2)
        )
        self.register_buffer("scale", torch.ones(4))
        self.head = nn.Linear(4 * 2 * 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.get_buffer("scale").view(1, -1, 1, 1)
        y: torch.Tensor = self.features(x) * scale
        out: torch.Tensor = self.head(y.flatten(1))
        return out


@pytest.mark.parametrize("builder", [SmallNet, lenet5], ids=["smallnet", "lenet5"])
def test_meta_built_model_counts_the_same(builder: type[nn.Module]) -> None:
    shape = (1, 3, 8, 8) if builder is SmallNet else (1, 1, 32, 32)
    normal = builder().eval()
    with torch.device("meta"):
        meta = builder().eval()
    a, b = analyze(normal, shape), analyze(meta, shape)
    assert counts(a) == counts(b)
    assert a.totals == b.totals


def test_small_net_totals() -> None:
    model = SmallNet().eval()
    analysis = analyze(model, (1, 3, 8, 8))
    assert analysis.totals.params == parameter_elements(model)
    assert analysis.totals.buffers == 2 * 8 + 4  # BN statistics and the scale buffer
    assert_rows_sum_to_totals(analysis)
    assert len(analysis.dataframe()) == len(analysis.layers)


# -- branches and shortcuts ------------------------------------------------------------


class Residual(nn.Module):
    """x + conv3x3(x), the addition inside the container's own forward."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x + self.conv(x)
        return out


def test_residual_container_gets_a_row_for_the_addition() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), Residual(2))
    analysis = analyze(model, (1, 1, 12, 12))
    block = analysis.layer("1")
    assert block.type == "Residual"
    assert "aten::add" in block.uncounted_ops
    assert (block.params, block.neurons, block.connections, block.fvcore_macs) == (0, 0, 0, 0)
    assert block.index > analysis.layer("1.conv").index  # after the branch it adds
    # Identity path: field 3, depth 1; branch: 3 + 2 = 5, depth 2. The maximum of each.
    assert block.receptive_field == (5, 5)
    assert block.depth == 2
    assert analysis.totals.depth == 2
    assert_rows_sum_to_totals(analysis)


class TwoBranches(nn.Module):
    """A deep narrow branch (two 1x1) plus a shallow wide branch (one 5x5)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.a1 = nn.Conv2d(channels, channels, 1)
        self.a2 = nn.Conv2d(channels, channels, 1)
        self.b = nn.Conv2d(channels, channels, 5, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.a2(self.a1(x)) + self.b(x)
        return out


def test_field_and_depth_take_the_max_over_branches_separately() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), TwoBranches(2))
    analysis = analyze(model, (1, 1, 16, 16))
    block = analysis.layer("1")
    assert block.receptive_field == (3 + (5 - 1), 3 + (5 - 1))  # from the 5x5 branch
    assert block.depth == 1 + 2  # from the two 1x1 convs
    assert analysis.totals.depth == 3
    assert "aten::add" in block.uncounted_ops


class Concat(nn.Module):
    """Two 3x3 convs (field 5, depth 2) beside one 7x7 (field 7, depth 1), concatenated."""

    def __init__(self) -> None:
        super().__init__()
        self.a1 = nn.Conv2d(2, 3, 3, padding=1)
        self.a2 = nn.Conv2d(3, 3, 3, padding=1)
        self.b = nn.Conv2d(2, 4, 7, padding=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.a2(self.a1(x)), self.b(x)], dim=1)


def test_concatenation_takes_the_max_over_branches() -> None:
    model = nn.Sequential(Concat(), nn.Conv2d(3 + 4, 1, 1))
    analysis = analyze(model, (1, 2, 16, 16))
    after = analysis.layer("1")
    assert after.input_shape == (1, 3 + 4, 16, 16)
    assert after.receptive_field == (7, 7)  # the 7x7 branch, then a 1x1
    assert after.depth == 2 + 1  # the two 3x3 convs, then the 1x1
    assert analysis.totals.depth == 3
    assert_rows_sum_to_totals(analysis)


def test_totals_are_dataclass_sums() -> None:
    # Every numeric total that is a sum of rows is listed in ROW_SUMMED_TOTALS.
    names = {f.name for f in dataclasses.fields(archstats.Totals)}
    assert names - set(ROW_SUMMED_TOTALS) == {"input_units", "depth", "inference_params"}


def test_inference_params_leave_out_layers_that_never_ran() -> None:
    class WithIdleHead(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Linear(4, 3)
            self.head = nn.Linear(3, 2)  # defined, never called

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.body(x)

    analysis = analyze(WithIdleHead(), (1, 4))
    assert analysis.totals.params == (4 + 1) * 3 + (3 + 1) * 2
    assert analysis.totals.inference_params == (4 + 1) * 3
    assert not analysis.layer("head").called


def test_a_trace_in_training_mode_does_not_say_what_runs_at_inference() -> None:
    analysis = archstats.analyze(nn.Linear(4, 3), (1, 4), device="cpu", train=True)
    assert analysis.totals.params == (4 + 1) * 3
    assert analysis.totals.inference_params is None


def test_a_container_that_only_concatenates_has_a_row_with_its_output() -> None:
    class Branches(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Conv2d(3, 4, 1)
            self.b = nn.Conv2d(3, 5, 3, padding=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cat([self.a(x), self.b(x)], dim=1)

    model = nn.Sequential(Branches(), nn.ReLU())
    analysis = analyze(model, (1, 3, 8, 8))
    row = analysis.layer("0")
    assert row.output_shape == (1, 4 + 5, 8, 8)
    assert row.params == 0  # its branches hold the weights
    assert [layer.name for layer in analysis.layers[:3]] == ["0.a", "0.b", "0"]


def test_the_forward_bytes_bound_is_inputs_weights_and_leaf_outputs() -> None:
    from archstats.analysis import forward_bytes_bound

    with torch.device("meta"):  # as check_fits reads it: a model built on the meta device
        model = nn.Sequential(nn.Linear(4, 3))
    # float32: the 1x4 input, the 4x3 weights and 3 biases, the leaf's 1x3 output (the Sequential is no leaf)
    assert forward_bytes_bound(model, (1, 4)) == (4 + (4 * 3 + 3) + 3) * 4
