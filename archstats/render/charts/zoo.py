"""The zoo's index charts: every network's parameters against its MACs, and depth and MACs by year."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archstats.render.charts.axes import MARKER_SIZE, label_points, log_limits, si
from archstats.render.charts.svg import RC, svg_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType


@dataclass(frozen=True)
class ZooPoint:
    """One network as the zoo's comparison figures plot it: totals per sample, from its trace.

    Args:
        name: the network's name, its label.
        group: what it is coloured by, e.g. its paper ("He et al. 2015").
        year: the year of its paper.
        params: parameter elements (trainable and frozen; buffers are not parameters).
        macs: multiply-accumulates per sample.
        depth: weighted layers on the longest path.
    """

    name: str
    group: str
    year: int
    params: int
    macs: int
    depth: int


# Okabe & Ito's colour-blind-safe set (its yellow, too pale on paper, swapped for brown), a marker each, so
# that a grey print still tells the groups apart.
_GROUP_STYLES = (
    ("#0072b2", "o"),
    ("#d55e00", "s"),
    ("#009e73", "^"),
    ("#cc79a7", "D"),
    ("#e69f00", "v"),
    ("#56b4e9", "P"),
    ("#000000", "X"),
    ("#8c6d31", "h"),
    ("#7f7f7f", "<"),
)
# Wider than a handout's figures: on A4 they shrink to the page, labels to about 5.3 points.
_ZOO_WIDTH = 9.0
_ZOO_RC: dict[RcKeyType, Any] = {
    **RC,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
}


def _groups(points: Sequence[ZooPoint]) -> dict[str, tuple[str, str]]:
    """Each group's colour and marker, the earliest group first (styles repeat past nine)."""
    first: dict[str, int] = {}
    for p in points:
        first[p.group] = min(first.get(p.group, p.year), p.year)
    order = sorted(first, key=lambda g: (first[g], g))
    return {g: _GROUP_STYLES[i % len(_GROUP_STYLES)] for i, g in enumerate(order)}


def _scatter(
    ax: Axes, points: Sequence[ZooPoint], xs: Sequence[float], ys: Sequence[float], styles: dict[str, tuple[str, str]]
) -> None:
    for group, (color, marker) in styles.items():
        chosen = [i for i, p in enumerate(points) if p.group == group]
        ax.scatter(
            [xs[i] for i in chosen], [ys[i] for i in chosen], s=MARKER_SIZE**2, c=color, marker=marker,
            edgecolors="white", linewidths=0.4, zorder=3, label=group,
        )  # fmt: skip


def _legend(fig: Figure, ax: Axes, columns: int) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=columns, frameon=False, handletextpad=0.3, columnspacing=1.2)


def zoo_params_macs_svg(points: Sequence[ZooPoint]) -> str:
    """Parameters against MACs of every network, log-log, each point labelled, as inline SVG.

    Networks whose points coincide (within 6 % on both axes, closer than a marker) share one label. Returns ""
    for no networks.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    points = [p for p in points if p.params > 0 and p.macs > 0]
    if not points:
        return ""
    styles = _groups(points)
    rows = math.ceil(len(styles) / 4)
    with matplotlib.rc_context(_ZOO_RC):
        height = 6.4 + 0.16 * rows
        fig = Figure(figsize=(_ZOO_WIDTH, height))
        bottom = (0.55 + 0.16 * rows) / height
        ax = fig.add_axes((0.07, bottom, 0.915, 0.97 - bottom))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(*log_limits([p.macs for p in points], 0.35, 0.35))
        ax.set_ylim(*log_limits([p.params for p in points], 0.3, 0.3))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(si))
        ax.set_xlabel("MACs per sample (log scale)")
        ax.set_ylabel("parameters (log scale)")
        ax.grid(which="major", color="#e3e3e3", linewidth=0.6)
        ax.set_axisbelow(True)
        _scatter(ax, points, [p.macs for p in points], [p.params for p in points], styles)
        labels: list[tuple[float, float, list[str]]] = []
        for p in sorted(points, key=lambda p: (p.year, p.name)):
            for x, y, names in labels:
                if abs(math.log10(p.macs / x)) < 0.025 and abs(math.log10(p.params / y)) < 0.025:
                    names.append(p.name)
                    break
            else:
                labels.append((p.macs, p.params, [p.name]))
        label_points(ax, [(x, y, ", ".join(names), True) for x, y, names in labels])
        _legend(fig, ax, 4)
        return svg_of(fig)


def zoo_years_svg(points: Sequence[ZooPoint]) -> str:
    """Depth and MACs of every network by the year of its paper, one above the other, as inline SVG.

    The years with a network are evenly spaced; within a year, each group has a column.
    The deepest and the shallowest (the costliest and the cheapest) network of each year
    are labelled, the others where there is room beside them. Returns "" for no networks.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    points = [p for p in points if p.depth > 0 and p.macs > 0]
    if not points:
        return ""
    styles = _groups(points)
    years = sorted({p.year for p in points})
    rows = math.ceil(len(styles) / 4)
    with matplotlib.rc_context(_ZOO_RC):
        panel = 2.9
        height = 2 * panel + 0.75 + 0.16 * rows
        fig = Figure(figsize=(_ZOO_WIDTH, height))
        bottom = (0.55 + 0.16 * rows) / height
        gap = 0.42 / height
        size = (1 - 0.25 / height - bottom - gap) / 2
        macs_ax = fig.add_axes((0.07, bottom, 0.915, size))
        depth_ax = fig.add_axes((0.07, bottom + size + gap, 0.915, size), sharex=macs_ax)
        for ax, key, title in (
            (depth_ax, "depth", "depth: weighted layers on the longest path (log scale)"),
            (macs_ax, "macs", "MACs per sample (log scale)"),
        ):
            values = [getattr(p, key) for p in points]
            xs = _year_columns(points, years, values, styles)
            ax.set_yscale("log")
            ax.set_ylim(*log_limits(values, 0.3, 0.3))
            ax.set_xlim(-0.55, len(years) - 0.45)
            ax.set_xticks(range(len(years)), labels=[str(y) for y in years])
            ax.yaxis.set_major_formatter(FuncFormatter(si))
            ax.set_title(title, loc="left")
            ax.grid(axis="y", which="major", color="#e3e3e3", linewidth=0.6)
            ax.set_axisbelow(True)
            _scatter(ax, points, xs, values, styles)
            # Each year's extremes tell the story and are always labelled; the rest where there is room.
            order = sorted(range(len(points)), key=lambda i: (points[i].year, -values[i], points[i].name))
            top = {points[i].year: i for i in reversed(order)}
            low = {points[i].year: i for i in order}
            must = {*top.values(), *low.values()}
            ranked = [*dict.fromkeys([*top.values(), *low.values(), *order])]
            label_points(ax, [(xs[i], values[i], points[i].name, i in must) for i in ranked])
        depth_ax.tick_params(axis="x", labelbottom=False)
        _legend(fig, macs_ax, 4)
        return svg_of(fig)


def _year_columns(
    points: Sequence[ZooPoint], years: Sequence[int], values: Sequence[float], styles: dict[str, tuple[str, str]]
) -> list[float]:
    """x of each point: its year's slot, a column per group within it, equal values side by side."""
    xs = [0.0] * len(points)
    order = list(styles)
    for slot, year in enumerate(years):
        groups = sorted({p.group for p in points if p.year == year}, key=order.index)
        width = 0.7 / len(groups)
        for g, group in enumerate(groups):
            centre = slot - 0.35 + width * (g + 0.5)
            placed: list[float] = []
            members = sorted(
                (i for i, p in enumerate(points) if p.year == year and p.group == group),
                key=lambda i: (values[i], points[i].name),
            )
            for i in members:
                near = sum(1 for v in placed if abs(math.log10(values[i] / v)) < 0.08)
                shift = (near + 1) // 2 * (1 if near % 2 else -1) * min(0.09, width / 4)
                xs[i] = centre + shift
                placed.append(values[i])
    return xs
