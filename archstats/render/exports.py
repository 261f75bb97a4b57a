"""A report as data: a dict in the JSON contract's shape, JSON, CSV and Markdown."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archstats import conventions
from archstats.columns import CSV_COLUMNS, DEFINITIONS, JSON_COLUMNS, TABLE, TOTALS, Column, column
from archstats.render import _format as fmt

if TYPE_CHECKING:
    import pandas as pd

    from archstats.analysis import Analysis, Layer
    from archstats.ledger import Verdict
    from archstats.zoo import Report


def _json_value(col: Column, layer: Layer) -> Any:
    """A layer's value of one column as the JSON contract writes it."""
    value = col.value(layer)
    if col.format == "shape":
        return list(value) if value else None
    if col.format == "field":
        return max(value) if value else None
    if col.format in ("mapping", "ops"):
        return dict(value)
    return value


def _ops_csv(ops: Mapping[str, int]) -> str:
    return ", ".join(f"{op}×{n}" for op, n in ops.items())


def _csv_value(col: Column, layer: Layer) -> Any:
    """A layer's value of one column as the CSV writes it."""
    value = col.value(layer)
    if col.format == "shape":
        return fmt.shape(value)
    if col.format == "field":
        if value is None:
            return ""
        return f"{fmt.shape(value)} (all)" if layer.rf_global else fmt.shape(value)
    if col.format == "ops":
        return _ops_csv(value)
    return value


def _conventions(analysis: Analysis) -> list[dict[str, Any]]:
    """The network's total under each convention, each with why it differs from the one before."""
    return [
        {
            "name": step.convention.name,
            "unit": step.convention.unit,
            "value": step.value,
            "difference": step.difference,
            "reason": step.reason,
            "definition": step.convention.description,
            "used_by": step.convention.sources,
        }
        for step in conventions.reconcile(analysis)
    ]


def analysis_dict(analysis: Analysis) -> dict[str, Any]:
    """The analysis in the JSON contract's shape (claims are added by the caller): the columns' table as records."""
    t = analysis.totals
    inputs = [{"shape": list(spec.shape), "dtype": spec.dtype} for spec in analysis.inputs]
    return {
        "network": analysis.network,
        "input_shape": list(analysis.input_shape),
        "inputs": inputs or [{"shape": list(analysis.input_shape), "dtype": "float32"}],
        "device": analysis.device,
        "totals": {total.key: getattr(t, total.attribute) for total in TOTALS},
        "layers": [{col.key: _json_value(col, layer) for col in JSON_COLUMNS} for layer in analysis.layers],
        "uncounted_ops": dict(analysis.uncounted_ops),
        "conventions": _conventions(analysis),
        "not_in_flops_all": conventions.unpriced(analysis),
        "definitions": dict(DEFINITIONS),
        "notes": list(analysis.notes),
    }


def layers_frame(analysis: Analysis) -> pd.DataFrame:
    """The layers as a pandas DataFrame with the CSV's columns, one row per layer, indexed by name."""
    import pandas as pd

    rows = [{col.key: _csv_value(col, layer) for col in CSV_COLUMNS} for layer in analysis.layers]
    return pd.DataFrame(rows, columns=[col.key for col in CSV_COLUMNS]).set_index("name")


def _claim(verdict: Verdict) -> dict[str, Any]:
    claim = verdict.claim
    return {
        "id": claim.id,
        "source": claim.source,
        "quantity": fmt.quantity(verdict),
        "expected": claim.expected,
        "measured": verdict.measured,
        "verdict": verdict.status,
        "note": verdict.explanation,
        "ok": verdict.ok,
        "kind": claim.kind,
        "must_hold": claim.must_hold,
        "formula": claim.formula,
        "quote": claim.quote,
        "convention": claim.convention,
    }


def to_dict(report: Report) -> dict[str, Any]:
    """The report in the JSON contract's shape: the analysis, the network's paper, the claims.

    ``claims_note`` says why ``claims`` is empty (an input other than the default), else "".
    """
    data = analysis_dict(report.analysis)
    data["network_info"] = {"paper": report.spec.paper, "year": report.spec.year, "summary": report.spec.summary}
    data["claims"] = [_claim(v) for v in report.verdicts]
    data["claims_note"] = fmt.claims_note(report)
    return data


def to_json(report: Report) -> str:
    """The report as JSON: indented by 2, integers as integers, a trailing newline."""
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


def to_csv(report: Report) -> str:
    """The per-layer table as CSV, one row per layer and a final ``TOTAL`` row of the totals."""
    import pandas as pd

    analysis = report.analysis
    t = analysis.totals
    layers = layers_frame(analysis)
    # The TOTAL row: the network's figure where a column has one, else blank.
    total: dict[str, Any] = dict.fromkeys(layers.columns, "")
    total.update(input_shape=fmt.shape(analysis.input_shape), output_shape=fmt.shape(analysis.output_shape))
    total.update({col.key: col.total_value(t) for col in CSV_COLUMNS if col.total})
    total["uncounted_ops"] = _ops_csv(analysis.uncounted_ops)
    table = pd.concat([layers, pd.DataFrame([total], index=pd.Index(["TOTAL"], name=layers.index.name))])
    for col in CSV_COLUMNS:
        if col.total:
            # Int64 keeps integers integers where a layer has no value (depth of an uncalled layer).
            table[col.key] = table[col.key].astype("Int64")
    return table.to_csv(lineterminator="\n")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _md(text: object) -> str:
    """A table cell: Markdown's special characters escaped, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def pipe_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    """A Markdown pipe table from cells already escaped; ``right`` aligns numeric columns."""
    align = ["---:" if r else "---" for r in right]
    return ["| " + " | ".join(cells) + " |" for cells in (headers, align, *rows)]


def _derivation(layer: Layer) -> str:
    labels = (("params", "params"), ("connections", "connections"), ("neurons", "neurons"), ("output", "output size"))
    parts = [f"{label}: {layer.formulas[key]}" for key, label in labels if layer.formulas.get(key)]
    return "; ".join(parts)


# The Markdown table: the printed table's columns, then each layer's derivations and what was not counted.
_MD_RIGHT = [*(col.format == "count" for col in TABLE), False, False]


def _md_headers(convention: str) -> list[str]:
    return [*(fmt.title(col, convention) for col in TABLE), column("formula").title, column("uncounted_ops").title]


def _layer_row(layer: Layer, convention: str) -> list[str]:
    cells = [fmt.table_cell(layer, col, convention) for col in TABLE]
    return [*(_md(c) for c in cells), _md(_derivation(layer)), _md(fmt.ops_text(layer.uncounted_ops))]


def _claim_row(verdict: Verdict) -> list[str]:
    claim = verdict.claim
    status = f"**{verdict.status}**" if verdict.status != "holds" else verdict.status
    return [
        _md(claim.id),
        _md(claim.source),
        _md(fmt.says(verdict)),
        _md(fmt.value(claim.expected)),
        _md(fmt.value(verdict.measured)),
        status,
        _md(verdict.explanation),
    ]


def to_markdown(report: Report) -> str:
    """The report as Markdown: totals at a glance, the per-layer table with derivations, the claims."""
    spec, analysis = report.spec, report.analysis
    t = analysis.totals
    paper = spec.citation
    lines = [f"# {_md(analysis.network)}", ""]
    if spec.summary:
        lines += [_md(spec.summary), ""]
    if paper:
        lines += [f"Paper: {_md(paper)}", ""]
    lines += [*(f"Note: {_md(note)}\n" for note in analysis.notes), "## At a glance", ""]
    uncounted = fmt.ops_text(analysis.uncounted_ops) or "nothing"
    lines += [
        f"- **input** {fmt.shape(analysis.input_shape)} ({fmt.num(t.input_units)} units per sample), "
        f"device {_md(analysis.device)}; all counts are per sample",
        f"- **output** {fmt.sample_shape(analysis.output_shape)}",
        f"- **depth** {t.depth} weighted layers on the longest path",
        f"- **params** {fmt.params_headline(report)} ({fmt.params_detail(t)})",
        f"- **connections** {fmt.num(t.connections)}",
        f"- **neurons** {fmt.num(t.neurons)} without the input, {fmt.num(t.neurons_with_input)} with it",
        f"- **MACs** {fmt.num(t.fvcore_macs)}",
        f"- **FLOPs** {fmt.num(t.flops)} (2 per multiply-add of the weighted layers)",
        f"- **not counted** (in neither MACs nor FLOPs): {_md(uncounted)}",
    ]
    lines += [f"- note: {_md(note)}" for note in analysis.notes]
    lines += ["", "## Layers", ""]
    rows = [_layer_row(layer, report.convention) for layer in analysis.layers]
    lines += pipe_table(_md_headers(report.convention), rows, _MD_RIGHT)
    lines += ["", "## Claims", ""]
    note = fmt.claims_note(report)
    if note:
        lines.append(_md(fmt.sentence(note)))
    else:
        claim_headers = ["id", "source", "the source says", "expected", "measured", "verdict", "note"]
        claim_right = [False, False, False, True, True, False, False]
        lines += pipe_table(claim_headers, [_claim_row(v) for v in report.verdicts], claim_right)
    lines += ["", "## Definitions", ""]
    lines += [f"- **{name.replace('_', ' ')}**: {_md(text)}" for name, text in DEFINITIONS.items()]
    return "\n".join(lines) + "\n"
