"""The "Where the time goes" section and the page that holds it, from a finished profile (``timing.as_dict``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archstats.render.charts.roofline import roofline_svg, shares_svg
from archstats.render.charts.svg import share_definitions

TEMPLATE = "profile.html.j2"
# The table lists the slowest layers; the JSON has every one.
TABLE_ROWS = 20


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.3f} ms"


def _rate(value: float, unit: str) -> str:
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:,.1f} {prefix}{unit}"
    return f"{value:,.1f} {unit}"


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _row(r: Mapping[str, Any]) -> dict[str, str]:
    return {
        "name": r["name"],
        "type": r["type"],
        "time": f"{r['time_s'] * 1e3:,.3f}",
        "spread": f"{r['time_min_s'] * 1e3:,.3f}–{r['time_max_s'] * 1e3:,.3f}",
        "backward": f"{r['backward_s'] * 1e3:,.3f}" if r["backward_s"] is not None else "",
        "time_share": _pct(r["time_share"]),
        "macs_share": _pct(r["macs_share"]),
        "intensity": f"{r['arithmetic_intensity']:,.1f}",
        "attained": _rate(r["attained_flops"], "FLOP/s") if r["flops"] else "–",
        "roof": f"{100 * r['fraction_of_roof']:.0f}%",
        "bound": r["bound"],
    }


def _findings(data: Mapping[str, Any]) -> list[str]:
    """Sentences on where the time goes, each computed from the profile."""
    layers, whole, m = data["layers"], data["whole"], data["machine"]
    found = [
        f"The whole forward pass takes {_ms(whole['forward_s']['median'])} (median of {data['repeats']}; "
        f"{_ms(whole['forward_s']['min'])} to {_ms(whole['forward_s']['max'])}) on {m['name']} with "
        f"{m['threads']} torch threads: {_rate(whole['attained_flops'] or 0.0, 'FLOP/s')}, "
        f"{_pct((whole['attained_flops'] or 0.0) / m['peak_flops'])} of the measured peak.",
        f"The timed layers add up to {_ms(whole['layers_forward_sum_s'])}, "
        f"{_pct(whole['layers_over_whole'] or 0.0)} of the whole; timing layer by layer made the pass "
        f"×{whole['overhead'] or 0.0:.2f} as long.",
    ]
    memory = [r for r in layers if r["bound"] == "memory"]
    if memory:
        share = sum(r["time_share"] for r in memory)
        macs = sum(r["macs_share"] for r in memory)
        found.append(
            f"Layers left of the ridge ({m['ridge']:.1f} FLOP/byte), memory-bound, take {_pct(share)} of the "
            f"time for {_pct(macs)} of the multiply-adds."
        )
    slow = max(layers, key=lambda r: r["time_share"] - r["macs_share"], default=None)
    if slow is not None and slow["time_share"] > slow["macs_share"]:
        found.append(
            f"The layer whose share of the time most exceeds its share of the multiply-adds: {slow['name']} "
            f"({slow['type']}), {_pct(slow['time_share'])} of the time for {_pct(slow['macs_share'])} of them."
        )
    return found


def context(data: Mapping[str, Any]) -> dict[str, Any]:
    """The section's variables, every number formatted.

    Args:
        data: a profile as :func:`archstats.timing.as_dict` gives it.

    Returns:
        The variables of ``_timing.html.j2``.
    """
    figures = share_definitions([roofline_svg(data), shares_svg(data)])
    ranked = sorted(data["layers"], key=lambda r: -r["time_s"])
    m = data["machine"]
    return {
        "timing": {
            "findings": _findings(data),
            "roofline_figure": figures[0],
            "shares_figure": figures[1],
            "rows": [_row(r) for r in ranked[:TABLE_ROWS]],
            "more": max(len(ranked) - TABLE_ROWS, 0),
            "train": data["train"],
            "machine": (
                f"{m['name']} ({m['kind']}, {m['threads']} threads, {m['dtype']}): peak {_rate(m['peak_flops'], 'FLOP/s')} "
                f"from a {m['gemm_size']}×{m['gemm_size']} GEMM, bandwidth {_rate(m['bandwidth'], 'B/s')} from a "
                f"{m['copy_bytes'] >> 20} MiB copy"
            ),
            "definitions": sorted(data["definitions"].items()),
        }
    }


def page(data: Mapping[str, Any]) -> str:
    """A self-contained page with the profile's section: inline CSS and SVG, no scripts.

    Args:
        data: a profile as :func:`archstats.timing.as_dict` gives it.

    Returns:
        The HTML.
    """
    from archstats.render.page import environment

    shape = "×".join(str(d) for d in data["input_shape"])
    return environment().get_template(TEMPLATE).render(network=data["network"], shape=shape, **context(data))
