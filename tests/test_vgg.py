"""VGG: the six columns of Table 1, their Table 2 parameter counts, the dense-evaluation network.

Sources: Simonyan & Zisserman, ICLR 2015 (arXiv:1409.1556): Sec. 2.1 (3x3 stride-1 convs
padded to keep the map, 2x2 stride-2 max-pooling), Sec. 2.3 (stacked 3x3 fields, 27C^2 vs
49C^2), Sec. 3.1 (dropout 0.5 after fc6 and fc7), Sec. 3.2 (FC layers as 7x7 and 1x1 convs),
Table 1 (configurations, weight layers), Table 2 (parameters in millions); He et al., CVPR
2016, Sec. 4.1 (VGG-16/19: 15.3/19.6 billion multiply-adds); the article's VGG section
(shared/article/CLAIMS.md, ids vgg.*).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
import torch
from torch import nn

from archstats import Analysis
from archstats.zoo import Report, claims
from archstats_zoo.vgg import CONFIGS, vgg
from tests.conftest import SHARED

VGG = ["vgg-a", "vgg-a-lrn", "vgg-b", "vgg-c", "vgg-d", "vgg-e"]
NETWORKS = [*VGG, "vgg-d-dense"]

Zoo = Callable[[str], Report]


def conv(k: int, c_in: int, c_out: int) -> int:
    """Parameters of a k x k convolution with a bias per output map."""
    return (k * k * c_in + 1) * c_out


# fc6 over 7x7x512, fc7, fc8 (Table 1: FC-4096, FC-4096, FC-1000): the same in every column.
FC = (7 * 7 * 512 + 1) * 4096 + (4096 + 1) * 4096 + (4096 + 1) * 1000

# Every column's convolutions, stage by stage (Table 1); C's third layer of stages 3-5 is 1x1.
A_CONV = (
    conv(3, 3, 64)
    + conv(3, 64, 128)
    + conv(3, 128, 256)
    + conv(3, 256, 256)
    + conv(3, 256, 512)
    + 3 * conv(3, 512, 512)
)
B_CONV = A_CONV + conv(3, 64, 64) + conv(3, 128, 128)
C_CONV = B_CONV + conv(1, 256, 256) + 2 * conv(1, 512, 512)
D_CONV = B_CONV + conv(3, 256, 256) + 2 * conv(3, 512, 512)
E_CONV = D_CONV + conv(3, 256, 256) + 2 * conv(3, 512, 512)

PARAMS = {
    "vgg-a": A_CONV + FC,
    "vgg-a-lrn": A_CONV + FC,  # LRN has no parameters
    "vgg-b": B_CONV + FC,
    "vgg-c": C_CONV + FC,
    "vgg-d": D_CONV + FC,
    "vgg-e": E_CONV + FC,
    "vgg-d-dense": D_CONV + FC,  # D's weights, FC layers reshaped into convolutions
}

# Table 2: number of parameters, in millions (integers).
TABLE_2 = {"vgg-a": 133, "vgg-a-lrn": 133, "vgg-b": 133, "vgg-c": 134, "vgg-d": 138, "vgg-e": 144}

# Table 1: weight layers of each column.
TABLE_1_DEPTH = {"vgg-a": 11, "vgg-a-lrn": 11, "vgg-b": 13, "vgg-c": 16, "vgg-d": 16, "vgg-e": 19, "vgg-d-dense": 16}

# Table 1: convolutions per stage (the channels are 64, 128, 256, 512, 512 in every column).
STAGES = {
    "vgg-a": (1, 1, 2, 2, 2),
    "vgg-a-lrn": (1, 1, 2, 2, 2),
    "vgg-b": (2, 2, 2, 2, 2),
    "vgg-c": (2, 2, 3, 3, 3),
    "vgg-d": (2, 2, 3, 3, 3),
    "vgg-e": (2, 2, 4, 4, 4),
    "vgg-d-dense": (2, 2, 3, 3, 3),
}
WIDTHS = (64, 128, 256, 512, 512)
ONE_BY_ONE = {"vgg-c": {"conv3_3", "conv4_3", "conv5_3"}}  # Table 1, column C: conv1-256, conv1-512 x 2


def _analysis(zoo_report: Zoo, name: str) -> Analysis:
    return zoo_report(name).analysis


# -- the architecture: Table 1 -----------------------------------------------------------


@pytest.mark.parametrize("name", NETWORKS)
def test_convolutions_follow_table_1(name: str, zoo_report: Zoo) -> None:
    analysis = _analysis(zoo_report, name)
    convs = [layer for layer in analysis.layers if layer.name.startswith("conv")]
    expected = [f"conv{s + 1}_{i + 1}" for s, n in enumerate(STAGES[name]) for i in range(n)]
    assert [layer.name for layer in convs] == expected
    side = 224 if name != "vgg-d-dense" else 384
    for layer in convs:
        stage = int(layer.name[4])
        window = layer.windows[0]
        k = 1 if layer.name in ONE_BY_ONE.get(name, set()) else 3
        # Sec. 2.1: stride 1, padding 1 for 3x3 (0 for 1x1): the map keeps its size.
        assert (window.kernel, window.stride, window.padding) == ((k, k), (1, 1), (k // 2, k // 2)), layer.name
        size = side // 2 ** (stage - 1)
        assert layer.output_shape == (1, WIDTHS[stage - 1], size, size), layer.name


@pytest.mark.parametrize("name", NETWORKS)
def test_pooling_is_2x2_stride_2_closing_each_stage(name: str, zoo_report: Zoo) -> None:
    # Sec. 2.1 / article vgg.pool: max-pooling over a 2x2 window with stride 2, five times.
    analysis = _analysis(zoo_report, name)
    pools = [layer for layer in analysis.layers if layer.type == "MaxPool2d"]
    assert [layer.name for layer in pools] == [f"pool{i}" for i in range(1, 6)]
    for layer in pools:
        assert (layer.windows[0].kernel, layer.windows[0].stride) == ((2, 2), (2, 2)), layer.name
    side = 7 if name != "vgg-d-dense" else 384 // 32
    assert analysis.layer("pool5").output_shape == (1, 512, side, side)


@pytest.mark.parametrize("name", VGG)
def test_classifier_is_fc4096_fc4096_fc1000_with_dropout(name: str, zoo_report: Zoo) -> None:
    analysis = _analysis(zoo_report, name)
    weighted = [layer.name for layer in analysis.layers if layer.weighted]
    assert weighted[-3:] == ["fc6", "fc7", "fc8"]
    assert [analysis.layer(n).output_shape for n in ("fc6", "fc7", "fc8")] == [(1, 4096), (1, 4096), (1, 1000)]
    assert analysis.layer("fc6").input_shape == (1, 7 * 7 * 512)  # the fixed 7x7x512 map, flattened
    # Sec. 3.1: dropout (ratio 0.5) regularises the first two FC layers.
    with torch.device("meta"):  # the structure only; no initialisation
        model = vgg(name.removeprefix("vgg-").upper())
    dropouts = {n: m for n, m in model.named_children() if isinstance(m, nn.Dropout)}
    assert sorted(dropouts) == ["drop6", "drop7"]
    assert all(m.p == 0.5 for m in dropouts.values())
    assert not any(isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)) for m in model.modules())


@pytest.mark.parametrize("name", NETWORKS)
def test_depth_is_table_1_weight_layers(name: str, zoo_report: Zoo) -> None:
    # Table 1's headings; article vgg.depth (11 to 19) and depth.alexnet-vgg-googlenet ("VGG 19 layers").
    analysis = _analysis(zoo_report, name)
    assert analysis.totals.depth == TABLE_1_DEPTH[name]
    assert sum(1 for layer in analysis.layers if layer.weighted) == TABLE_1_DEPTH[name]


def test_vgg16_and_vgg19(zoo_report: Zoo) -> None:
    assert _analysis(zoo_report, "vgg-d").totals.depth == 16
    assert _analysis(zoo_report, "vgg-e").totals.depth == 19


def test_configs_are_table_1_literally() -> None:
    # Table 1 writes a column as conv<k>-<channels>, LRN and maxpool entries.
    token = re.compile(r"conv[13]-(64|128|256|512)|LRN|maxpool")
    for column, entries in CONFIGS.items():
        assert all(token.fullmatch(e) for e in entries), column
        assert entries.count("maxpool") == 5, column
    assert CONFIGS["A-LRN"][:3] == ("conv3-64", "LRN", "maxpool")
    assert [e for e in CONFIGS["A-LRN"] if e != "LRN"] == list(CONFIGS["A"])
    assert [e for e in CONFIGS["C"] if e.startswith("conv1-")] == ["conv1-256", "conv1-512", "conv1-512"]
    assert [e.replace("conv1-", "conv3-") for e in CONFIGS["C"]] == list(CONFIGS["D"])


def test_fixed_input_no_adaptive_pooling() -> None:
    # The training network takes 224x224 only: fc6 reads exactly 7x7x512 (Sec. 2.1, Table 1).
    with torch.device("meta"):
        model = vgg("D")
        with pytest.raises(RuntimeError):
            model(torch.empty(1, 3, 256, 256))


# -- parameters: Table 2 and the closed forms --------------------------------------------


@pytest.mark.parametrize("name", NETWORKS)
def test_parameters_closed_form(name: str, zoo_report: Zoo) -> None:
    totals = _analysis(zoo_report, name).totals
    assert totals.trainable_params == totals.params == PARAMS[name]
    assert totals.buffers == 0


@pytest.mark.parametrize("name", VGG)
def test_table_2_parameter_counts(name: str, zoo_report: Zoo) -> None:
    # Table 2 rounds to integer millions: the count is within half a million of it.
    measured = _analysis(zoo_report, name).totals.trainable_params
    assert abs(measured - TABLE_2[name] * 1_000_000) <= 500_000
    assert round(measured / 1e6) == TABLE_2[name]


@pytest.mark.parametrize("name", VGG)
def test_most_parameters_sit_in_the_fc_layers(name: str, zoo_report: Zoo) -> None:
    # Article vgg.depth: the parameter count barely changes because the FC layers hold most.
    analysis = _analysis(zoo_report, name)
    fc = sum(analysis.layer(n).params for n in ("fc6", "fc7", "fc8"))
    assert fc == FC
    assert fc / analysis.totals.params > 0.5


def test_lrn_adds_no_parameters(zoo_report: Zoo) -> None:
    # Article vgg.lrn; Table 1 A-LRN: conv3-64, LRN, maxpool; LRN after Krizhevsky et al. Sec. 3.3.
    lrn = _analysis(zoo_report, "vgg-a-lrn")
    assert lrn.totals.params == _analysis(zoo_report, "vgg-a").totals.params
    names = [layer.name for layer in lrn.layers]
    assert names[names.index("conv1_1") : names.index("pool1") + 1] == ["conv1_1", "relu1_1", "norm1", "pool1"]
    assert lrn.layer("norm1").params == 0
    with torch.device("meta"):
        norm = vgg("A-LRN").get_submodule("norm1")
    assert isinstance(norm, nn.LocalResponseNorm)
    # Krizhevsky: n = 5, k = 2, alpha = 1e-4 on the sum, beta = 0.75; torch applies alpha / n.
    assert (norm.size, norm.k, norm.beta) == (5, 2.0, 0.75)
    assert math.isclose(norm.alpha / norm.size, 1e-4)


def test_stacked_3x3_weights(zoo_report: Zoo) -> None:
    # Sec. 2.3 / article vgg.params-3x3: three 3x3 C->C convs have 3*(9*C^2) = 27C^2 weights.
    analysis = _analysis(zoo_report, "vgg-d")
    c = 512
    stack = sum(analysis.layer(f"conv5_{i}").params for i in (1, 2, 3))
    assert stack - 3 * c == 27 * c**2
    # One 7x7 C->C conv: 49C^2; vgg-d-dense's fc6 is a 7x7 conv over C = 512 maps.
    fc6 = _analysis(zoo_report, "vgg-d-dense").layer("fc6")
    assert (fc6.params - 4096) // 4096 * c == 49 * c**2
    assert 27 * c**2 < 49 * c**2


# -- receptive fields: Sec. 2.3 ----------------------------------------------------------


def test_stacked_3x3_receptive_fields(zoo_report: Zoo) -> None:
    # Sec. 2.3 / article vgg.stack: two stacked 3x3 see 5x5, three see 7x7.
    analysis = _analysis(zoo_report, "vgg-d")

    def rf(name: str) -> int:
        field = analysis.layer(name).receptive_field
        assert field is not None
        return field[0]

    assert rf("conv1_1") == 3
    assert rf("conv1_2") == 5  # on the input, jump 1
    jump = 2 * 2  # after pool1 and pool2
    assert rf("conv3_3") - rf("pool2") == (7 - 1) * jump
    assert rf("conv2_2") - rf("pool1") == (5 - 1) * 2
    # Every 3x3 conv adds 2 x jump, every 2x2 pool 1 x jump; jumps 1, 2, 4, 8, 16 by stage.
    assert rf("pool5") == 1 + 2 * (2 * 1 + 2 * 2 + 3 * 4 + 3 * 8 + 3 * 16) + (1 + 2 + 4 + 8 + 16)


# -- multiply-adds: He et al. 2016 -------------------------------------------------------


def conv_macs(k: int, c_in: int, c_out: int, side: int) -> int:
    """Multiply-adds of a k x k convolution producing a side x side map."""
    return k * k * c_in * c_out * side * side


FC_MACS = 7 * 7 * 512 * 4096 + 4096 * 4096 + 4096 * 1000
D_MACS = (
    conv_macs(3, 3, 64, 224) + conv_macs(3, 64, 64, 224)
    + conv_macs(3, 64, 128, 112) + conv_macs(3, 128, 128, 112)
    + conv_macs(3, 128, 256, 56) + 2 * conv_macs(3, 256, 256, 56)
    + conv_macs(3, 256, 512, 28) + 2 * conv_macs(3, 512, 512, 28)
    + 3 * conv_macs(3, 512, 512, 14)
    + FC_MACS
)  # fmt: skip
E_MACS = D_MACS + conv_macs(3, 256, 256, 56) + conv_macs(3, 512, 512, 28) + conv_macs(3, 512, 512, 14)


def test_multiply_adds(zoo_report: Zoo) -> None:
    d, e = _analysis(zoo_report, "vgg-d"), _analysis(zoo_report, "vgg-e")
    assert d.totals.fvcore_macs == D_MACS  # no BatchNorm, no adaptive pooling: conv and FC only
    assert e.totals.fvcore_macs == E_MACS
    # He et al. 2016: VGG-19 19.6 billion multiply-adds, to 0.1 billion.
    assert abs(e.totals.fvcore_macs - 19.6e9) <= 0.05e9
    # Their VGG-16 figure, 15.3 billion, is not reached: the ledger reports it as not holding.
    verdict = next(v for v in zoo_report("vgg-d").verdicts if v.claim.id == "vgg-d.paper.macs")
    assert verdict.claim.expected == 15_300_000_000
    assert verdict.measured == D_MACS
    assert (verdict.status, verdict.ok) == ("does not hold", True)


# -- dense evaluation: Sec. 3.2 ----------------------------------------------------------


def test_dense_network_gives_a_class_score_map(zoo_report: Zoo) -> None:
    # Article vgg.fcn: at 384x384, pool5 is 12x12 and fc6 (7x7) fits 12 - 7 + 1 = 6 times a side.
    analysis = _analysis(zoo_report, "vgg-d-dense")
    assert analysis.input_shape == (1, 3, 384, 384)
    assert analysis.layer("fc6").output_shape == (1, 4096, 384 // 32 - 7 + 1, 384 // 32 - 7 + 1)
    assert analysis.layer("fc8").output_shape == (1, 1000, 6, 6)
    assert analysis.output_shape == (1, 1000)  # the map averaged into one score per class
    for name, k in (("fc6", 7), ("fc7", 1), ("fc8", 1)):
        assert analysis.layer(name).windows[0].kernel == (k, k)


def test_dense_head_computes_what_the_fc_head_computes() -> None:
    # Sec. 3.2: the FC layers, reshaped into convolutions, are the same function; on a map
    # larger than 7x7 each score position is the FC head on one 7x7 window of pool5.
    with torch.device("meta"):
        fc_net, dense_net = vgg("D"), vgg("D", dense=True)
    names = ("fc6", "fc7", "fc8")
    generator = torch.Generator().manual_seed(0)
    for name in names:
        linear, conv_ = fc_net.get_submodule(name), dense_net.get_submodule(name)
        assert isinstance(linear, nn.Linear) and isinstance(conv_, nn.Conv2d)
        weight = torch.empty(linear.weight.shape).uniform_(-0.01, 0.01, generator=generator)
        bias = torch.empty(linear.bias.shape).uniform_(-0.01, 0.01, generator=generator)
        linear.weight, linear.bias = nn.Parameter(weight), nn.Parameter(bias)
        conv_.weight, conv_.bias = nn.Parameter(weight.view(conv_.weight.shape)), nn.Parameter(bias)
    fc_head = nn.Sequential(*list(fc_net.children())[list(dict(fc_net.named_children())).index("flatten") :])
    dense_head = nn.Sequential(*list(dense_net.children())[list(dict(dense_net.named_children())).index("fc6") :])
    score_map, average = dense_head[:-2], dense_head[-2:]  # the class score map, then its spatial average
    fc_head.eval(), dense_head.eval()
    pool5 = torch.rand(1, 512, 9, 9, generator=generator)
    with torch.no_grad():
        scores = score_map(pool5)
        assert scores.shape == (1, 1000, 3, 3)
        # The 3 x 3 windows of 7 x 7 as a batch of 9, row by row.
        crops = torch.cat([pool5[:, :, i : i + 7, j : j + 7] for i in range(3) for j in range(3)])
        by_window = fc_head(crops).T.reshape(1, 1000, 3, 3)
        torch.testing.assert_close(scores, by_window, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(average(scores), by_window.mean(dim=(2, 3)), rtol=1e-4, atol=1e-6)
        # At 224 x 224 (pool5 7 x 7) the two networks agree outright.
        torch.testing.assert_close(dense_head(crops[:1]), fc_head(crops[:1]), rtol=1e-4, atol=1e-6)


# -- the ledger ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NETWORKS)
def test_every_vgg_claim_is_sourced_and_judged(name: str, zoo_report: Zoo) -> None:
    report = zoo_report(name)
    assert len(report.verdicts) == len(claims(name))
    problems = []
    for v in report.verdicts:
        c = v.claim
        if not c.source or not c.unit or not c.quote:
            problems.append(f"{c.id}: source, unit and quote are required")
        if c.kind != "not-checkable" and v.measured is None:
            problems.append(f"{c.id}: nothing measured")
        if not v.ok:
            problems.append(f"{c.id}: {v.status}: {v.explanation}")
    assert problems == []


@pytest.mark.skipif(not (SHARED / "article" / "CLAIMS.md").exists(), reason="../shared/article/CLAIMS.md not present")
def test_every_vgg_row_of_claims_md_is_in_the_ledger() -> None:
    text = (SHARED / "article" / "CLAIMS.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (vgg\.[a-z0-9\-]+) \|", text, flags=re.MULTILINE)
    assert len(rows) == 7
    ids = [c.id for name in NETWORKS for c in claims(name)]
    assert [row for row in rows if not any(i == row or i.startswith(row + ".") for i in ids)] == []
