"""What the charts share on their axes: log or linear by range, ticks of counts, log limits, labels that do not overlap."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LABEL_SIZE = 6.5
MARKER_SIZE = 5.0  # points, the side of a marker

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points on the figure


def needs_log(values: Sequence[int | float]) -> bool:
    """Whether a range of counts is too wide for a linear axis: its largest over its smallest exceeds 20."""
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) > 20 * min(positive)


def scale_name(log: bool) -> str:
    return "log" if log else "linear"


def count_axis(axis: Any, log: bool) -> None:
    """Ticks of counts as ``100k``, ``1M``; on a log axis only the decades (minor ticks cost time and say little)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    if log:
        axis.set_major_locator(LogLocator(base=10, numticks=8))
        axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(si))


def label_room(labels: Sequence[str], size: float) -> float:
    """Inches that the longest of ``labels`` takes at ``size`` points, in whole points.

    Whole points keep a figure sized by its labels at round coordinates: a width such as
    17.9690625 points puts edges on the last digit that the SVG writes, where one CPU's
    floating-point rounding differs from another's and the bytes of a handout with them.
    """
    widest = max((text_width(label, size) for label in labels), default=0.0)
    return math.ceil(widest) / 72


def si(value: float, _position: float = 0) -> str:
    """A tick on a log axis of counts: ``100k``, ``1M``, ``10G``."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:g}{suffix}"
    return f"{value:g}"


def text_width(text: str, size: float) -> float:
    """The drawn width of ``text`` in points, from its glyph outlines (no renderer needed)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    # "$" would start mathtext here; "S" is about as wide.
    path = TextPath((0, 0), text.replace("$", "S"), size=size, prop=FontProperties(family="DejaVu Sans"))
    return float(path.get_extents().width)


def _overlap(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _label_boxes(x: float, y: float, width: float, height: float, rings: int) -> list[tuple[float, float, str, Box]]:
    """Places for a label beside a point at (x, y), nearest first: offset, alignment, box."""
    places = []
    for r in (3.5, 9.0, 15.0, 22.0)[:rings]:
        up = r + height / 2 - 1
        for dx, dy, ha in (
            (r, 0.0, "left"), (-r, 0.0, "right"), (0.0, up, "center"), (0.0, -up, "center"),
            (r * 0.8, up * 0.8, "left"), (-r * 0.8, up * 0.8, "right"),
            (r * 0.8, -up * 0.8, "left"), (-r * 0.8, -up * 0.8, "right"),
        ):  # fmt: skip
            left = {"left": x + dx, "right": x + dx - width, "center": x + dx - width / 2}[ha]
            places.append((dx, dy, ha, (left, y + dy - height / 2, left + width, y + dy + height / 2)))
    return places


def _crosses(a: tuple[float, float], b: tuple[float, float], box: Box) -> bool:
    """Whether the segment from ``a`` to ``b`` passes through ``box`` (Liang and Barsky's clipping)."""
    (x0, y0), (x1, y1) = a, b
    low, high = 0.0, 1.0
    for p, q in ((x0 - x1, x0 - box[0]), (x1 - x0, box[2] - x0), (y0 - y1, y0 - box[1]), (y1 - y0, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
        if low > high:
            return False
    return True


def label_points(ax: Axes, items: Sequence[tuple[float, float, str, bool]]) -> None:
    """Label points without overlaps: each takes the nearest free place beside it, in order.

    Items are (x, y, text, must). Points, labels and leader lines already placed are
    obstacles, and labels stay inside the axes. A label that must be shown and finds no
    free place right beside its point goes further out, with a leader line (or, crowded
    everywhere, to the least crowded place); any other label is shown only right beside
    its point, where that is free.
    """
    fig = ax.get_figure()
    assert fig is not None
    scale = 72 / fig.dpi  # display pixels to points
    frame = tuple(v * scale for v in ax.bbox.extents)
    half = MARKER_SIZE / 2 + 0.5
    at = [(float(px) * scale, float(py) * scale) for px, py in ax.transData.transform([(x, y) for x, y, *_ in items])]
    taken: list[Box] = [(px - half, py - half, px + half, py + half) for px, py in at]
    leaders: list[tuple[tuple[float, float], tuple[float, float]]] = []
    height = LABEL_SIZE * 1.05
    pad = 0.8  # points kept clear around a label
    crossing = 100.0  # the crowding a line through a label or a point counts for, in square points
    for (x, y, text, must), point, own in zip(items, at, list(taken)):
        width = text_width(text, LABEL_SIZE)
        best: tuple[float, tuple[float, float, str, Box]] | None = None
        for place in _label_boxes(*point, width, height, 4 if must else 1):
            dx, dy, _, (x0, y0, x1, y1) = place
            box = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
            outside = x0 < frame[0] or y0 < frame[1] or x1 > frame[2] or y1 > frame[3]
            crowd = sum(_overlap(box, other) for other in taken if other is not own) + (1e6 if outside else 0)
            crowd += crossing * sum(_crosses(a, b, box) for a, b in leaders)
            if abs(dx) > 4 or abs(dy) > height:
                centre = ((x0 + x1) / 2, (y0 + y1) / 2)
                crowd += crossing * sum(_crosses(point, centre, other) for other in taken if other is not own)
            if best is None or crowd < best[0]:
                best = (crowd, place)
            if crowd == 0:
                break
        assert best is not None
        crowd, (dx, dy, ha, box) = best
        if crowd and not must:
            continue
        taken.append(box)
        far = abs(dx) > 4 or abs(dy) > height
        if far:
            leaders.append((point, ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)))
        ax.annotate(
            text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va="center",
            fontsize=LABEL_SIZE, color="#222222", parse_math=False,
            arrowprops={"arrowstyle": "-", "color": "#808080", "linewidth": 0.45, "shrinkA": 0, "shrinkB": 2.5}
            if far else None,
        )  # fmt: skip


def log_limits(values: Sequence[float], low_pad: float, high_pad: float) -> tuple[float, float]:
    low, high = math.log10(min(values)), math.log10(max(values))
    return 10 ** (low - low_pad), 10 ** (high + high_pad)
