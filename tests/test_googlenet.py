"""GoogLeNet, Inception 3a and the naive 3a against Szegedy et al. 2014 and the article.

Sources: Szegedy et al., "Going deeper with convolutions" (arXiv:1409.4842): Table 1 (the
widths, output sizes, depth, params and ops columns), Sec. 1 ("12x fewer parameters",
"1.5 billion multiply-adds"), Sec. 4 (pooling keeps its input's maps), Sec. 5 (22
layers, the auxiliary classifiers) and Figure 2; the article's claims inception.* and
googlenet.* (shared/article/CLAIMS.md). Every expected count below is a closed form of
the paper's widths, computed here, never a number read off the tool.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import pytest
import torch
from torch import nn

from archstats import Analysis
from archstats.zoo import Report, analyze_network, claims
from archstats_zoo.googlenet import googlenet

NETWORKS = ("googlenet", "inception-3a", "inception-3a-naive")

# Table 1: input maps, map side, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
TABLE1: dict[str, tuple[int, int, int, int, int, int, int, int]] = {
    "inception_3a": (192, 28, 64, 96, 128, 16, 32, 32),
    "inception_3b": (256, 28, 128, 128, 192, 32, 96, 64),
    "inception_4a": (480, 14, 192, 96, 208, 16, 48, 64),
    "inception_4b": (512, 14, 160, 112, 224, 24, 64, 64),
    "inception_4c": (512, 14, 128, 128, 256, 24, 64, 64),
    "inception_4d": (512, 14, 112, 144, 288, 32, 64, 64),
    "inception_4e": (528, 14, 256, 160, 320, 32, 128, 128),
    "inception_5a": (832, 7, 256, 160, 320, 32, 128, 128),
    "inception_5b": (832, 7, 384, 192, 384, 48, 128, 128),
}

# Sec. 5: each auxiliary head is a 5x5/3 average pool (14x14 -> 4x4), a 1x1 conv with 128
# filters, a 1024-unit FC layer and a 1000-way linear layer; on 4a (512 maps) and 4d (528).
AUX_PARAMS = {
    name: (1 * 1 * maps + 1) * 128 + (4 * 4 * 128 + 1) * 1024 + (1024 + 1) * 1000
    for name, maps in (("aux1", 512), ("aux2", 528))
}

ALEXNET_PARAMS = 60_965_224  # the article's AlexNet total (alexnet.totals.params)


def module_weights(maps: int, n1: int, r3: int, n3: int, r5: int, n5: int, proj: int) -> int:
    """Kernel weights of an Inception module with 1x1 reductions (Figure 2(b))."""
    return maps * n1 + (maps * r3 + 3 * 3 * r3 * n3) + (maps * r5 + 5 * 5 * r5 * n5) + maps * proj


def module_biases(n1: int, r3: int, n3: int, r5: int, n5: int, proj: int) -> int:
    """One bias per output map of each of the module's six convolutions."""
    return n1 + r3 + n3 + r5 + n5 + proj


STEM_WEIGHTS = {"conv1": 7 * 7 * 3 * 64, "conv2_reduce": 1 * 1 * 64 * 64, "conv2": 3 * 3 * 64 * 192}
STEM_SIDES = {"conv1": 112, "conv2_reduce": 56, "conv2": 56}
STEM_BIASES = 64 + 64 + 192
FC_WEIGHTS, FC_BIASES = 1024 * 1000, 1000
INCEPTION_WEIGHTS = {name: module_weights(c, *w) for name, (c, _side, *w) in TABLE1.items()}
INCEPTION_BIASES = sum(module_biases(*w) for _c, _side, *w in TABLE1.values())
WEIGHTS = sum(STEM_WEIGHTS.values()) + sum(INCEPTION_WEIGHTS.values()) + FC_WEIGHTS
INFERENCE_PARAMS = WEIGHTS + STEM_BIASES + INCEPTION_BIASES + FC_BIASES
MULTIPLY_ADDS = (
    sum(w * STEM_SIDES[n] ** 2 for n, w in STEM_WEIGHTS.items())
    + sum(INCEPTION_WEIGHTS[n] * side**2 for n, (_c, side, *_w) in TABLE1.items())
    + FC_WEIGHTS
)


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """Trace on one intra-op thread while this module runs, then restore the setting.

    GoogLeNet is 57 small convolutions: on a shared 2-core machine two OpenMP threads
    spin-wait on each other and one forward pass took 0.5-4.5 s, against 0.2 s on one.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def trained() -> Analysis:
    """GoogLeNet traced in training mode, where the auxiliary heads run."""
    return analyze_network("googlenet", device="cpu", train=True)


def _verdict(report: Report, claim_id: str) -> tuple[str, object, object]:
    v = next(v for v in report.verdicts if v.claim.id == claim_id)
    return v.status, v.claim.expected, v.measured


# -- the ledger ------------------------------------------------------------------------


@pytest.mark.parametrize("network", NETWORKS)
def test_every_claim_is_sourced_and_judged(network: str, zoo_report: Callable[[str], Report]) -> None:
    report = zoo_report(network)
    assert len(report.verdicts) == len(claims(network)) > 0
    problems = []
    for v in report.verdicts:
        c = v.claim
        if not (c.source and c.unit and c.quote):
            problems.append(f"{c.id}: source, unit and quote are required")
        if c.kind != "not-checkable" and v.measured is None:
            problems.append(f"{c.id}: nothing measured")
        if not v.ok:
            problems.append(f"{c.id}: {v.status}: {v.explanation}")
        if v.status == "does not hold" and not c.note:
            problems.append(f"{c.id}: a figure that does not hold needs the likely cause in its note")
    assert problems == []


# What does not reproduce, and why, is in each claim's note; this list pins it down so a
# change to the network that makes a figure agree (or stop agreeing) is noticed.
NOT_HOLDING = {
    "googlenet": {
        "googlenet.vs-alexnet", "googlenet.vs-alexnet.with-aux", "googlenet.paper.multiply-adds",
        "googlenet.table1.params-total", "googlenet.table1.ops-total",
        "googlenet.table1.conv1.params", "googlenet.table1.conv1.ops",
        "googlenet.table1.inception_3b.params", "googlenet.table1.inception_4a.params",
        "googlenet.table1.inception_4a.ops", "googlenet.table1.inception_4b.params",
        "googlenet.table1.inception_4c.params", "googlenet.table1.inception_4d.params",
        "googlenet.table1.inception_4e.params", "googlenet.table1.inception_5a.params",
        "googlenet.table1.inception_5a.ops", "googlenet.table1.inception_5b.params",
    },
    "inception-3a": {"inception.3a-reduced.ratio"},
    "inception-3a-naive": set(),
}  # fmt: skip


@pytest.mark.parametrize("network", NETWORKS)
def test_figures_that_do_not_hold(network: str, zoo_report: Callable[[str], Report]) -> None:
    report = zoo_report(network)
    assert {v.claim.id for v in report.verdicts if v.status == "does not hold"} == NOT_HOLDING[network]


def test_table1_rows_that_reproduce(zoo_report: Callable[[str], Report]) -> None:
    # Table 1 "params" are K = 1024 weights without biases: conv2 is 64*64 + 3*3*64*192 =
    # 114,688 = 112 x 1024 and linear 1024*1000 = 1000 x 1024 exactly; "ops" are 10^6
    # multiply-adds (3a: 163,328 weights x 28^2 = 128.05M, printed 128M).
    report = zoo_report("googlenet")
    assert STEM_WEIGHTS["conv2_reduce"] + STEM_WEIGHTS["conv2"] == 112 * 1024
    assert FC_WEIGHTS == 1000 * 1024
    for row in ("conv2", "inception_3a", "linear"):
        for column in ("params", "ops"):
            status, _, _ = _verdict(report, f"googlenet.table1.{row}.{column}")
            assert status == "holds under convention", (row, column)
    status, printed, measured = _verdict(report, "googlenet.table1.conv1.params")
    assert (status, printed, measured) == ("does not hold", 2.7, 7 * 7 * 3 * 64 / 1024)


def test_errata_keep_the_article_figure(zoo_report: Callable[[str], Report]) -> None:
    # The article: "before the first inception the map is 56x56"; Table 1: 3a reads 28x28.
    assert _verdict(zoo_report("googlenet"), "googlenet.maps.before-3a") == ("erratum", 56, 28)
    # The article's "branch_pool kernels (assumed 256)": the naive pool branch has none.
    assert _verdict(zoo_report("inception-3a-naive"), "inception.concat.pool-kernels") == ("erratum", 256, 0)


def test_depth_comparison_uses_alexnet_and_vgg19(zoo_report: Callable[[str], Report]) -> None:
    # Article (ResNet section): AlexNet 5 conv layers, VGG 19 layers, GoogLeNet 22.
    report = zoo_report("googlenet")
    for suffix, figure in (("alexnet", 5), ("vgg", 19), ("googlenet", 22)):
        status, expected, measured = _verdict(report, f"depth.alexnet-vgg-googlenet.{suffix}")
        assert status.startswith("holds") and expected == measured == figure


# -- GoogLeNet: parameters and multiply-adds --------------------------------------------


@pytest.mark.parametrize(("module", "widths"), TABLE1.items())
def test_inception_module_params(module: str, widths: tuple[int, ...], zoo_report: Callable[[str], Report]) -> None:
    maps, _side, *w = widths
    layer_params = sum(x.trainable_params for x in zoo_report("googlenet").analysis.layers if x.name.startswith(module))
    assert layer_params == module_weights(maps, *w) + module_biases(*w)


def test_googlenet_totals(zoo_report: Callable[[str], Report]) -> None:
    totals = zoo_report("googlenet").analysis.totals
    # Inference network: stem, nine modules of Table 1 and the linear layer, with biases.
    assert totals.inference_params == INFERENCE_PARAMS
    # As trained: plus the two auxiliary heads of Sec. 5 (built, not called in eval).
    assert totals.params == totals.trainable_params == INFERENCE_PARAMS + sum(AUX_PARAMS.values())
    # Multiply-adds of every convolution and the linear layer (no BatchNorm here, and
    # fvcore counts no pooling or LRN, so fvcore's total is the same figure).
    assert totals.fvcore_macs == MULTIPLY_ADDS
    # Sec. 1's "1.5 billion multiply-adds" budget is exceeded: 1.58 billion.
    assert MULTIPLY_ADDS > 1.55e9
    status, budget, measured = _verdict(zoo_report("googlenet"), "googlenet.paper.multiply-adds")
    assert (status, budget, measured) == ("does not hold", 1_500_000_000, MULTIPLY_ADDS)


def test_twelve_times_fewer_parameters_than_alexnet(zoo_report: Callable[[str], Report]) -> None:
    # Sec. 1: "12x fewer parameters than ... Krizhevsky et al"; measured 8.7 (4.6 with the heads).
    status, stated, measured = _verdict(zoo_report("googlenet"), "googlenet.vs-alexnet")
    assert (status, stated) == ("does not hold", 12)
    assert measured == pytest.approx(ALEXNET_PARAMS / INFERENCE_PARAMS)
    assert 8.5 < ALEXNET_PARAMS / INFERENCE_PARAMS < 9


# -- GoogLeNet: the structure of Table 1 and Figure 3 -----------------------------------


def test_maps_follow_table1(zoo_report: Callable[[str], Report]) -> None:
    analysis = zoo_report("googlenet").analysis

    def pooled(side: int) -> int:  # 3x3/2 max pool, Caffe's ceil-mode size
        return math.ceil((side - 3) / 2) + 1

    conv1 = (224 + 2 * 3 - 7) // 2 + 1
    assert conv1 == 112
    assert [pooled(112), pooled(56), pooled(28), pooled(14)] == [56, 28, 14, 7]
    assert analysis.layer("pool1").output_shape == (1, 64, pooled(conv1), pooled(conv1))
    assert analysis.layer("pool2").output_shape == (1, 192, 28, 28)
    for module, (_maps, side, n1, _r3, n3, _r5, n5, proj) in TABLE1.items():
        assert analysis.layer(f"{module}.concat").output_shape == (1, n1 + n3 + n5 + proj, side, side)
    assert analysis.layer("avgpool").output_shape == (1, 1024, 1, 1)  # 7x7 average pool: (7-7)/1+1
    assert analysis.output_shape == (1, 1000)


def test_every_convolution_has_a_relu_and_no_batchnorm(zoo_report: Callable[[str], Report]) -> None:
    layers = zoo_report("googlenet").analysis.layers
    called = [x for x in layers if x.called]
    convs = [x for x in called if x.type == "Conv2d"]
    assert len(convs) == 3 + 6 * 9  # the stem's three, six per module
    assert sum(x.type == "ReLU" for x in called) == len(convs)
    assert not any("BatchNorm" in x.type for x in layers)
    # True 5x5 convolutions, as in Figure 2 (torchvision's GoogLeNet has 3x3 there).
    five = [x for x in convs if x.name.endswith("branch3.conv")]
    assert len(five) == 9
    assert all(w.kernel == (5, 5) for x in five for w in x.windows)


def test_depth_column_of_table1(zoo_report: Callable[[str], Report]) -> None:
    # Table 1 depth: convolution 1, convolution (with its reduce) 2, each inception 2, linear 1.
    analysis = zoo_report("googlenet").analysis
    assert analysis.layer("conv1").depth == 1
    assert analysis.layer("conv2").depth == 1 + 2
    for i, module in enumerate(TABLE1, start=1):
        assert analysis.layer(f"{module}.concat").depth == 3 + 2 * i
    assert analysis.layer("fc").depth == analysis.totals.depth == 1 + 2 + 2 * 9 + 1 == 22


def test_dropout_rates() -> None:
    # Table 1: dropout 40% before the linear layer; Sec. 5: 70% in the auxiliary heads.
    with torch.device("meta"):
        model = googlenet()
    rates = {name: m.p for name, m in model.named_modules() if isinstance(m, nn.Dropout)}
    assert rates == {"dropout": 0.4, "aux1.dropout": 0.7, "aux2.dropout": 0.7}


def test_auxiliary_heads_are_not_called_at_inference(zoo_report: Callable[[str], Report]) -> None:
    analysis = zoo_report("googlenet").analysis
    aux = [x for x in analysis.layers if x.name.startswith("aux")]
    assert aux and not any(x.called for x in aux)
    assert sum(x.params for x in aux) == sum(AUX_PARAMS.values())


def test_auxiliary_heads_in_training(trained: Analysis) -> None:
    # Sec. 5: the heads sit on 4a and 4d; 5x5/3 pooling gives 4x4x512 and 4x4x528.
    for head, module, maps in (("aux1", "inception_4a", 512), ("aux2", "inception_4d", 528)):
        pool = trained.layer(f"{head}.pool")
        assert pool.called
        assert pool.input_shape == trained.layer(f"{module}.concat").output_shape == (1, maps, 14, 14)
        assert pool.output_shape == (1, maps, (14 - 5) // 3 + 1, (14 - 5) // 3 + 1) == (1, maps, 4, 4)
        # Three weighted layers on top of the module: shallower than the main path.
        assert trained.layer(f"{head}.fc2").depth == trained.layer(f"{module}.concat").depth + 3
    assert all(layer.called for layer in trained.layers if layer.params)
    assert trained.totals.params == INFERENCE_PARAMS + sum(AUX_PARAMS.values())
    assert trained.totals.inference_params is None  # a trace in training mode cannot tell
    assert trained.totals.depth == 22  # with the heads, as without


# -- the article's 3a comparison --------------------------------------------------------

NAIVE_WEIGHTS = 1 * 1 * 192 * 64 + 3 * 3 * 192 * 128 + 5 * 5 * 192 * 32  # 387,072 (inception.3a-naive)
REDUCED_WEIGHTS = 1 * 1 * 192 * 64 + (1 * 1 * 192 * 96 + 3 * 3 * 96 * 128) + (1 * 1 * 192 * 16 + 5 * 5 * 16 * 32)


def test_inception_3a_naive_vs_reduced(zoo_report: Callable[[str], Report]) -> None:
    naive, reduced = zoo_report("inception-3a-naive").analysis, zoo_report("inception-3a").analysis
    assert NAIVE_WEIGHTS == 387_072 and REDUCED_WEIGHTS == 157_184  # the article's two sums
    # Traced: weights plus one bias per output map; 3a adds its 1x1x192x32 pool projection.
    assert naive.totals.params == NAIVE_WEIGHTS + 64 + 128 + 32
    assert reduced.totals.params == REDUCED_WEIGHTS + 1 * 1 * 192 * 32 + module_biases(64, 96, 128, 16, 32, 32)
    # Channels (inception.3a-channels): 64+128+32+192 = 416 naive, 64+128+32+32 = 256 reduced.
    assert naive.output_shape == (1, 64 + 128 + 32 + 192, 28, 28)
    assert reduced.output_shape == (1, 64 + 128 + 32 + 32, 28, 28)
    # "About one third": the reductions keep 0.41 of the weights, so the claim does not hold.
    status, stated, measured = _verdict(zoo_report("inception-3a"), "inception.3a-reduced.ratio")
    assert status == "does not hold"
    assert stated == pytest.approx(1 / 3)
    assert measured == pytest.approx(REDUCED_WEIGHTS / NAIVE_WEIGHTS)
