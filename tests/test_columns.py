"""The one column table: every export and printed table lists its columns, in its order.

Closed forms for ``nn.Linear(4, 3)`` on a batch of one: params 4·3 + 3 = 15 (weights and
biases); connections 3·(4 + 1) = 15 (each of the 3 outputs' fan-in of 4 plus its bias);
MACs 4·3 = 12 (one per weight, no bias); FLOPs 2·12 = 24; neurons 3.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import subprocess
import sys
from pathlib import Path

import pytest
from torch import nn

from archstats import columns, conventions
from archstats.analysis import DEFINITIONS, ROOT, Analysis, Layer, Totals, analyze, as_dict
from archstats.columns import COLUMNS, CSV_COLUMNS, JSON_COLUMNS, TABLE, TOTALS
from archstats.render import exports, latex, terminal
from archstats.zoo import Report
from archstats_zoo import ModelSpec

REPO = Path(__file__).resolve().parents[1]
LINEAR_PARAMS = 4 * 3 + 3
LINEAR_CONNECTIONS = 3 * (4 + 1)
LINEAR_MACS = 4 * 3


@pytest.fixture(scope="module")
def linear() -> Analysis:
    return analyze(nn.Sequential(nn.Linear(4, 3)), (1, 4), device="cpu", name="linear")


@pytest.fixture(scope="module")
def linear_report(linear: Analysis) -> Report:
    spec = ModelSpec(name="linear", builder=lambda: nn.Sequential(nn.Linear(4, 3)), input_shape=(1, 4), paper="",
                     year=None, summary="")  # fmt: skip
    return Report(spec, linear, ())


def test_the_json_layer_records_hold_the_tables_columns_in_order(linear: Analysis) -> None:
    data = as_dict(linear)
    for record in data["layers"]:
        assert list(record) == [c.key for c in JSON_COLUMNS]
    assert list(data["totals"]) == [t.key for t in TOTALS]


def test_the_csv_header_is_the_tables_csv_columns(linear_report: Report) -> None:
    header = next(csv.reader(io.StringIO(exports.to_csv(linear_report))))
    assert header == [c.key for c in CSV_COLUMNS]
    assert list(linear_report.analysis.dataframe().columns) == [c.key for c in CSV_COLUMNS[1:]]


def test_the_latex_header_is_the_printed_tables_titles(linear_report: Report) -> None:
    header = " & ".join(c.title for c in TABLE) + r" \\"
    assert header in latex.to_latex(linear_report).splitlines()
    assert list(latex.COLUMNS) == [c.title for c in TABLE]


def test_the_terminal_header_is_the_printed_tables_titles(linear_report: Report) -> None:
    lines = terminal.render(linear_report, width=120).splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    cost = conventions.get(linear_report.convention).column
    titles = [cost if c.key == "macs" else c.title for c in TABLE]
    assert lines[rule - 1].split() == titles


def test_the_markdown_header_is_the_printed_tables_titles_then_derivation_and_not_counted(
    linear_report: Report,
) -> None:
    titles = [*(c.title for c in TABLE), columns.column("formula").title, columns.column("uncounted_ops").title]
    assert "| " + " | ".join(titles) + " |" in exports.to_markdown(linear_report).splitlines()


def test_every_column_reads_an_attribute_of_layer_and_totals() -> None:
    layer_fields = {f.name for f in dataclasses.fields(Layer)} | {n for n in dir(Layer) if not n.startswith("_")}
    totals_fields = {f.name for f in dataclasses.fields(Totals)} | {n for n in dir(Totals) if not n.startswith("_")}
    for col in COLUMNS:
        assert col.attribute in layer_fields, col.key
        if col.total:
            assert col.attribute in totals_fields, col.key
    for total in TOTALS:
        assert total.attribute in totals_fields, total.key
    assert columns.column("macs").attribute == "fvcore_macs"
    assert len({c.key for c in COLUMNS}) == len(COLUMNS)


def test_closed_form_of_one_linear_layer(linear: Analysis) -> None:
    (layer,) = [x for x in linear.layers if x.name == "0"]
    values = {c.key: c.value(layer) for c in COLUMNS}
    assert values["params"] == LINEAR_PARAMS
    assert values["connections"] == LINEAR_CONNECTIONS
    assert values["macs"] == LINEAR_MACS
    assert values["flops"] == 2 * LINEAR_MACS
    assert values["neurons"] == 3
    data = as_dict(linear)
    assert data["totals"]["params"] == LINEAR_PARAMS
    assert data["totals"]["connections"] == LINEAR_CONNECTIONS
    assert data["totals"]["macs"] == LINEAR_MACS
    record = next(r for r in data["layers"] if r["name"] == "0")
    assert (record["params"], record["connections"], record["macs"]) == (LINEAR_PARAMS, LINEAR_CONNECTIONS, LINEAR_MACS)


def test_the_definitions_and_root_are_the_tables() -> None:
    assert DEFINITIONS is columns.DEFINITIONS and ROOT == columns.ROOT == "(root)"
    for col in COLUMNS:
        if col.key in DEFINITIONS:
            assert col.definition == DEFINITIONS[col.key]
        assert col.definition


def test_an_unknown_column_or_format_is_refused_in_one_sentence() -> None:
    with pytest.raises(KeyError, match="no column 'mac'"):
        columns.column("mac")
    with pytest.raises(ValueError, match="not one of"):
        columns.Column("x", "x", "", "number", "params", "x")


def test_the_column_table_and_the_renderers_import_no_torch() -> None:
    code = (
        "import sys\nimport archstats.columns, archstats.render.exports, archstats.render.terminal, "
        "archstats.render.latex, archstats.render.hierarchy\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'pandas', 'archstats'}), "
        "'archstats.analysis' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["['archstats']", "False"]
