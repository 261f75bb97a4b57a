"""The LaTeX table: the handout's columns, its totals row, escaping, and the command line's --latex.

Published figures: AlexNet's 60,965,224 parameters (the article's total); LeNet-5's 60,000
trainable parameters and 340,908 connections (LeCun et al. 1998, Sec. II-B), its output
layer's 84 x 10 fixed RBF prototypes (a buffer, not parameters), and C3's 1,516 parameters and 151,600 connections.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from archstats.cli import main
from archstats.handout_inputs import render_handout
from archstats.render import exports, latex
from archstats.zoo import Report

ZooReport = Callable[[str], Report]

ALEXNET_PARAMS = 60_965_224
LENET5_TRAINABLE, LENET5_CONNECTIONS = 60_000, 340_908
LENET5_C3 = ("1,516", "151,600")
HOSTILE = "conv_1 50% & #2\n{x} ~^ \\relax $y$"


def _rows(table: str) -> list[list[str]]:
    """The body rows of a table pandas rendered: after the header's rule (a longtable's: after its feet)."""
    lines = table.splitlines()
    first = lines.index("\\endlastfoot" if "\\endlastfoot" in lines else "\\midrule") + 1
    rows = []
    for line in lines[first:]:
        if line.startswith("\\end{") or line == "\\bottomrule":
            break
        if line.endswith("\\\\"):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)&", line.removesuffix("\\\\"))])
    return rows


def _header(table: str) -> list[str]:
    line = next(line for line in table.splitlines() if line.startswith("layer & "))
    return [cell.strip() for cell in line.removesuffix("\\\\").split("&")]


def _int(cell: str) -> int:
    return int(cell.replace(",", ""))


def _hostile(r: Report, name: str) -> Report:
    first = dataclasses.replace(r.analysis.layers[0], name=name)
    analysis = dataclasses.replace(r.analysis, network=name, layers=(first, *r.analysis.layers[1:]))
    return dataclasses.replace(r, analysis=analysis)


@pytest.mark.parametrize("name", ["lenet5", "alexnet"])
def test_totals_row_equals_the_json_totals(zoo_report: ZooReport, name: str) -> None:
    r = zoo_report(name)
    rows = _rows(latex.to_latex(r))
    total = dict(zip(latex.COLUMNS, rows[-1]))
    totals = exports.to_dict(r)["totals"]
    assert total["layer"] == "total"
    for column, key in (("params", "params"), ("connections", "connections"), ("neurons", "neurons"), ("MACs", "macs")):
        assert _int(total[column]) == totals[key], column


def test_totals_are_the_published_figures(zoo_report: ZooReport) -> None:
    alexnet = dict(zip(latex.COLUMNS, _rows(latex.to_latex(zoo_report("alexnet")))[-1]))
    assert _int(alexnet["params"]) == ALEXNET_PARAMS
    lenet = _rows(latex.to_latex(zoo_report("lenet5")))
    total = dict(zip(latex.COLUMNS, lenet[-1]))
    assert _int(total["params"]) == LENET5_TRAINABLE  # the 84 x 10 fixed prototypes are a buffer
    assert _int(total["connections"]) == LENET5_CONNECTIONS
    c3 = next(dict(zip(latex.COLUMNS, row)) for row in lenet if row[0] == "C3")
    assert (c3["params"], c3["connections"]) == LENET5_C3


@pytest.mark.parametrize("name", ["lenet5", "alexnet"])
def test_one_row_per_layer_then_a_rule_then_the_totals(zoo_report: ZooReport, name: str) -> None:
    r = zoo_report(name)
    table = latex.to_latex(r)
    rows = _rows(table)
    assert [row[0] for row in rows[:-1]] == [latex.escape(layer.name) for layer in r.analysis.layers]
    assert all(len(row) == len(latex.COLUMNS) for row in rows)
    lines = table.splitlines()
    total_line = next(i for i, line in enumerate(lines) if line.startswith("total & "))
    assert lines[total_line - 1] == "\\midrule"


def test_columns_are_the_handouts(zoo_report: ZooReport) -> None:
    """Every column of the handout's layer table is in the LaTeX table, in the same order."""
    r = zoo_report("lenet5")
    page = render_handout(r)
    table = page[page.index('<table class="layers head">') :]
    head = table[: table.index("</thead>")]
    handout = [html_lib.unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", head) if h != "#"]
    header = _header(latex.to_latex(r))
    assert header == list(latex.COLUMNS)
    assert [h for h in header if h in handout] == handout


def test_names_are_escaped(zoo_report: ZooReport) -> None:
    table = latex.to_latex(_hostile(zoo_report("lenet5"), HOSTILE))
    escaped = r"conv\_1 50\% \& \#2 \{x\} \textasciitilde{}\textasciicircum{} \textbackslash{}relax \$y\$"
    assert latex.escape(HOSTILE) == escaped
    assert _rows(table)[0][0] == escaped  # the layer's cell
    assert f"\\caption{{{escaped}: " in table  # the network's name in the caption
    comment, *body = table.splitlines()
    assert comment.startswith("% archstats report conv_1 50% & #2 {x}")  # a comment to its line's end
    for raw in ("conv_1", "50%", "& #2", "{x}", "~", "^", "\\relax", "$y$"):
        assert not any(raw in line for line in body), raw
    label = re.search(r"\\label\{([^}]*)\}", table)
    assert label and re.fullmatch(r"tab:archstats-[A-Za-z0-9.-]+", label.group(1))


def test_times_sign_is_math(zoo_report: ZooReport) -> None:
    table = latex.to_latex(zoo_report("alexnet"))
    assert "×" not in table
    conv1 = next(row for row in _rows(table) if row[0] == "conv1")
    # Krizhevsky et al. 2012, Fig. 2: 96 maps of 55x55 from 11x11 kernels.
    assert conv1[2:3] + conv1[7:] == ["96$\\times$55$\\times$55", "11$\\times$11"]


def test_a_long_network_gets_a_longtable(zoo_report: ZooReport) -> None:
    short, long = zoo_report("lenet5"), zoo_report("resnet-20")
    assert len(short.analysis.layers) < latex.LONGTABLE_FROM <= len(long.analysis.layers)
    short_table, long_table = latex.to_latex(short), latex.to_latex(long)
    assert "\\begin{tabular}{lllrrrrl}" in short_table and "longtable" not in short_table
    assert short_table.startswith("% archstats report lenet5 --latex: needs \\usepackage{booktabs}\n")
    assert "\\begin{longtable}{lllrrrrl}" in long_table and "\\endhead" in long_table
    assert "\\usepackage{booktabs, longtable}" in long_table.splitlines()[0]
    assert len(_rows(long_table)) == len(long.analysis.layers) + 1
    assert _rows(long_table)[-1][0] == "total"


def test_cli_latex_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "lenet5", "--latex", "-", "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert out.startswith("% archstats report lenet5 --latex") and out.endswith("\\end{table}\n")


def test_cli_latex_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "lenet5.tex"
    code = main(["report", "lenet5", "--latex", str(target), "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 0 and err == f"wrote LaTeX table to {target}\n"
    assert "C3 & " in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lenet5.tex"]  # no temporary file left


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--latex", "-", "--markdown", "-"], "only one of --html, --json, --csv, --markdown and --latex"),
        (["--latex", "/nonexistent/t.tex"], "/nonexistent does not exist"),
    ],
)
def test_cli_latex_bad_usage(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code = main(["report", "lenet5", *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert needle in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX installation (pdflatex) on this machine")
@pytest.mark.parametrize("name", ["lenet5", "resnet-20"])
def test_table_compiles(zoo_report: ZooReport, tmp_path: Path, name: str) -> None:
    table = latex.to_latex(_hostile(zoo_report(name), HOSTILE))
    (tmp_path / "t.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs,longtable}\n"
        f"\\begin{{document}}\n{table}\\end{{document}}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]


def test_the_cost_column_counts_under_the_convention_picked(zoo_report: ZooReport) -> None:
    # LeNet-5's C1: 6 maps of 28x28, each unit 5x5 multiply-adds (LeCun et al. 1998, Sec. II-B).
    c1_multiply_adds = 6 * 28 * 28 * 5 * 5
    r = dataclasses.replace(zoo_report("lenet5"), convention="flops")
    table = latex.to_latex(r)
    header = _header(table)
    # The cost column keeps its place, its heading the convention's.
    assert header == [("FLOPs" if title == "MACs" else title) for title in latex.COLUMNS]
    c1 = dict(zip(header, next(row for row in _rows(table) if row[0] == "C1")))
    assert _int(c1["FLOPs"]) == 2 * c1_multiply_adds
    assert "FLOPs (the flops convention" in table
    total = dict(zip(header, _rows(table)[-1]))
    assert _int(total["FLOPs"]) == 2 * exports.to_dict(r)["totals"]["multiply_adds"]
