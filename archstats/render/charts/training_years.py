"""The zoo's training compute by year under the papers' recipes, log scale, from finished points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archstats.render.charts.axes import label_points, log_limits
from archstats.render.charts.svg import drawn

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PF_DAY = 8.64e19  # FLOP in a petaflop/s-day
_SPREAD = 0.3  # years: how far apart the networks of one year stand


def _to_pf_days(flop: Any) -> Any:
    return flop / PF_DAY


def _from_pf_days(days: Any) -> Any:
    return days * PF_DAY


def _columns(points: Sequence[Mapping[str, Any]]) -> list[float]:
    """Each point's x: its year, the networks of one year spread side by side, cheapest first."""
    xs = []
    for p in points:
        same = sorted((q for q in points if q["year"] == p["year"]), key=lambda q: (q["training_flop"], q["network"]))
        index = [q["network"] for q in same].index(p["network"])
        xs.append(p["year"] + (index - (len(same) - 1) / 2) * _SPREAD / max(len(same) - 1, 1))
    return xs


def svg(points: Sequence[Mapping[str, Any]]) -> str:
    """Training compute (FLOP, log scale) of each network against the year of its paper, each point labelled.

    Args:
        points: ``archstats.training.years`` points (network, year, training_flop, ...).

    Returns:
        The SVG element ("" for no points).
    """
    points = [p for p in points if p["training_flop"] > 0]
    if not points:
        return ""
    xs = _columns(points)
    ys = [p["training_flop"] for p in points]
    years = sorted({p["year"] for p in points})

    def draw(fig: Figure) -> None:
        ax = fig.add_axes((0.1, 0.11, 0.78, 0.8))
        ax.set_yscale("log")
        ax.scatter(xs, ys, s=20, c="#3b6ea8", edgecolors="white", linewidths=0.4, zorder=3)
        ax.set_ylim(*log_limits(ys, 0.4, 0.4))
        ax.set_xlim(years[0] - 1, years[-1] + 1)
        ax.set_xticks(years, labels=[str(y) for y in years])
        right = ax.secondary_yaxis("right", functions=(_to_pf_days, _from_pf_days))
        right.set_ylabel("petaflop/s-days")
        label_points(ax, [(x, y, p["network"], True) for x, y, p in zip(xs, ys, points)])
        ax.set_xlabel("year of the paper")
        ax.set_ylabel("training compute, FLOP (log scale)")
        ax.set_title("Compute to train under each paper's recipe: traced step FLOPs x samples", loc="left")
        ax.grid(axis="y", which="major", color="#e3e3e3", linewidth=0.6)
        ax.set_axisbelow(True)

    return drawn(draw, (7.2, 4.2))
