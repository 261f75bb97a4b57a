"""A report as data: a dict in the JSON contract's shape, JSON, CSV and Markdown."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from archstats.render import _format as fmt

if TYPE_CHECKING:
    from archstats.analysis import Layer
    from archstats.ledger import Verdict
    from archstats.zoo import Report

# Columns of the CSV whose TOTAL is a total of the network rather than a sum to leave blank.
_TOTAL_COLUMNS = ("params", "trainable_params", "buffers", "connections", "neurons", "macs", "flops", "depth")


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
    from archstats.analysis import as_dict

    data = as_dict(report.analysis)
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
    layers = analysis.dataframe()
    total: dict[str, Any] = dict.fromkeys(layers.columns, "")
    total.update(
        input_shape=fmt.shape(analysis.input_shape),
        output_shape=fmt.shape(analysis.output_shape),
        params=t.params,
        trainable_params=t.trainable_params,
        buffers=t.buffers,
        connections=t.connections,
        neurons=t.neurons,
        macs=t.fvcore_macs,
        flops=t.flops,
        depth=t.depth,
        uncounted_ops=", ".join(f"{op}×{n}" for op, n in analysis.uncounted_ops.items()),
    )
    table = pd.concat([layers, pd.DataFrame([total], index=pd.Index(["TOTAL"], name=layers.index.name))])
    for column in _TOTAL_COLUMNS:
        if column in table.columns:
            # Int64 keeps integers integers where a layer has no value (depth of an uncalled layer).
            table[column] = table[column].astype("Int64")
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


def _layer_row(layer: Layer) -> list[str]:
    output = fmt.sample_shape(layer.output_shape) if layer.called else "not called"
    return [
        _md(layer.name),
        _md(layer.type),
        _md(output),
        fmt.num(layer.params),
        fmt.num(layer.connections),
        fmt.num(layer.neurons),
        fmt.num(layer.fvcore_macs),
        fmt.receptive_field(layer),
        _md(_derivation(layer)),
        _md(fmt.ops_text(layer.uncounted_ops)),
    ]


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
    from archstats.analysis import DEFINITIONS

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
    headers = ["layer", "type", "output", "params", "connections", "neurons", "MACs", "RF", "derivation", "not counted"]
    right = [False, False, False, True, True, True, True, False, False, False]
    lines += pipe_table(headers, [_layer_row(layer) for layer in analysis.layers], right)
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
