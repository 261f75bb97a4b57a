"""The roofline with each timed layer a point, and each layer's share of the time against its share of the MACs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archstats.render.charts.axes import count_axis, label_points
from archstats.render.charts.svg import drawn

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_COLORS = {"memory": "#3b6ea8", "compute": "#c0712c"}
_ROOF = "#222222"
# A point's area in pt² when the layer takes the whole time.
_AREA = 900.0


def _rate(value: float, unit: str) -> str:
    """``186 GFLOP/s``: three figures at most, for a label."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def _named(layers: Sequence[Mapping[str, Any]], most: int) -> set[str]:
    """The ``most`` layers that take the most time: the ones a figure names."""
    ranked = sorted(layers, key=lambda r: -r["time_share"])
    return {r["name"] for r in ranked[:most]}


def _points(
    ax: Axes,
    layers: Sequence[Mapping[str, Any]],
    x: str,
    y: str,
    named: set[str],
    limits: tuple[tuple[float, float], tuple[float, float]],
) -> None:
    for bound, color in _COLORS.items():
        group = [r for r in layers if r["bound"] == bound]
        if group:
            ax.scatter(
                [r[x] for r in group], [r[y] for r in group], s=[max(_AREA * r["time_share"], 4.0) for r in group],
                color=color, alpha=0.55, edgecolors="white", linewidths=0.5, label=f"{bound}-bound", zorder=3,
            )  # fmt: skip
    # Limits first: the labels are placed where they fall in the final axes.
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    label_points(ax, [(r[x], r[y], r["name"], True) for r in layers if r["name"] in named])


def roofline_svg(data: Mapping[str, Any], most: int = 5) -> str:
    """The device's roofline (log-log) and each timed layer with FLOPs at its intensity and attained FLOP/s.

    Args:
        data: a profile as :func:`archstats.timing.as_dict` gives it.
        most: how many of the slowest layers are named.

    Returns:
        The SVG element ("" when no timed layer has FLOPs).
    """
    machine = data["machine"]
    layers = [r for r in data["layers"] if r["flops"] > 0 and r["time_s"] > 0]
    if not layers:
        return ""
    peak, bandwidth = machine["peak_flops"], machine["bandwidth"]
    xs = [r["arithmetic_intensity"] for r in layers]
    low = 10 ** math.floor(math.log10(min(min(xs), machine["ridge"]) / 2))
    high = 10 ** math.ceil(math.log10(max(max(xs), machine["ridge"]) * 2))

    def draw(fig: Figure) -> None:
        ax = fig.add_axes((0.09, 0.13, 0.88, 0.78))
        ax.set_xscale("log")
        ax.set_yscale("log")
        grid = [low * (high / low) ** (i / 200) for i in range(201)]
        ax.plot(grid, [min(peak, g * bandwidth) for g in grid], color=_ROOF, linewidth=1.2, zorder=2)
        ax.axvline(machine["ridge"], color="#999999", linewidth=0.6, linestyle=":", zorder=1)
        ax.text(high, peak * 1.15, f"peak {_rate(peak, 'FLOP/s')}", ha="right", va="bottom", fontsize=6.5)
        ax.text(low * 1.2, low * 1.2 * bandwidth * 1.6, f"bandwidth {_rate(bandwidth, 'B/s')}", fontsize=6.5)
        ys = [r["attained_flops"] for r in layers]
        floor = 10 ** math.floor(math.log10(min(min(ys), low * bandwidth)))
        limits = ((low, high), (floor, peak * 3))
        _points(ax, layers, "arithmetic_intensity", "attained_flops", _named(layers, most), limits)
        count_axis(ax.xaxis, True)
        count_axis(ax.yaxis, True)
        ax.set_xlabel("arithmetic intensity (FLOP per byte, bytes a lower bound)")
        ax.set_ylabel("attained FLOP/s")
        ax.set_title(
            f"Roofline of {machine['name']} ({machine['threads']} threads); area = share of the time", loc="left"
        )
        ax.grid(which="major", color="#eeeeee", linewidth=0.6)
        ax.legend(loc="lower right", fontsize=6.5, frameon=False, markerscale=0.5)

    return drawn(draw, (7.2, 3.6))


def shares_svg(data: Mapping[str, Any], most: int = 5) -> str:
    """Each timed layer's share of the measured time against its share of the multiply-adds; the diagonal is time ∝ MACs.

    Args:
        data: a profile as :func:`archstats.timing.as_dict` gives it.
        most: how many of the slowest layers are named.

    Returns:
        The SVG element ("" when no layer was timed).
    """
    layers = [r for r in data["layers"] if r["time_s"] > 0]
    if not layers:
        return ""
    top = max(max(r["time_share"] for r in layers), max(r["macs_share"] for r in layers)) * 1.1

    def draw(fig: Figure) -> None:
        ax = fig.add_axes((0.09, 0.13, 0.88, 0.78))
        ax.plot([0, top], [0, top], color="#999999", linewidth=0.8, linestyle="--", zorder=1)
        _points(ax, layers, "macs_share", "time_share", _named(layers, most), ((-top * 0.02, top), (-top * 0.02, top)))
        ax.set_xlabel("share of the multiply-adds")
        ax.set_ylabel("share of the measured time")
        ax.xaxis.set_major_formatter(lambda v, _p: f"{100 * v:.0f}%")
        ax.yaxis.set_major_formatter(lambda v, _p: f"{100 * v:.0f}%")
        ax.set_title(
            "Time share against MACs share per layer (above the diagonal: slower than its MACs say)", loc="left"
        )
        ax.grid(color="#eeeeee", linewidth=0.6)
        ax.legend(loc="lower right", fontsize=6.5, frameon=False, markerscale=0.5)

    return drawn(draw, (7.2, 3.4))
