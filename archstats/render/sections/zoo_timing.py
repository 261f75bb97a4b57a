"""The zoo timed on one device: its page with the two figures, Canziani et al.'s claims and one row per network."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archstats.render.charts.svg import share_definitions
from archstats.render.charts.zoo_time import accuracy_svg, time_svg

TEMPLATE = "profile_index.html.j2"


def _count(value: int) -> str:
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:,.2f} {suffix}"
    return f"{value:,}"


def _claim(claim: Mapping[str, Any]) -> dict[str, str]:
    measured = claim["measured"]
    return {
        "id": claim["id"],
        "quote": claim["quote"],
        "source": claim["source"],
        "measure": claim["measure"],
        "expected": str(claim["expected"]),
        "measured": f"{measured:.3f}" if isinstance(measured, float) else "–",
        "verdict": claim["verdict"],
        "css": {"holds": "holds", "does not hold": "fails"}.get(claim["verdict"], "not-checkable"),
        "note": claim["note"],
    }


def _network(r: Mapping[str, Any]) -> dict[str, str]:
    return {
        "name": r["network"],
        "href": f"{r['network']}.profile.html",
        "input": "×".join(str(d) for d in r["input_shape"]),
        "params": _count(r["params"]),
        "madds": _count(r["multiply_adds"]),
        "time": f"{r['forward_s'] * 1e3:,.2f} ms",
        "top1": f"{r['top1']:g}" if r["top1"] is not None else "",
        "top5": f"{r['top5']:g}" if r["top5"] is not None else "",
        "source": r["accuracy_source"] or "",
        "protocol": r["accuracy_protocol"] or "",
        "note": r["accuracy_note"] or "",
    }


def context(zoo: Mapping[str, Any]) -> dict[str, Any]:
    """The page's variables from the zoo's JSON (``archstats.profile_zoo.zoo_data``), every number formatted."""
    m = zoo["machine"]
    device = f"{m['name']} ({m['threads']} threads)"
    figures = share_definitions([accuracy_svg(zoo["networks"]), time_svg(zoo["networks"], device)])
    return {
        "device": device,
        "count": len(zoo["networks"]),
        "accuracy_figure": figures[0],
        "time_figure": figures[1],
        "claims": [_claim(c) for c in zoo["claims"]],
        "networks": [_network(r) for r in zoo["networks"]],
    }


def page(zoo: Mapping[str, Any]) -> str:
    """The zoo's time page: self-contained HTML, inline CSS and SVG.

    Args:
        zoo: the zoo's JSON (``archstats.profile_zoo.zoo_data``).

    Returns:
        The HTML.
    """
    from archstats.render.page import environment

    return environment().get_template(TEMPLATE).render(**context(zoo))
