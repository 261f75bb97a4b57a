"""Text helpers shared by the renderers: numbers, shapes, receptive fields, verdicts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from archstats import conventions

if TYPE_CHECKING:
    from archstats.analysis import Analysis, Layer, Totals
    from archstats.columns import Column
    from archstats.ledger import Value, Verdict
    from archstats.zoo import Report

TIMES = "×"

# Verdict status -> CSS class; a status not listed gets a slug of its own words.
STATUS_CLASSES: Mapping[str, str] = {
    "holds": "holds",
    "holds under convention": "holds-convention",
    "does not hold": "fails",
    "erratum": "erratum",
    "erratum not reproduced": "erratum-not-reproduced",
    "not checkable by counting": "not-checkable",
}


def num(value: int) -> str:
    """An integer with thousands separators: ``60,965,224``."""
    return f"{value:,}"


def shape(dims: Sequence[int] | None) -> str:
    """A shape as ``96×55×55`` (empty for none)."""
    return TIMES.join(str(d) for d in dims) if dims else ""


def sample_shape(dims: Sequence[int] | None) -> str:
    """A batch-first shape per sample: ``(1, 96, 55, 55)`` as ``96×55×55``."""
    return shape(dims[1:]) if dims else ""


def receptive_field(layer: Layer) -> str:
    """``11×11``, ``all`` when its units see the whole input, empty when it has none."""
    if layer.rf_global:
        return "all"
    return shape(layer.receptive_field)


def cell(layer: Layer, column: Column, zero: str | None = None) -> str:
    """A layer's cell of a printed table, by the column's format.

    Counts with thousands separators (``zero`` in place of a 0 where given), a shape per
    sample (``not called`` for a layer that never ran), the receptive field, text as it is.
    """
    value = column.value(layer)
    if column.format == "count":
        if value is None:
            return ""
        return zero if zero is not None and not value else num(value)
    if column.format == "shape":
        return sample_shape(value) if layer.called else "not called"
    if column.format == "field":
        return receptive_field(layer)
    return str(value)


# The printed tables' cost column: ``--convention`` picks what it counts (fvcore's MACs by default).
COST = "macs"


def title(column: Column, convention: str) -> str:
    """A printed table's heading of ``column``: the cost column's names the convention."""
    return conventions.get(convention).column if column.key == COST else column.title


def table_cell(layer: Layer, column: Column, convention: str, zero: str | None = None) -> str:
    """As :func:`cell`, the cost column's figure counted under ``convention``."""
    if column.key != COST:
        return cell(layer, column, zero)
    value = conventions.of_layer(layer, convention)
    return zero if zero is not None and not value else num(value)


def table_total(analysis: Analysis, column: Column, convention: str) -> str:
    """As :func:`total_cell`, the cost column's total counted under ``convention``."""
    if column.key != COST:
        return total_cell(analysis, column)
    return num(conventions.total(analysis.layers, convention))


def total_cell(analysis: Analysis, column: Column) -> str:
    """A cell of a printed table's totals row: ``total`` under the names, the network's output, its totals."""
    if column.key == "name":
        return "total"
    if column.key == "output_shape":
        return sample_shape(analysis.output_shape)
    if column.total:
        return num(column.total_value(analysis.totals))
    return ""


def never_ran(report: Report) -> str:
    """What the parameters left out at inference belong to: ``the auxiliary heads`` when the spec names them."""
    idle = {layer.name.split(".")[0] for layer in report.analysis.layers if not layer.called and layer.params}
    if idle and idle <= set(report.spec.auxiliary):
        return "the auxiliary head" if len(idle) == 1 else "the auxiliary heads"
    return "the modules that never ran"


def params_headline(report: Report) -> str:
    """The params figure a reader quotes: ``6,998,552 at inference · 13,378,280 with the auxiliary heads``.

    Both figures where some modules never ran in an eval-mode trace, else the one total.
    """
    t = report.analysis.totals
    if t.inference_params is None or t.inference_params == t.params:
        return num(t.params)
    return f"{num(t.inference_params)} at inference · {num(t.params)} with {never_ran(report)}"


def params_detail(t: Totals) -> str:
    """Trainable and frozen parameters, then the buffers kept apart: ``trainable 60,000; buffers 840``."""
    frozen = f", frozen {num(t.frozen_params)}" if t.frozen_params else ""
    return f"trainable {num(t.trainable_params)}{frozen}; buffers {num(t.buffers)}, not in params"


def ops_text(ops: Mapping[str, int]) -> str:
    """Uncounted ops, most frequent first: ``aten::relu_ ×7, aten::max_pool2d ×3``."""
    ordered = sorted(ops.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{op} {TIMES}{n}" for op, n in ordered)


def value(value: Value | None) -> str:
    """A claimed or measured value for display: ints with separators, ``—`` for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return num(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1e4:
            return f"{value:,.0f}"
        return f"{value:,.6g}"
    return value


def quantity(verdict: Verdict) -> str:
    """What a claim counts: its unit, else its measure expression."""
    return verdict.claim.unit or verdict.claim.measure


def tally(verdicts: Sequence[Verdict]) -> list[tuple[str, int]]:
    """How many verdicts have each status, the known statuses in their usual order first."""
    counts = Counter(v.status for v in verdicts)
    order = [*STATUS_CLASSES, *sorted(set(counts) - set(STATUS_CLASSES))]
    return [(status, counts[status]) for status in order if counts[status]]


def says(verdict: Verdict) -> str:
    """What the source says: its words, and its formula where the words do not already hold it."""
    claim = verdict.claim
    formula = claim.formula.strip()
    if not formula or formula.split(" = ")[0].strip() in claim.quote:
        return claim.quote
    return f"{claim.quote} ({formula})"


def status_class(status: str) -> str:
    """The CSS class of a verdict status (``holds-convention``, ``erratum`` ...)."""
    return STATUS_CLASSES.get(status) or re.sub(r"[^a-z0-9]+", "-", status.lower()).strip("-")


def sentence(text: str) -> str:
    """``claims were not judged`` as ``Claims were not judged.`` (empty stays empty)."""
    if not text:
        return ""
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def claims_note(report: Report) -> str:
    """Why a report has no verdicts (empty when it has some)."""
    if report.verdicts:
        return ""
    default = report.spec.input_shape
    if tuple(report.analysis.input_shape[1:]) != tuple(default[1:]):
        return f"claims are stated for the default input {shape(default)} and were not judged"
    return "no published figures are recorded for this network"
