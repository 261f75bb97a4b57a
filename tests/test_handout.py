"""The handout's content: what the template is handed (html.context), the folded hierarchy, the page.

Expected numbers are closed forms or published figures, each with its source:
- AlexNet (Krizhevsky et al. 2012, Sec. 3.5 and Fig. 2): 60,965,224 parameters (the
  article's total), conv2, conv4 and conv5 split across the two GPUs.
- LeNet-5 (LeCun et al. 1998, Sec. II-B): 60,000 trainable parameters; the prototypes are a buffer.
- ResNet-20 (He et al. 2015, Sec. 4.2): 3 basic blocks of 16 maps in its first stage.

The family sections' figures are tested in tests/test_sections_<family>.py.
"""

from __future__ import annotations

import dataclasses
import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import pytest
from torch import nn

from archstats.analysis import analyze
from archstats.handout_inputs import gather, module_types, render_handout
from archstats.render import html
from archstats.render.charts.axes import needs_log
from archstats.render.charts.layers import cumulative_shares, depth_svg, per_layer_svg
from archstats.render.charts.svg import share_definitions
from archstats.render.hierarchy import Block, Item, Run, open_level, outline, rows_shown, sums
from archstats.zoo import Report
from archstats_zoo import ModelSpec

ZooReport = Any  # the session fixture of conftest: name -> Report

ALEXNET_PARAMS = 60_965_224  # the article's total
FC = {"fc6": (6 * 6 * 256 + 1) * 4096, "fc7": (4096 + 1) * 4096, "fc8": (4096 + 1) * 1000}
CONV = {
    "conv1": (11 * 11 * 3 + 1) * 96,
    "conv2": (5 * 5 * 48 + 1) * 256,
    "conv3": (3 * 3 * 256 + 1) * 384,
    "conv4": (3 * 3 * 192 + 1) * 384,
    "conv5": (3 * 3 * 192 + 1) * 256,
}


def _bn(channels: int) -> int:
    """BatchNorm's parameters: weight and bias (its running mean and variance are buffers)."""
    return 2 * channels


def _context(report: Report) -> dict[str, Any]:
    return html.context(report, gather(report))


@pytest.fixture(scope="module")
def contexts(zoo_report: ZooReport) -> dict[str, dict[str, Any]]:
    return {name: _context(zoo_report(name)) for name in ("lenet5", "alexnet")}


# -- at a glance and where the counts go -----------------------------------------------------


def test_glance_has_every_figure_the_issue_lists(contexts: dict[str, dict[str, Any]]) -> None:
    glance = {label: (value, note) for label, value, note in contexts["alexnet"]["glance"]}
    assert list(glance) == [
        "input", "output", "depth", "parameters", "connections", "neurons", "MACs", "FLOPs", "paper", "device",
    ]  # fmt: skip
    assert glance["parameters"][0] == f"{ALEXNET_PARAMS:,}"
    assert glance["parameters"][1] == f"trainable {ALEXNET_PARAMS:,}; buffers 0, not in params"
    assert glance["paper"][0] == "Krizhevsky et al. 2012"
    assert "without the input" in glance["neurons"][1]
    assert glance["FLOPs"][1] == "2 per multiply-add of the weighted layers"
    lenet = {label: (value, note) for label, value, note in contexts["lenet5"]["glance"]}
    # LeCun et al. 1998: 60,000 trainable; the 10×84 fixed prototypes are a buffer.
    assert lenet["parameters"] == ("60,000", "trainable 60,000; buffers 840, not in params")


def test_alexnet_fc_layers_hold_their_share(contexts: dict[str, dict[str, Any]], zoo_report: ZooReport) -> None:
    assert sum(FC.values()) + sum(CONV.values()) == ALEXNET_PARAMS
    share = f"{100 * sum(FC.values()) / ALEXNET_PARAMS:.1f}%"
    assert share == "96.2%"  # the article's figure
    kinds = contexts["alexnet"]["kinds"]
    linear = next(row for row in kinds["rows"] if row["type"] == "Linear")
    assert linear["params"] == f"{sum(FC.values()):,}"
    assert linear["params_share"] == share
    assert linear["names"] == "fc6, fc7, fc8"
    assert kinds["sentences"][0].startswith(f"The 3 Linear layers (fc6, fc7, fc8) hold {share} of the parameters")
    # The same share read off the cumulative figure: everything up to conv5, then the rest.
    shares = cumulative_shares(zoo_report("alexnet").analysis, "params")
    assert shares[4] == pytest.approx(100 * sum(CONV.values()) / ALEXNET_PARAMS)
    assert shares[-1] == pytest.approx(100.0)


def test_receptive_field_growth_is_stated(contexts: dict[str, dict[str, Any]]) -> None:
    # AlexNet: conv1 sees 11×11; pool5 sees 195×195 (article, receptive field section).
    assert contexts["alexnet"]["growth"].startswith("The receptive field grows from 11×11 at conv1")
    assert "195×195 at pool5" in contexts["alexnet"]["growth"]


# -- the folded hierarchy --------------------------------------------------------------------


def _check_sums(items: Sequence[Item]) -> None:
    """Every block's totals are the sums of its items'."""
    for item in items:
        if isinstance(item, Block):
            inner = [
                layer
                for child in item.items
                for layer in (child.layers if isinstance(child, (Block, Run)) else (child,))
            ]
            assert sums(item.layers) == sums(inner)
            _check_sums(item.items)
        elif isinstance(item, Run):
            assert sums(item.layers) == sums([layer for block in item.blocks for layer in block.layers])
            _check_sums(item.blocks)


@pytest.mark.parametrize("name", ["resnet-20", "googlenet", "lenet5"])
def test_folded_totals_add_up_to_the_network(zoo_report: ZooReport, name: str) -> None:
    analysis = zoo_report(name).analysis
    items = outline(analysis.layers, module_types(zoo_report(name)))
    every = [layer for item in items for layer in (item.layers if isinstance(item, (Block, Run)) else (item,))]
    assert sorted(layer.index for layer in every) == [layer.index for layer in analysis.layers]
    total = sums(every)
    t = analysis.totals
    assert (total.params, total.trainable_params, total.buffers, total.connections, total.neurons, total.fvcore_macs) == (
        t.params, t.trainable_params, t.buffers, t.connections, t.neurons, t.fvcore_macs,
    )  # fmt: skip
    _check_sums(items)


def test_identical_blocks_fold_into_runs(zoo_report: ZooReport) -> None:
    analysis = zoo_report("resnet-20").analysis
    items = outline(analysis.layers)
    stages = {item.name: item for item in items if isinstance(item, Block)}
    assert list(stages) == ["layer1", "layer2", "layer3"]
    # Stage 1 keeps 16 maps throughout: its 3 blocks are one run. Stages 2 and 3 start with a
    # block that halves the grid, then 2 identical blocks.
    (run,) = stages["layer1"].items
    assert isinstance(run, Run) and [b.name for b in run.blocks] == ["layer1.0", "layer1.1", "layer1.2"]
    first, rest = stages["layer2"].items
    assert isinstance(first, Block) and first.name == "layer2.0"
    assert isinstance(rest, Run) and [b.name for b in rest.blocks] == ["layer2.1", "layer2.2"]
    # A basic block of stage 1: two 3×3 convolutions of 16 maps, no bias, each with BatchNorm.
    block = 2 * (3 * 3 * 16 * 16) + 2 * _bn(16)
    assert sums(run.layers).params == 3 * block
    # The run's row says so, with its derivation.
    parts = _context(zoo_report("resnet-20"))["hierarchy"]["parts"]
    folds = {p["fold"]["name"]: p["fold"] for p in parts if p["fold"]}
    (inner,) = folds["layer1"]["parts"]
    assert inner["fold"]["name"] == "layer1.0 … layer1.2"
    assert inner["fold"]["params_formula"] == f"3×{block:,} = {3 * block:,}"


def test_deep_networks_open_only_what_fits(zoo_report: ZooReport) -> None:
    r = zoo_report("resnet-56")
    hierarchy = _context(r)["hierarchy"]
    items = outline(r.analysis.layers)
    assert hierarchy["shown"] == rows_shown(items, hierarchy["level"]) <= html.ROW_BUDGET
    assert hierarchy["shown"] < len(r.analysis.layers) / 2
    # One level deeper would not fit, or there is none.
    assert hierarchy["level"] == hierarchy["levels"] or rows_shown(items, hierarchy["level"] + 1) > html.ROW_BUDGET
    page = render_handout(r)
    assert page.count('<details class="fold') == _folds(items)
    assert page.count("<tr class=") <= html.ROW_BUDGET


def _folds(items: Sequence[Item]) -> int:
    """Fold rows the page has: every block and run, a run's first block opened in its place."""
    count = 0
    for item in items:
        if isinstance(item, Block):
            count += 1 + _folds(item.items)
        elif isinstance(item, Run):
            count += 1 + _folds(item.blocks[0].items)
    return count


def test_open_level_is_the_deepest_that_fits() -> None:
    assert open_level((), 10) == 0


# -- user models: names are text ---------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"


def _hostile_report() -> Report:
    inner = nn.Sequential(OrderedDict([("conv", nn.Conv2d(3, 4, 3)), (HOSTILE, nn.ReLU())]))
    Hostile = type(HOSTILE, (nn.Module,), {})  # a class whose name is markup
    model = nn.Sequential(OrderedDict([("<b>block</b>", inner), ("odd", Hostile()), ("head", nn.Conv2d(4, 2, 1))]))
    model.odd.forward = lambda x: x  # type: ignore[method-assign]
    analysis = analyze(model, (1, 3, 8, 8), device="cpu", name=HOSTILE)
    spec = ModelSpec(
        name=HOSTILE, builder=lambda: model, input_shape=(1, 3, 8, 8), paper="", year=None, summary=HOSTILE
    )
    return Report(spec, analysis, ())


def test_markup_in_names_renders_as_text() -> None:
    r = _hostile_report()
    page = render_handout(r)
    assert "<script" not in page.lower()
    assert "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;block&lt;/b&gt;" in page  # the fold's summary row
    assert _context(r)["specials"] == []


# -- the page as a whole -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lenet5", "alexnet"])
def test_page_is_one_valid_self_contained_file(zoo_report: ZooReport, name: str) -> None:
    page = render_handout(zoo_report(name))
    assert "<script" not in page.lower() and "http" not in page.replace("http://www.w3.org", "")
    assert "@page { size: A4" in page
    assert "break-inside: avoid" in page
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "an id is defined twice"
    refs = set(re.findall(r'href="#([^"]+)"', page)) | set(re.findall(r"url\(#([^)]+)\)", page))
    assert refs <= set(ids), f"figures refer to undefined ids: {sorted(refs - set(ids))[:3]}"


def test_shared_definitions_keep_the_first() -> None:
    glyph = '<defs><path id="g1" d="M 0 0"/></defs><use xlink:href="#g1"/>'
    first, second = share_definitions([f"<svg>{glyph}</svg>", f"<svg>{glyph}</svg>"])
    assert first == f"<svg>{glyph}</svg>"
    assert second == '<svg><defs></defs><use xlink:href="#g1"/></svg>'


def test_figures_choose_log_scales_by_range(zoo_report: ZooReport) -> None:
    assert needs_log([34_944, 37_752_832])  # AlexNet's params per layer
    assert not needs_log([64, 128, 192])
    assert per_layer_svg(dataclasses.replace(zoo_report("lenet5").analysis, layers=())) == ""
    assert depth_svg(dataclasses.replace(zoo_report("lenet5").analysis, layers=())) == ""


def test_handout_figures_are_fast_and_small_for_a_deep_network(zoo_report: ZooReport) -> None:
    analysis = zoo_report("resnet-110").analysis
    weighted = sum(1 for layer in analysis.layers if layer.weighted)
    svg = per_layer_svg(analysis)
    # No text per layer past 40: the figure's size does not grow with the layers.
    assert svg.count("<use") < 600 < weighted * 6


def test_the_layer_table_counts_under_the_convention_picked(zoo_report: ZooReport) -> None:
    r = dataclasses.replace(zoo_report("resnet-18"), convention="macs")
    context = _context(r)
    assert context["cost_title"] == "mult-adds" and "macs convention" in context["cost_note"]
    rows = {row["name"]: row for part in context["hierarchy"]["parts"] for row in part["rows"]}
    # conv1: 64 maps of 112x112, each unit 7x7x3 multiply-adds (He et al. 2015, Table 1); bn1 none
    # under macs, where fvcore counts 2 per element.
    assert rows["conv1"]["macs"] == f"{64 * 112 * 112 * 7 * 7 * 3:,}" and rows["bn1"]["macs"] == "–"
    # torchvision documents resnet18 at 1.814 GFLOPS (multiply-adds: ResNet18_Weights.IMAGENET1K_V1).
    assert round(int(context["total"]["macs"].replace(",", "")) / 1e9, 3) == 1.814
    (chosen,) = [row for row in context["conventions"] if row["chosen"]]
    assert chosen["name"] == "macs" and chosen["column"] == "mult-adds"
    # A stage folds under the same count: layer1 is two basic blocks of two 3x3 convolutions on 64 maps of 56x56.
    folds = {part["fold"]["name"]: part["fold"] for part in context["hierarchy"]["parts"] if part["fold"]}
    assert folds["layer1"]["macs"] == f"{2 * 2 * 64 * 56 * 56 * 3 * 3 * 64:,}"
    # The default page names fvcore's MACs and adds no note.
    default = _context(zoo_report("resnet-18"))
    assert default["cost_title"] == "MACs" and default["cost_note"] == ""


def test_one_repeated_block_is_said_in_the_singular(zoo_report: ZooReport) -> None:
    page = render_handout(zoo_report("resnet-18"))
    # resnet-18's layer1 holds two identical basic blocks: one run, its second block repeating the
    # first. Each later stage opens with a block that halves the grid, which the next does not repeat.
    assert "(1 block here repeats the one before;" in page
    assert "blocks here repeat" not in page
