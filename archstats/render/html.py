"""A report as one self-contained HTML handout that prints on A4."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from archstats.render import _format as fmt

if TYPE_CHECKING:
    from jinja2 import Environment

    from archstats.analysis import Layer
    from archstats.ledger import Verdict
    from archstats.zoo import Report

TEMPLATE = "handout.html.j2"

_DEFINITION_TITLES = {
    "params": "Parameters",
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


def _layer(layer: Layer) -> dict[str, Any]:
    params_note = ""
    if layer.fixed_params:
        params_note = "fixed" if not layer.trainable_params else f"{fmt.num(layer.fixed_params)} fixed"
    return {
        "index": layer.index,
        "name": layer.name,
        "type": layer.type,
        "called": layer.called,
        "calls": layer.calls,
        "weighted": layer.weighted,
        "output": fmt.sample_shape(layer.output_shape),
        "output_formula": _derivation(layer, "output"),
        "params": _count(layer.params),
        "params_note": params_note,
        "params_formula": _derivation(layer, "params"),
        "connections": _count(layer.connections),
        "connections_formula": _derivation(layer, "connections"),
        "neurons": _count(layer.neurons),
        "neurons_formula": _derivation(layer, "neurons"),
        "macs": _count(layer.macs),
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


def _uncounted(report: Report) -> list[dict[str, Any]]:
    """Each uncounted op, how often it ran and in which layers."""
    where: dict[str, list[str]] = {}
    for layer in report.analysis.layers:
        for op in layer.uncounted_ops:
            where.setdefault(op, []).append(layer.name)
    ops = sorted(report.analysis.uncounted_ops.items(), key=lambda item: (-item[1], item[0]))
    return [{"op": op, "count": fmt.num(n), "layers": ", ".join(where.get(op, []))} for op, n in ops]


def context(report: Report) -> dict[str, Any]:
    """The values the handout template shows, every number already formatted."""
    from archstats import __version__
    from archstats.analysis import DEFINITIONS
    from archstats.render.figures import params_macs_svg

    spec, analysis = report.spec, report.analysis
    t = analysis.totals
    paper = spec.citation
    glance = [
        ("input", fmt.shape(analysis.input_shape), f"batch first; {fmt.num(t.input_units)} units per sample"),
        ("output", fmt.sample_shape(analysis.output_shape), "per sample"),
        ("depth", str(t.depth), "weighted layers on the longest path"),
        (
            "parameters",
            fmt.num(t.params),
            f"trainable {fmt.num(t.trainable_params)}, fixed {fmt.num(t.fixed_params)}",
        ),
        ("connections", fmt.num(t.connections), "fan-in plus bias, per sample"),
        (
            "neurons",
            fmt.num(t.neurons),
            f"without the input; {fmt.num(t.neurons_with_input)} with its {fmt.num(t.input_units)} units",
        ),
        ("MACs", fmt.num(t.macs), "multiply-accumulates per sample"),
        ("FLOPs", fmt.num(t.flops), "2 × MACs"),
        ("device", analysis.device, "where the network was traced"),
    ]
    return {
        "network": analysis.network,
        "summary": spec.summary,
        "paper": paper,
        "year": spec.year,
        "glance": glance,
        "uncounted_total": fmt.ops_text(analysis.uncounted_ops),
        "definitions": [(_DEFINITION_TITLES.get(k, k.replace("_", " ")), v) for k, v in DEFINITIONS.items()],
        "figure": params_macs_svg(analysis),
        "layers": [_layer(layer) for layer in analysis.layers],
        "total": {
            "output": fmt.sample_shape(analysis.output_shape),
            "params": fmt.num(t.params),
            "connections": fmt.num(t.connections),
            "neurons": fmt.num(t.neurons),
            "macs": fmt.num(t.macs),
        },
        "uncounted": _uncounted(report),
        "notes": list(analysis.notes),
        "claims": [_claim(v) for v in report.verdicts],
        "claims_note": fmt.sentence(fmt.claims_note(report)),
        "tally": fmt.tally(report.verdicts),
        "version": __version__,
    }


def render(report: Report) -> str:
    """The report as one self-contained HTML page: inline CSS and SVG, no scripts, no URLs.

    Args:
        report: a traced zoo network with its verdicts.

    Returns:
        The page; the same report gives the same bytes.
    """
    return environment().get_template(TEMPLATE).render(**context(report))


def environment() -> Environment:
    """The Jinja environment of every archstats page: this package's templates, autoescaped, strict."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("archstats", "render/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
