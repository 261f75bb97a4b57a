"""Shapes that the handouts' diagrams are drawn from: rounded boxes with labels, and many rectangles as one path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def bare(ax: Axes) -> None:
    """Axes without frame, ticks or labels: a diagram, not a plot."""
    ax.set_axis_off()


def rectangles(ax: Axes, boxes: Sequence[tuple[float, float, float, float]], **style: Any) -> None:
    """Rectangles (x, y, width, height) as one path: one SVG element, however many there are."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for x, y, w, h in boxes:
        vertices += [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
        codes += [int(Path.MOVETO), int(Path.LINETO), int(Path.LINETO), int(Path.LINETO), int(Path.CLOSEPOLY)]
    if vertices:
        ax.add_patch(PathPatch(Path(vertices, codes), **style))


def box(ax: Axes, x: float, y: float, w: float, h: float, label: str, note: str, color: str, size: float) -> None:
    """A rounded box centred on (x, y), its label, and under it a smaller note."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.05",
                                facecolor=color, edgecolor="#5b6570", linewidth=0.6))  # fmt: skip
    if note:
        ax.text(x, y + h * 0.16, label, ha="center", va="center", fontsize=size, parse_math=False)
        ax.text(x, y - h * 0.24, note, ha="center", va="center", fontsize=size - 0.7, color="#444444")
    else:
        ax.text(x, y, label, ha="center", va="center", fontsize=size, parse_math=False)
