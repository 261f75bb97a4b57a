"""A report as one self-contained HTML handout that prints on A4."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archstats import conventions
from archstats.columns import TABLE, column
from archstats.render import _format as fmt
from archstats.render.page import authors, environment, title

if TYPE_CHECKING:
    from archstats.analysis import Analysis, Layer
    from archstats.handout_inputs import HandoutInputs
    from archstats.ledger import Verdict
    from archstats.render.hierarchy import Block, Item, Run
    from archstats.render.sections.base import Section
    from archstats.zoo import Report

TEMPLATE = "handout.html.j2"

_DEFINITION_TITLES = {
    "params": "Parameters",
    "buffers": "Buffers",
    "inference_params": "Parameters at inference",
    "neurons": "Neurons",
    "connections": "Connections",
    "macs": "MACs",
    "flops": "FLOPs",
    "receptive_field": "Receptive field",
    "depth": "Depth",
    "uncounted_ops": "Not counted",
}


def _count(value: int) -> str:
    return fmt.num(value) if value else "–"


def _derivation(layer: Layer, key: str) -> str:
    """A layer's derivation of one figure, when it says more than the figure itself."""
    text = layer.formulas.get(key, "")
    return text if " = " in text else ""


def _short_ops(ops: Mapping[str, int]) -> str:
    """Uncounted ops without the ``aten::`` namespace, for a narrow cell (the ledger of ops has it)."""
    short: dict[str, int] = {}
    for op, n in ops.items():
        name = op.removeprefix("aten::")
        short[name] = short.get(name, 0) + n
    return fmt.ops_text(short)


def _jump(layer: Layer) -> str:
    """The effective stride: ``4`` when it is the same along every dimension."""
    if not layer.jump:
        return ""
    return str(layer.jump[0]) if len(set(layer.jump)) == 1 else fmt.shape(layer.jump)


def _cost(layer: Layer, convention: str) -> tuple[str, str]:
    """A layer's cost cell under ``convention`` and its derivation (fvcore's, shown where it is the same figure)."""
    value = conventions.of_layer(layer, convention)
    return _count(value), _derivation(layer, fmt.COST) if value == layer.fvcore_macs else ""


def _layer(layer: Layer, convention: str) -> dict[str, Any]:
    notes = [f"{fmt.num(layer.frozen_params)} frozen"] if layer.frozen_params else []
    if layer.buffers:
        notes.append(f"+{fmt.num(layer.buffers)} in buffers")
    params_note = ", ".join(notes)
    counts = [col for col in TABLE if col.format == "count" and col.key != fmt.COST]
    return {
        "index": layer.index,
        "name": layer.name,
        "type": layer.type,
        "called": layer.called,
        "calls": layer.calls,
        "weighted": layer.weighted,
        "output": fmt.sample_shape(layer.output_shape),
        "output_formula": _derivation(layer, "output"),
        # The printed table's counts by their keys (params, connections, neurons), each with its derivation,
        # and the cost column (key macs) under the convention picked.
        **{col.key: _count(col.value(layer)) for col in counts},
        **{f"{col.key}_formula": _derivation(layer, col.key) for col in counts},
        **dict(zip((fmt.COST, f"{fmt.COST}_formula"), _cost(layer, convention))),
        "params_note": params_note,
        "rf": fmt.receptive_field(layer),
        "jump": _jump(layer),
        "uncounted": _short_ops(layer.uncounted_ops),
    }


def _claim(verdict: Verdict) -> dict[str, Any]:
    claim = verdict.claim
    return {
        "id": claim.id,
        "source": claim.source,
        "says": fmt.says(verdict),
        "unit": claim.unit,
        "measure": claim.measure,
        "expected": fmt.value(claim.expected),
        "measured": fmt.value(verdict.measured),
        "status": verdict.status,
        "css": fmt.status_class(verdict.status),
        "explanation": verdict.explanation,
        "ok": verdict.ok,
        "erratum": claim.kind == "erratum",
        "must_hold": claim.must_hold,
    }


def _where(names: Sequence[str], most: int = 8) -> str:
    """Layers by name, or past ``most`` of them, how many under each top-level module."""
    if len(names) <= most:
        return ", ".join(names)
    tops: dict[str, int] = {}
    for name in names:
        top = name.split(".")[0]
        tops[top] = tops.get(top, 0) + 1
    return f"{fmt.num(len(names))} layers: " + ", ".join(f"{top} {fmt.TIMES}{n}" for top, n in tops.items())


def _uncounted(report: Report) -> list[dict[str, Any]]:
    """Each uncounted op, how often it ran and in which layers."""
    where: dict[str, list[str]] = {}
    for layer in report.analysis.layers:
        for op in layer.uncounted_ops:
            where.setdefault(op, []).append(layer.name)
    ops = sorted(report.analysis.uncounted_ops.items(), key=lambda item: (-item[1], item[0]))
    return [{"op": op, "count": fmt.num(n), "layers": _where(where.get(op, []))} for op, n in ops]


# The handout opens the module hierarchy down to the deepest level at which the layer
# table shows at most this many rows; deeper blocks are one row each, with their totals.
ROW_BUDGET = 90


def _percent(part: int, whole: int) -> str:
    """``96.2%``; a share too small to show at one decimal is ``<0.1%``."""
    if not whole:
        return "–"
    share = 100.0 * part / whole
    return "<0.1%" if 0 < share < 0.05 else f"{share:.1f}%"


def _names(names: Sequence[str], most: int = 4) -> str:
    return ", ".join(names) if len(names) <= most else f"{', '.join(names[:2])} … {names[-1]}"


def _kinds(analysis: Analysis) -> dict[str, Any]:
    """Where the parameters and the MACs go, by layer type, with the sentences that say it."""
    t = analysis.totals
    kinds: dict[str, list[Layer]] = {}
    for layer in analysis.layers:
        if layer.params or layer.fvcore_macs:
            kinds.setdefault(layer.type, []).append(layer)
    ranked = sorted(
        kinds.items(), key=lambda kv: (-sum(r.params for r in kv[1]), -sum(r.fvcore_macs for r in kv[1]), kv[0])
    )
    rows = []
    for kind, layers in ranked:
        params, macs = sum(r.params for r in layers), sum(r.fvcore_macs for r in layers)
        rows.append(
            {
                "type": kind,
                "layers": fmt.num(len(layers)),
                "names": _names([r.name for r in layers]),
                "params": fmt.num(params),
                "params_share": _percent(params, t.params),
                "macs": fmt.num(macs),
                "macs_share": _percent(macs, t.fvcore_macs),
            }
        )

    def sentence(kind: str, layers: list[Layer], lead: str) -> str:
        n = len(layers)
        who = f"The {kind} layer {layers[0].name}" if n == 1 else f"The {n} {kind} layers"
        if 1 < n <= 4:
            who += f" ({_names([r.name for r in layers])})"
        hold, do = ("holds", "does") if n == 1 else ("hold", "do")
        params = _percent(sum(r.params for r in layers), t.params)
        macs = _percent(sum(r.fvcore_macs for r in layers), t.fvcore_macs)
        if lead == "params":
            return f"{who} {hold} {params} of the parameters and {do} {macs} of the MACs."
        return f"{who} {do} {macs} of the MACs with {params} of the parameters."

    sentences = []
    if ranked and t.params:
        sentences.append(sentence(ranked[0][0], ranked[0][1], "params"))
    if ranked and t.fvcore_macs:
        top_macs = max(ranked, key=lambda kv: (sum(r.fvcore_macs for r in kv[1]), -ranked.index(kv)))
        if top_macs[0] != ranked[0][0]:
            sentences.append(sentence(top_macs[0], top_macs[1], "macs"))
    return {"rows": rows, "sentences": sentences}


def _growth(analysis: Analysis) -> str:
    """How the receptive field grows, in one or two sentences from the traced fields."""
    seen = [r for r in analysis.layers if r.receptive_field and not r.rf_global and r.depth is not None]
    if not seen:
        return ""
    first = seen[0]
    widest = max(seen, key=lambda r: (max(r.receptive_field or (0,)), -r.index))
    spatial = analysis.input_shape[2:]
    text = (
        f"The receptive field grows from {fmt.receptive_field(first)} at {first.name} (depth {first.depth}) "
        f"to {fmt.receptive_field(widest)} at {widest.name} (depth {widest.depth})"
    )
    if spatial:
        text += f", on an input of {fmt.shape(spatial)}"
    text += "."
    whole = next((r for r in analysis.layers if r.rf_global), None)
    if whole is not None:
        text += f" From {whole.name} on, every unit sees the whole input."
    return text


def _never_ran(analysis: Analysis) -> str:
    """What the layers that never ran hold, which the cumulative shares leave out."""
    idle = [r for r in analysis.layers if not r.called and r.params]
    if not idle:
        return ""
    params = sum(r.params for r in idle)
    tops = list(dict.fromkeys(r.name.split(".")[0] for r in idle))
    return (
        f"{_names(tops)} never ran in this mode and hold {fmt.num(params)} parameters, "
        f"{_percent(params, analysis.totals.params)} of the total: the cumulative share of the parameters stops "
        f"at {_percent(analysis.totals.params - params, analysis.totals.params)}."
    )


def _summary(item: Block | Run, level: int, convention: str) -> dict[str, Any]:
    """The row of a block or a run: what it is and its totals, summed from its rows (the cost under ``convention``)."""
    from archstats.render.hierarchy import Run, sums

    total = sums(item.layers)
    cost = conventions.total(item.layers, convention)
    out = item.output
    ran = any(layer.called for layer in item.layers)
    row: dict[str, Any] = {
        "depth": item.depth,
        # A module that never ran (an auxiliary head in eval mode) stays folded: its row says so.
        "open": item.depth < level and ran,
        "ran": ran,
        "output": fmt.sample_shape(out.output_shape),
        "rf": fmt.receptive_field(out),
        "jump": _jump(out),
        "params": _count(total.params),
        "params_note": f"+{fmt.num(total.buffers)} in buffers" if total.buffers else "",
        "connections": _count(total.connections),
        "neurons": _count(total.neurons),
        "macs": _count(cost),
        "params_formula": "",
        "connections_formula": "",
        "neurons_formula": "",
        "macs_formula": "",
    }
    if isinstance(item, Run):
        first, last, n = item.blocks[0], item.blocks[-1], len(item.blocks)
        each = sums(first.layers)
        row.update(
            kind="run",
            name=f"{first.name} … {last.name}",
            type=first.type,
            what=f"{n} identical blocks, {fmt.num(each.layers)} layers each",
            hint=f"The layers of {first.name}; {item.blocks[1].name}"
            + (f" … {last.name} repeat" if n > 2 else " repeats")
            + f" them with the same counts (receptive fields grow to {fmt.receptive_field(last.output)} at {last.name}).",
        )
        for key, one, all_ in (
            *((key, getattr(each, key), getattr(total, key)) for key in ("params", "connections", "neurons")),
            (fmt.COST, conventions.total(first.layers, convention), cost),
        ):
            if one and one * n == all_:
                row[f"{key}_formula"] = f"{n}{fmt.TIMES}{fmt.num(one)} = {fmt.num(all_)}"
        row["parts"] = _parts(first.items, level, convention, item.depth + 1)
    else:
        row.update(
            kind="block",
            name=item.name,
            type=item.type,
            what=f"{fmt.num(total.layers)} layers, "
            + (f"{fmt.num(total.weighted)} weighted" if ran else "never called: params counted, no activity"),
            hint="",
        )
        row["parts"] = _parts(item.items, level, convention, item.depth + 1)
    return row


def _parts(items: Sequence[Item], level: int, convention: str, depth: int = 0) -> list[dict[str, Any]]:
    """Items as the template lays them out: consecutive rows as one table, each block or run as a fold."""
    from archstats.render.hierarchy import Block, Run

    parts: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, (Block, Run)):
            parts.append({"fold": _summary(item, level, convention), "rows": []})
        elif parts and parts[-1]["rows"]:
            parts[-1]["rows"].append({**_layer(item, convention), "depth": depth})
        else:
            parts.append({"fold": None, "rows": [{**_layer(item, convention), "depth": depth}]})
    return parts


def _hierarchy(report: Report, module_types: Mapping[str, str]) -> dict[str, Any]:
    """The layer table as the module hierarchy, opened as deep as :data:`ROW_BUDGET` allows."""
    from archstats.render.hierarchy import Run as RunType
    from archstats.render.hierarchy import depth_of, open_level, outline, rows_shown, walk

    analysis = report.analysis
    items = outline(analysis.layers, module_types)
    level = open_level(items, ROW_BUDGET)
    runs: list[RunType] = []
    walk(items, lambda item: runs.append(item) if isinstance(item, RunType) else None)
    folded = sum(len(r.blocks) - 1 for r in runs)
    return {
        "parts": _parts(items, level, report.convention),
        "levels": depth_of(items),
        "level": level,
        "shown": rows_shown(items, level),
        "runs": len(runs),
        "repeated_blocks": folded,
    }


def _glance(report: Report) -> list[tuple[str, str, str]]:
    """The at-a-glance rows: label, value, note."""
    spec, analysis = report.spec, report.analysis
    t = analysis.totals
    return [
        ("input", fmt.shape(analysis.input_shape), f"batch first; {fmt.num(t.input_units)} units per sample"),
        ("output", fmt.sample_shape(analysis.output_shape), "per sample"),
        ("depth", str(t.depth), "weighted layers on the longest path"),
        ("parameters", fmt.params_headline(report), fmt.params_detail(t)),
        ("connections", fmt.num(t.connections), "fan-in plus bias, per sample"),
        (
            "neurons",
            fmt.num(t.neurons),
            f"without the input; {fmt.num(t.neurons_with_input)} with its {fmt.num(t.input_units)} units",
        ),
        ("MACs", fmt.num(t.fvcore_macs), "multiply-accumulates per sample, fvcore's convention"),
        ("FLOPs", fmt.num(t.flops), "2 per multiply-add of the weighted layers"),
        ("paper", f"{authors(spec.paper)} {spec.year}" if spec.paper else "—", title(spec.paper) or spec.summary),
        ("device", analysis.device, "where the network was traced"),
    ]


def _cost_note(convention: str) -> str:
    """What the layer table's cost column counts when ``--convention`` picked other than fvcore's MACs."""
    if convention == conventions.DEFAULT:
        return ""
    chosen = conventions.get(convention)
    return (
        f"The {chosen.column} column counts under the {chosen.name} convention ({chosen.summary}), with a "
        "derivation where the figure is fvcore's too; the figures and the layer types above keep fvcore's MACs."
    )


def _figures(report: Report, inputs: HandoutInputs) -> tuple[str, str, list[Section]]:
    """The per-layer and depth figures and the family sections, each glyph defined once in the page."""
    from archstats.render.charts.layers import depth_svg, per_layer_svg
    from archstats.render.charts.svg import share_definitions
    from archstats.render.sections.families import sections

    analysis = report.analysis
    found = sections(report, inputs)
    # In page order: the first figure that needs a glyph defines it for the others.
    figure, depth_figure, *drawings = share_definitions(
        [per_layer_svg(analysis), depth_svg(analysis), *(s.figure for s in found)]
    )
    return figure, depth_figure, [dataclasses.replace(s, figure=d) for s, d in zip(found, drawings)]


def context(report: Report, inputs: HandoutInputs) -> dict[str, Any]:
    """The values the handout template shows, every number already formatted.

    Args:
        report: a traced network with its verdicts.
        inputs: what the page shows besides the report (module types, the sections' buffers
            and compared networks, the training record), from :func:`archstats.handout_inputs.gather`.

    Returns:
        The template's variables.
    """
    from archstats import __version__
    from archstats.columns import DEFINITIONS
    from archstats.render import reconcile
    from archstats.render.sections import training as training_section

    spec, analysis = report.spec, report.analysis
    figure, depth_figure, sections = _figures(report, inputs)
    return {
        "network": analysis.network,
        "summary": spec.summary,
        "paper": spec.citation,
        "year": spec.year,
        "glance": _glance(report),
        "uncounted_total": fmt.ops_text(analysis.uncounted_ops),
        "definitions": [(_DEFINITION_TITLES.get(k, k.replace("_", " ")), v) for k, v in DEFINITIONS.items()],
        "figure": figure,
        "depth_figure": depth_figure,
        "kinds": _kinds(analysis),
        "conventions": reconcile.rows(report),
        "conventions_unpriced": reconcile.unpriced(report),
        "growth": _growth(analysis),
        "never_ran": _never_ran(analysis),
        "hierarchy": _hierarchy(report, inputs.module_types),
        "row_budget": ROW_BUDGET,
        "total": {"output": fmt.sample_shape(analysis.output_shape)}
        | {col.key: fmt.table_total(analysis, col, report.convention) for col in TABLE if col.total},
        "cost_title": fmt.title(column(fmt.COST), report.convention),
        "cost_note": _cost_note(report.convention),
        "specials": sections,
        "uncounted": _uncounted(report),
        "notes": list(analysis.notes),
        "claims": [_claim(v) for v in report.verdicts],
        "claims_note": fmt.sentence(fmt.claims_note(report)),
        "tally": fmt.tally(report.verdicts),
        "training": training_section.handout(inputs.training) if inputs.training is not None else "",
        "version": __version__,
    }


def render(report: Report, inputs: HandoutInputs) -> str:
    """The report as one self-contained HTML page: inline CSS and SVG, no scripts, no URLs.

    Args:
        report: a traced network with its verdicts.
        inputs: what the page shows besides the report (see :func:`context`).

    Returns:
        The page; the same report gives the same bytes.
    """
    return environment().get_template(TEMPLATE).render(**context(report, inputs))
