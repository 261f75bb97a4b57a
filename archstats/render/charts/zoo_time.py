"""The zoo's two time figures: cited accuracy against multiply-adds (bubble area = params), and measured time against multiply-adds."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archstats.render.charts.axes import count_axis, label_points, log_limits
from archstats.render.charts.svg import drawn

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# One colour and marker per kind of accuracy source, so that a reader sees which figures are the papers' own.
_SOURCES = (
    ("torchvision", "#0072b2", "o"),
    ("TF-slim", "#d55e00", "s"),
    ("paper", "#009e73", "^"),
)
_BUBBLE = 1400.0  # pt² of the largest network's bubble


def source_kind(source: str) -> str:
    """``torchvision``, ``TF-slim`` or ``paper``: what kind of source a cited accuracy comes from."""
    for kind in ("torchvision", "TF-slim"):
        if kind in source:
            return kind
    return "paper"


def accuracy_svg(rows: Sequence[Mapping[str, Any]]) -> str:
    """Cited top-1 accuracy against multiply-adds per sample (log), each network a bubble of area ∝ its parameters.

    Args:
        rows: the zoo's rows (``archstats.profile_zoo.row``); those without a cited accuracy are left out.

    Returns:
        The SVG element ("" when no network has a cited accuracy).
    """
    cited = [r for r in rows if r["top1"] is not None and r["multiply_adds"] > 0]
    if not cited:
        return ""
    largest = max(r["params"] for r in cited)

    def draw(fig: Figure) -> None:
        ax = fig.add_axes((0.08, 0.12, 0.9, 0.8))
        ax.set_xscale("log")
        for kind, color, marker in _SOURCES:
            group = [r for r in cited if source_kind(r["accuracy_source"]) == kind]
            if group:
                ax.scatter(
                    [r["multiply_adds"] for r in group], [r["top1"] for r in group],
                    s=[_BUBBLE * r["params"] / largest for r in group], c=color, marker=marker, alpha=0.45,
                    edgecolors=color, linewidths=0.6, label=f"accuracy from {kind}", zorder=3,
                )  # fmt: skip
        ax.set_xlim(*log_limits([r["multiply_adds"] for r in cited], 0.25, 0.25))
        tops = [r["top1"] for r in cited]
        ax.set_ylim(math.floor(min(tops) - 3), math.ceil(max(tops) + 3))
        count_axis(ax.xaxis, True)
        label_points(ax, [(r["multiply_adds"], r["top1"], r["network"], True) for r in cited])
        ax.set_xlabel("multiply-adds per sample (log scale)")
        ax.set_ylabel("top-1 accuracy, % (cited)")
        ax.set_title(
            "Accuracy against multiply-adds; bubble area = parameters (after Canziani et al. 2016, Fig. 2)", loc="left"
        )
        ax.grid(which="major", color="#e3e3e3", linewidth=0.6)
        ax.legend(loc="lower right", frameon=False, markerscale=0.3, fontsize=6.5)

    return drawn(draw, (7.2, 4.2))


def time_svg(rows: Sequence[Mapping[str, Any]], device: str) -> str:
    """Measured forward time (batch 1) against multiply-adds per sample, log-log, each network labelled.

    Args:
        rows: the zoo's rows (``archstats.profile_zoo.row``).
        device: the machine's name, for the title.

    Returns:
        The SVG element ("" when nothing was timed).
    """
    timed = [r for r in rows if r["forward_s"] > 0 and r["multiply_adds"] > 0]
    if not timed:
        return ""

    def draw(fig: Figure) -> None:
        ax = fig.add_axes((0.08, 0.1, 0.9, 0.84))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.scatter([r["multiply_adds"] for r in timed], [r["forward_s"] * 1e3 for r in timed], s=16, c="#3b6ea8",
                   edgecolors="white", linewidths=0.4, zorder=3)  # fmt: skip
        ax.set_xlim(*log_limits([r["multiply_adds"] for r in timed], 0.25, 0.25))
        ax.set_ylim(*log_limits([r["forward_s"] * 1e3 for r in timed], 0.3, 0.3))
        count_axis(ax.xaxis, True)
        label_points(ax, [(r["multiply_adds"], r["forward_s"] * 1e3, r["network"], True) for r in timed])
        ax.set_xlabel("multiply-adds per sample (log scale)")
        ax.set_ylabel("forward pass, ms (median, log scale)")
        ax.set_title(f"Measured time against multiply-adds on {device}, batch 1", loc="left")
        ax.grid(which="major", color="#e3e3e3", linewidth=0.6)

    return drawn(draw, (7.2, 5.0))
