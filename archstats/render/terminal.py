"""A report as a fixed-width table for a terminal."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archstats import conventions
from archstats.columns import TABLE
from archstats.render import _format as fmt

if TYPE_CHECKING:
    from archstats.analysis import Analysis, Layer
    from archstats.zoo import Report

_RIGHT = tuple(col.format == "count" for col in TABLE)
_GAP = "  "
_INDENT = "    "
_MIN_WIDTH = 60
_CLAIM_LINES = 3  # the rest of a long explanation is in the HTML and JSON


def _row(layer: Layer, convention: str) -> tuple[str, ...]:
    # A dash reads faster than a column of zeros on activations and pooling.
    return tuple(fmt.table_cell(layer, col, convention, zero="–") for col in TABLE)


def _total_row(analysis: Analysis, convention: str) -> tuple[str, ...]:
    return tuple(fmt.table_total(analysis, col, convention) for col in TABLE)


def _headers(convention: str) -> tuple[str, ...]:
    return tuple(fmt.title(col, convention) for col in TABLE)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    parts = [cell.rjust(w) if right else cell.ljust(w) for right, cell, w in zip(_RIGHT, cells, widths)]
    return _GAP.join(parts).rstrip()


def _wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + "  " if subsequent is None else subsequent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def _derivation(layer: Layer, width: int) -> list[str]:
    """The params and connections derivations of a layer, under its row."""
    params = layer.formulas.get("params")
    connections = layer.formulas.get("connections")
    if params and params == connections:
        return _wrap(f"params = connections = {params}", width, _INDENT)
    parts = [f"{label} {text}" for label, text in (("params", params), ("connections", connections)) if text]
    if not parts:
        return []
    one_line = _INDENT + " · ".join(parts)
    if len(one_line) <= width:
        return [one_line]
    return [line for part in parts for line in _wrap(part, width, _INDENT)]


def _header(report: Report, width: int) -> list[str]:
    spec, analysis = report.spec, report.analysis
    title = f"{analysis.network} · {spec.summary}" if spec.summary else analysis.network
    paper = spec.citation
    return [
        *_wrap(title, width, subsequent="  "),
        *(_wrap(f"paper   {paper}", width, subsequent=" " * 8) if paper else []),
        *_wrap(f"input   {fmt.shape(analysis.input_shape)} on {analysis.device}; counts are per sample", width),
    ]


def _items(prefix: str, items: Sequence[str], width: int) -> list[str]:
    """``prefix item, item, ...`` broken between items only, continuation lines indented."""
    indent = " " * len(prefix)
    lines: list[str] = []
    current = prefix
    for i, item in enumerate(items):
        text = item + ("," if i < len(items) - 1 else "")
        if current.strip() and len(current) + 1 + len(text) > width and current != prefix:
            lines.append(current)
            current = indent + text
        else:
            current = f"{current} {text}" if current != prefix else prefix + text
    lines.append(current)
    return lines


def _totals(report: Report, width: int) -> list[str]:
    t = report.analysis.totals
    items = [
        f"params {fmt.params_headline(report)} ({fmt.params_detail(t)})",
        f"connections {fmt.num(t.connections)}",
        f"neurons {fmt.num(t.neurons)} ({fmt.num(t.neurons_with_input)} with the input)",
        f"MACs {fmt.num(t.fvcore_macs)} (fvcore)",
        f"FLOPs {fmt.num(t.flops)} (2 per multiply-add)",
        f"depth {t.depth}",
    ]
    return _items("Totals: ", items, width)


def _conventions(report: Report, width: int) -> list[str]:
    """The total under every convention, each with why it differs from the one above."""
    steps = conventions.reconcile(report.analysis)
    name_w = max(len(s.convention.name) for s in steps)
    value_w = max(len(f"{fmt.num(s.value)} {s.convention.unit}") for s in steps)
    lines = ["Cost under each convention (--convention NAME picks the cost column):"]
    for step in steps:
        mark = "*" if step.convention.name == report.convention else " "
        head = (
            f" {mark}{step.convention.name:<{name_w}}  {f'{fmt.num(step.value)} {step.convention.unit}':>{value_w}}  "
        )
        change = (
            ""
            if step.difference is None
            else f"{'+' if step.difference >= 0 else '−'}{fmt.num(abs(step.difference))}: "
        )
        lines += _wrap(change + step.reason, width, head, " " * len(head))
    return lines


def _claims(report: Report, width: int) -> list[str]:
    note = fmt.claims_note(report)
    if note:
        return _wrap(f"Claims: {note}.", width)
    verdicts = report.verdicts
    tally = [f"{status} {n}" for status, n in fmt.tally(verdicts)]
    tally[-1] += ")"
    lines = _items(f"Claims ({len(verdicts)}: ", tally, width)
    id_w = max(len(v.claim.id) for v in verdicts)
    status_w = max(len(v.status) for v in verdicts)
    prefix_w = 2 + id_w + 2 + status_w + 2
    for v in verdicts:
        head = f"  {v.claim.id:<{id_w}}  {v.status:<{status_w}}  "
        explanation = " ".join(v.explanation.split())
        if width - prefix_w < 30:
            lines.append(head.rstrip())
            head = _INDENT
        if explanation:
            wrapped = textwrap.wrap(
                explanation,
                width=width,
                initial_indent=head,
                subsequent_indent=" " * len(head),
                max_lines=_CLAIM_LINES,
                placeholder=" …",
                break_on_hyphens=False,
            )
            lines += wrapped
        else:
            lines.append(head.rstrip())
    return lines


def render(report: Report, width: int | None = None) -> str:
    """The report as a fixed-width table: header, one row per layer, totals, claims.

    Args:
        report: a traced zoo network with its verdicts.
        width: columns to wrap derivations and claims to (default: the terminal's, 120
            when there is none). The table itself is never cut.

    Returns:
        The text, ending in a newline.
    """
    if width is None:
        width = shutil.get_terminal_size((120, 24)).columns
    width = max(width, _MIN_WIDTH)
    analysis = report.analysis
    rows = [_row(layer, report.convention) for layer in analysis.layers]
    headers = _headers(report.convention)
    total_row = _total_row(analysis, report.convention)
    widths = [max(len(cells[i]) for cells in (headers, total_row, *rows)) for i in range(len(TABLE))]
    rule = "─" * (sum(widths) + len(_GAP) * (len(widths) - 1))

    lines = _header(report, width)
    lines += ["", _line(headers, widths), rule]
    for layer, cells in zip(analysis.layers, rows):
        lines.append(_line(cells, widths))
        lines += _derivation(layer, width)
    lines += [rule, _line(total_row, widths), ""]
    lines += _totals(report, width)
    lines += _conventions(report, width)
    if analysis.uncounted_ops:
        ops = fmt.ops_text(analysis.uncounted_ops).split(", ")
        lines += _items("Not counted in MACs or FLOPs (flops-all prices them): ", ops, width)
    else:
        lines.append("Not counted: nothing; every op was counted.")
    unpriced = conventions.unpriced(analysis)
    if unpriced:
        lines += _items("Not in flops-all (no rule for them): ", fmt.ops_text(unpriced).split(", "), width)
    for note in analysis.notes:
        lines += _wrap(f"Note: {note}", width)
    lines.append("")
    lines += _claims(report, width)
    return "\n".join(lines) + "\n"
