"""Counts proven over generated configurations: every figure equals its closed form."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import archstats
from archstats import Analysis

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """PyTorch's documented output size of a convolution or pooling window (floor mode)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def analyze(model: nn.Module, shape: tuple[int, ...]) -> Analysis:
    return archstats.analyze(model, shape, device="cpu")


@st.composite
def conv_configs(draw: st.DrawFn) -> dict[str, int | bool]:
    groups = draw(st.integers(1, 4))
    config: dict[str, int | bool] = {
        "groups": groups,
        "in_ch": groups * draw(st.integers(1, 4)),
        "out_ch": groups * draw(st.integers(1, 4)),
        "kh": draw(st.integers(1, 5)),
        "kw": draw(st.integers(1, 5)),
        "stride": draw(st.integers(1, 3)),
        "padding": draw(st.integers(0, 2)),
        "dilation": draw(st.integers(1, 2)),
        "bias": draw(st.booleans()),
    }
    span_h = int(config["dilation"]) * (int(config["kh"]) - 1) + 1
    span_w = int(config["dilation"]) * (int(config["kw"]) - 1) + 1
    low_h = max(1, span_h - 2 * int(config["padding"]))
    low_w = max(1, span_w - 2 * int(config["padding"]))
    config["h"] = draw(st.integers(low_h, low_h + 12))
    config["w"] = draw(st.integers(low_w, low_w + 12))
    return config


@SETTINGS
@given(conv_configs())
def test_conv2d_counts_equal_closed_forms(c: dict[str, int | bool]) -> None:
    g, cin, cout = int(c["groups"]), int(c["in_ch"]), int(c["out_ch"])
    kh, kw, s, p, d = int(c["kh"]), int(c["kw"]), int(c["stride"]), int(c["padding"]), int(c["dilation"])
    bias = bool(c["bias"])
    model = nn.Conv2d(cin, cout, (kh, kw), stride=s, padding=p, dilation=d, groups=g, bias=bias)
    analysis = analyze(model, (2, cin, int(c["h"]), int(c["w"])))
    ho = out_size(int(c["h"]), kh, s, p, d)
    wo = out_size(int(c["w"]), kw, s, p, d)
    fan_in = cin // g * kh * kw
    layer = analysis.layers[0]
    assert layer.output_shape == (2, cout, ho, wo)
    assert layer.trainable_params == cout * (fan_in + int(bias))
    assert layer.neurons == cout * ho * wo
    assert layer.connections == cout * ho * wo * (fan_in + int(bias))
    assert layer.fvcore_macs == cout * ho * wo * fan_in
    assert layer.receptive_field == (d * (kh - 1) + 1, d * (kw - 1) + 1)
    assert layer.jump == (s, s)
    assert analysis.totals.depth == 1


@SETTINGS
@given(
    st.integers(1, 64),
    st.integers(1, 64),
    st.booleans(),
    st.lists(st.integers(1, 5), min_size=0, max_size=2),
)
def test_linear_counts_equal_closed_forms(fin: int, fout: int, bias: bool, positions: list[int]) -> None:
    shape = (3, *positions, fin)
    analysis = analyze(nn.Linear(fin, fout, bias=bias), shape)
    n = math.prod(positions)
    layer = analysis.layers[0]
    assert layer.trainable_params == fout * (fin + int(bias))
    assert layer.neurons == n * fout
    assert layer.connections == n * fout * (fin + int(bias))
    assert layer.fvcore_macs == n * fout * fin


@SETTINGS
@given(
    st.sampled_from([nn.MaxPool2d, nn.AvgPool2d]),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(4, 20),
)
def test_pooling_adds_nothing_but_a_window(pool: type[nn.Module], k: int, s: int, p: int, size: int) -> None:
    p = min(p, k // 2)  # PyTorch: padding at most half the kernel
    analysis = analyze(pool(k, stride=s, padding=p), (1, 2, size, size))
    layer = analysis.layers[0]
    side = out_size(size, k, s, p, 1)
    assert layer.output_shape == (1, 2, side, side)
    assert (layer.params, layer.neurons, layer.connections) == (0, 0, 0)
    assert layer.receptive_field == (k, k) and layer.jump == (s, s)
    assert layer.uncounted_ops  # pooling's comparisons or sums are listed, never silently zero


@st.composite
def small_networks(draw: st.DrawFn) -> tuple[nn.Module, tuple[int, ...], list[tuple[int, int, int]]]:
    """A stack of convolutions (k, stride, out_ch), ReLUs and 2x2 pools on a map big enough for it."""
    channels = start = draw(st.integers(1, 4))
    layers: list[nn.Module] = []
    convs: list[tuple[int, int, int]] = []
    # Four halvings of 96 leave 5x5, enough for a fifth layer's 3x3 (from 48 they leave 2x2).
    size = 96
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv", "conv", "relu", "pool"]))
        if kind == "conv":
            k, s, out = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 6))
            layers.append(nn.Conv2d(channels, out, k, stride=s))
            convs.append((k, s, out))
            channels = out
        elif kind == "relu":
            layers.append(nn.ReLU())
        else:
            layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers), (1, start, size, size), convs


@SETTINGS
@given(small_networks())
def test_generated_networks_rows_sum_to_totals(
    net: tuple[nn.Module, tuple[int, ...], list[tuple[int, int, int]]],
) -> None:
    model, shape, convs = net
    analysis = analyze(model, shape)
    t = analysis.totals
    for field in ("params", "trainable_params", "buffers", "connections", "neurons", "fvcore_macs"):
        assert sum(getattr(layer, field) for layer in analysis.layers) == getattr(t, field), field
    unique = {id(p): p.numel() for p in model.parameters()}
    assert t.params == sum(unique.values())
    assert t.depth == len(convs)
    assert t.flops == 2 * t.fvcore_macs
    # The receptive field grows by (k - 1) * jump at each window, jump by the stride.
    rf, jump = 1, 1
    for module in model:
        if isinstance(module, nn.Conv2d):
            rf, jump = rf + (module.kernel_size[0] - 1) * jump, jump * module.stride[0]
        elif isinstance(module, nn.MaxPool2d):
            rf, jump = rf + jump, jump * 2
    last = analysis.layers[-1]
    if last.receptive_field is not None:
        assert last.receptive_field == (rf, rf)


def test_tied_weights_count_once() -> None:
    embed = nn.Linear(8, 8, bias=False)
    head = nn.Linear(8, 8, bias=False)
    head.weight = embed.weight
    model = nn.Sequential(embed, nn.ReLU(), head)
    analysis = analyze(model, (1, 8))
    assert analysis.totals.params == 8 * 8
    assert analysis.totals.connections == 2 * 8 * 8
    assert analysis.totals.params == sum(p.numel() for p in model.parameters())
