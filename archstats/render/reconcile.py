"""The handout's table of the counting conventions: each total, and why it differs from the one above."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archstats import conventions
from archstats.render import _format as fmt

if TYPE_CHECKING:
    from archstats.zoo import Report


def _signed(n: int) -> str:
    return ("+" if n >= 0 else "−") + fmt.num(abs(n))


def rows(report: Report) -> list[dict[str, Any]]:
    """One row per convention, in order, every number formatted."""
    out: list[dict[str, Any]] = []
    for step in conventions.reconcile(report.analysis):
        c = step.convention
        out.append(
            {
                "name": c.name,
                "chosen": c.name == report.convention,  # the layer table's cost column
                "column": c.column,
                "value": fmt.num(step.value),
                "unit": c.unit,
                "difference": "" if step.difference is None else _signed(step.difference),
                "summary": c.summary,
                "parts": [(words, _signed(n)) for words, n in step.parts if n],
                "lead": step.lead,
                "sources": c.sources,
            }
        )
    return out


def unpriced(report: Report) -> str:
    """Functions that ran with no elementwise rule, as ``name ×calls``, or ``""``."""
    found = conventions.unpriced(report.analysis)
    return fmt.ops_text(found) if found else ""
