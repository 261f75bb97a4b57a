"""The renderers: terminal table, JSON/CSV/Markdown exports and the HTML handout.

Expected numbers are published figures or closed forms, never the tool's own output:
AlexNet's 60,965,224 trainable parameters (the article's total); LeNet-5's 340,908
connections and 60,000 trainable parameters (LeCun et al. 1998, Sec. II-B).
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from archstats.handout_inputs import render_handout
from archstats.render import exports, terminal
from archstats.render.charts.axes import label_room, text_width
from archstats.render.charts.layers import per_layer_svg
from archstats.zoo import Report, report

NETWORKS = ("lenet5", "alexnet")
ADDITIVE = ("params", "trainable_params", "buffers", "connections", "neurons", "macs", "flops")

# The article's AlexNet total, and its layers' closed forms: (k*k*c_in/groups + 1) * c_out.
ALEXNET_PARAMS = 60_965_224
ALEXNET_LAYER_PARAMS = {
    "conv1": (11 * 11 * 3 + 1) * 96,
    "conv2": (5 * 5 * 48 + 1) * 256,
    "conv3": (3 * 3 * 256 + 1) * 384,
    "conv4": (3 * 3 * 192 + 1) * 384,
    "conv5": (3 * 3 * 192 + 1) * 256,
    "fc6": (6 * 6 * 256 + 1) * 4096,
    "fc7": (4096 + 1) * 4096,
    "fc8": (4096 + 1) * 1000,
}
LENET5_CONNECTIONS = 340_908
LENET5_TRAINABLE = 60_000
# Krizhevsky et al. 2012, Sec. 3.4 and Fig. 2: max-pooling after conv1, conv2 and conv5.
ALEXNET_MAX_POOLS = 3


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    return {name: report(name, device="cpu") for name in NETWORKS}


@pytest.fixture(scope="module")
def pages(reports: dict[str, Report]) -> dict[str, str]:
    return {name: render_handout(r) for name, r in reports.items()}


def _hostile(r: Report, name: str) -> Report:
    """``r`` with its first layer and the network renamed to ``name``."""
    first = dataclasses.replace(r.analysis.layers[0], name=name)
    analysis = dataclasses.replace(r.analysis, network=name, layers=(first, *r.analysis.layers[1:]))
    return dataclasses.replace(r, analysis=analysis)


def _not_judged(r: Report, input_shape: tuple[int, ...]) -> Report:
    """``r`` as if traced at another input size, where claims are not judged."""
    return dataclasses.replace(r, analysis=dataclasses.replace(r.analysis, input_shape=input_shape), verdicts=())


# -- HTML -------------------------------------------------------------------------------


def test_html_shows_published_figures(pages: dict[str, str]) -> None:
    assert "60,965,224" in pages["alexnet"]
    assert "(5×5+1)×6 = 156" in pages["lenet5"]
    assert f"{LENET5_CONNECTIONS:,}" in pages["lenet5"]
    assert f"{LENET5_TRAINABLE:,}" in pages["lenet5"]
    assert "(11×11×3+1)×96 = 34,944" in pages["alexnet"]
    assert "(227−11)/4+1 = 55" in pages["alexnet"]
    assert "28×28×6 = 4,704" in pages["lenet5"]


@pytest.mark.parametrize("name", NETWORKS)
def test_html_is_self_contained(pages: dict[str, str], name: str) -> None:
    page = pages[name]
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert "http://" not in page and "https://" not in page
    assert "<?xml" not in page
    assert page.count("<svg") == page.count("</svg>") >= 2  # per layer, and along the depth
    assert "@page { size: A4; margin: 12mm; }" in page
    assert "display: table-header-group" in page


@pytest.mark.parametrize("name", NETWORKS)
def test_html_lists_every_layer_and_uncounted_op(reports: dict[str, Report], pages: dict[str, str], name: str) -> None:
    analysis = reports[name].analysis
    page = pages[name]
    # Both networks are flat: every row is a row of the table, none folded.
    assert page.count('<td class="layer d0">') == len(analysis.layers)
    for op in analysis.uncounted_ops:
        assert op in page


def test_html_marks_claim_statuses(reports: dict[str, Report], pages: dict[str, str]) -> None:
    for name, r in reports.items():
        for verdict in r.verdicts:
            # Ids may break after their dots.
            assert verdict.claim.id.replace(".", ".<wbr>") in pages[name]
    statuses = {v.status for r in reports.values() for v in r.verdicts}
    if "erratum" in statuses:
        assert "erratum of the source" in pages["alexnet"] + pages["lenet5"]


def test_html_escapes_layer_names(reports: dict[str, Report]) -> None:
    page = render_handout(_hostile(reports["lenet5"], "<script>alert(1)</script>"))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_figure_takes_dollars_literally(reports: dict[str, Report]) -> None:
    svg = per_layer_svg(_hostile(reports["lenet5"], "$x^2$ & $").analysis)
    assert svg.startswith("<svg")
    assert "http" not in svg


def test_html_says_when_claims_were_not_judged(reports: dict[str, Report]) -> None:
    page = render_handout(_not_judged(reports["alexnet"], (1, 3, 256, 256)))
    assert "Claims are stated for the default input 1×3×227×227 and were not judged." in page


def test_html_marks_uncalled_layers(reports: dict[str, Report]) -> None:
    r = reports["lenet5"]
    last = dataclasses.replace(r.analysis.layers[-1], called=False, calls=0, output_shape=None)
    analysis = dataclasses.replace(r.analysis, layers=(*r.analysis.layers[:-1], last))
    page = render_handout(dataclasses.replace(r, analysis=analysis))
    assert "never called" in page
    assert "not called" in terminal.render(dataclasses.replace(r, analysis=analysis), width=120)


# -- JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NETWORKS)
def test_json_round_trips_and_adds_up(reports: dict[str, Report], name: str) -> None:
    r = reports[name]
    text = exports.to_json(r)
    assert text.endswith("}\n")
    data = json.loads(text)
    assert data == exports.to_dict(r)
    t = r.analysis.totals
    assert data["totals"] == {
        "params": t.params,
        "trainable_params": t.trainable_params,
        "buffers": t.buffers,
        "inference_params": t.inference_params,
        "connections": t.connections,
        "neurons": t.neurons,
        "neurons_with_input": t.neurons_with_input,
        "macs": t.fvcore_macs,
        "multiply_adds": t.multiply_adds,
        "flops": t.flops,
        "depth": t.depth,
    }
    for key in (*ADDITIVE, "multiply_adds"):
        assert sum(layer[key] for layer in data["layers"]) == data["totals"][key], key
    assert all(type(v) is int for v in data["totals"].values())
    assert data["network_info"]["year"] == r.spec.year
    assert len(data["claims"]) == len(r.verdicts)
    for claim in data["claims"]:
        assert set(claim) >= {"id", "source", "quantity", "expected", "measured", "verdict", "note"}


def test_json_holds_published_totals(reports: dict[str, Report]) -> None:
    alexnet = json.loads(exports.to_json(reports["alexnet"]))
    lenet5 = json.loads(exports.to_json(reports["lenet5"]))
    assert alexnet["totals"]["trainable_params"] == ALEXNET_PARAMS
    for layer in alexnet["layers"]:
        if layer["name"] in ALEXNET_LAYER_PARAMS:
            assert layer["params"] == ALEXNET_LAYER_PARAMS[layer["name"]]
    assert lenet5["totals"]["connections"] == LENET5_CONNECTIONS
    assert lenet5["totals"]["trainable_params"] == lenet5["totals"]["params"] == LENET5_TRAINABLE
    assert lenet5["totals"]["buffers"] == 10 * 84  # the RBF prototypes, fixed: a buffer


def test_json_says_when_claims_were_not_judged(reports: dict[str, Report]) -> None:
    data = exports.to_dict(_not_judged(reports["alexnet"], (1, 3, 256, 256)))
    assert data["claims"] == []
    assert "1×3×227×227" in data["claims_note"]


# -- CSV --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NETWORKS)
def test_csv_total_row_is_the_sum(reports: dict[str, Report], name: str) -> None:
    table = pd.read_csv(io.StringIO(exports.to_csv(reports[name])), index_col="name")
    assert list(table.index[-1:]) == ["TOTAL"]
    layers = table.drop(index="TOTAL")
    assert len(layers) == len(reports[name].analysis.layers)
    for key in ADDITIVE:
        assert table.loc["TOTAL", key] == layers[key].sum(), key
    assert table.loc["TOTAL", "depth"] == reports[name].analysis.totals.depth


def test_csv_holds_published_totals(reports: dict[str, Report]) -> None:
    alexnet = pd.read_csv(io.StringIO(exports.to_csv(reports["alexnet"])), index_col="name")
    lenet5 = pd.read_csv(io.StringIO(exports.to_csv(reports["lenet5"])), index_col="name")
    assert alexnet.loc["TOTAL", "trainable_params"] == ALEXNET_PARAMS
    assert lenet5.loc["TOTAL", "connections"] == LENET5_CONNECTIONS


# -- Markdown ---------------------------------------------------------------------------


def _section(text: str, title: str) -> list[str]:
    lines = text.split("\n")
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


@pytest.mark.parametrize("name", NETWORKS)
def test_markdown_has_one_row_per_layer(reports: dict[str, Report], name: str) -> None:
    r = reports[name]
    text = exports.to_markdown(r)
    assert text.startswith(f"# {name}\n")
    rows = [line for line in _section(text, "Layers") if line.startswith("|")]
    header, rule, *body = rows
    assert len(body) == len(r.analysis.layers)
    columns = header.count("|")
    assert rule.count("|") == columns
    assert all(line.count("|") - line.count("\\|") == columns for line in body)
    claims = [line for line in _section(text, "Claims") if line.startswith("|")]
    assert len(claims) == len(r.verdicts) + 2


def test_markdown_shows_derivations_and_escapes(reports: dict[str, Report]) -> None:
    assert "(5×5+1)×6 = 156" in exports.to_markdown(reports["lenet5"])
    assert "60,965,224" in exports.to_markdown(reports["alexnet"])
    text = exports.to_markdown(_hostile(reports["lenet5"], "<script>a|b</script>"))
    assert "<script>" not in text
    assert "a\\|b" in text


def test_markdown_cost_column_counts_under_the_convention_picked() -> None:
    r = dataclasses.replace(report("resnet-18", device="cpu"), convention="macs")
    header, _, *body = [line for line in _section(exports.to_markdown(r), "Layers") if line.startswith("|")]
    titles = [cell.strip() for cell in header.strip("|").split("|")]
    assert "mult-adds" in titles and "MACs" not in titles
    cells = {row.split("|")[1].strip(): row.split("|")[1:-1] for row in body}
    cost = titles.index("mult-adds")
    # conv1: 64 maps of 112x112, each unit 7x7x3 multiply-adds (He et al. 2015, Table 1);
    # bn1 adds none under macs (fvcore counts 2 per element).
    assert cells["conv1"][cost].strip() == f"{64 * 112 * 112 * 7 * 7 * 3:,}"
    assert cells["bn1"][cost].strip() == "0"


# -- terminal ---------------------------------------------------------------------------


def test_terminal_table(reports: dict[str, Report]) -> None:
    text = terminal.render(reports["alexnet"], width=120)
    assert "params 60,965,224 (trainable 60,965,224; buffers 0, not in params)" in text
    assert "96×55×55" in text
    assert "FLOPs" in text and "(2 per multiply-add)" in text
    assert f"aten::max_pool2d ×{ALEXNET_MAX_POOLS}" in text
    assert "(11×11×3+1)×96 = 34,944" in text
    for layer in reports["alexnet"].analysis.layers:
        assert layer.name in text
    for verdict in reports["alexnet"].verdicts:
        assert verdict.claim.id in text
    assert max(len(line) for line in text.splitlines()) <= 120


def test_terminal_lenet5(reports: dict[str, Report]) -> None:
    text = terminal.render(reports["lenet5"], width=120)
    assert f"connections {LENET5_CONNECTIONS:,}" in text
    assert f"trainable {LENET5_TRAINABLE:,}" in text
    assert "(5×5+1)×6 = 156" in text
    assert "Not counted" in text


def test_terminal_wraps_to_narrow_widths(reports: dict[str, Report]) -> None:
    lines = terminal.render(reports["alexnet"], width=80).splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("─")]
    first, last = rules[0] - 1, rules[-1] + 1  # column titles .. total row
    assert len(lines[rules[0]]) > 80  # the table itself is never cut
    rows = {i for i in range(first, last + 1) if not lines[i].startswith("    ")}
    assert all(len(line) <= 80 for i, line in enumerate(lines) if i not in rows)


def test_terminal_says_when_claims_were_not_judged(reports: dict[str, Report]) -> None:
    text = terminal.render(_not_judged(reports["alexnet"], (1, 3, 256, 256)), width=120)
    assert "claims are stated for the default input 1×3×227×227 and were not judged" in text


# -- all renderers ----------------------------------------------------------------------


@pytest.mark.parametrize("name", NETWORKS)
def test_rendering_is_deterministic(reports: dict[str, Report], pages: dict[str, str], name: str) -> None:
    r = reports[name]
    assert render_handout(r).encode() == pages[name].encode()
    assert exports.to_json(r) == exports.to_json(r)
    assert exports.to_csv(r) == exports.to_csv(r)
    assert exports.to_markdown(r) == exports.to_markdown(r)
    assert terminal.render(r, width=100) == terminal.render(r, width=100)


def test_figure_is_deterministic_across_processes(reports: dict[str, Report]) -> None:
    code = (
        "from archstats.zoo import report; from archstats.render.charts.layers import per_layer_svg; "
        "import sys; sys.stdout.write(per_layer_svg(report('lenet5', device='cpu').analysis))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert other == per_layer_svg(reports["lenet5"].analysis)


def test_renderers_import_no_heavy_libraries() -> None:
    code = (
        "import sys, archstats.render, archstats.render.terminal, archstats.render.exports, "
        "archstats.render.html, archstats.render.charts.layers, archstats.render.index; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_label_room_is_whole_points_at_least_the_widest_label() -> None:
    labels = ["conv1", "layer4.2.conv3", "fc"]
    widest = max(text_width(label, 6.0) for label in labels)
    room = label_room(labels, 6.0) * 72
    assert room == round(room) and widest <= room < widest + 1
    assert label_room([], 6.0) == 0
