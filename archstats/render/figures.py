"""Figures for the handout, drawn with matplotlib as inline SVG, byte-for-byte deterministic."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from archstats.analysis import Analysis, Layer

_PARAMS_COLOR = "#3b6ea8"
_MACS_COLOR = "#c0712c"

# Matplotlib writes a creator line and Dublin Core links into <metadata>; the page wants no URLs.
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


def _inline(svg: str) -> str:
    """An SVG document as an element to embed in HTML: no prolog, no URLs, no comments, fluid size."""
    svg = svg[svg.index("<svg") :]
    cut = svg.index(">") + 1
    root, body = svg[:cut], svg[cut:]
    # The HTML parser puts <svg> and xlink:href in their namespaces by itself.
    root = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", root)
    width = re.search(r'\swidth="([\d.]+)pt"', root)
    root = re.sub(r'\s(width|height)="[^"]*"', "", root)
    # Scales with its box up to its drawn size; the viewBox keeps the aspect ratio.
    style = f' style="max-width:{width[1]}pt"' if width else ""
    root = root.replace("<svg", f'<svg role="img"{style}', 1)
    body = re.sub(r"<metadata>.*?</metadata>\s*", "", body, flags=re.DOTALL)
    # Matplotlib notes each text in a comment; the glyph paths say it already.
    body = re.sub(r"\s*<!--.*?-->", "", body, flags=re.DOTALL)
    return (root + body).strip() + "\n"


def _bars(ax: Axes, values: Sequence[int], labels: Sequence[str], color: str, title: str) -> None:
    positive = [v for v in values if v > 0]
    y = list(range(len(values)))
    # A zero has no place on a log axis: no bar, but its label still says 0.
    ax.barh(y, [v if v > 0 else math.nan for v in values], color=color, height=0.7)
    ax.set_xscale("log")
    if positive:
        low = 10 ** math.floor(math.log10(min(positive)))
        high = 10 ** (math.log10(max(positive)) + 1.6)  # room for the labels at the bar ends
        ax.set_xlim(low, high)
        for yi, v, label in zip(y, values, labels):
            ax.text(v if v > 0 else low, yi, f" {label}", va="center", ha="left", fontsize=6.5, color="#222222")
    ax.set_title(title, loc="left")
    ax.grid(axis="x", which="major", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)


def _params_label(layer: Layer) -> str:
    if not layer.fixed_params:
        return f"{layer.params:,}"
    if not layer.trainable_params:
        return f"{layer.params:,} fixed"
    return f"{layer.params:,} ({layer.fixed_params:,} fixed)"


def params_macs_svg(analysis: Analysis) -> str:
    """Params and MACs of each weighted layer as horizontal bars on a log scale, as inline SVG.

    Returns "" for a network without weighted layers.
    """
    import matplotlib
    from matplotlib.figure import Figure

    layers = [layer for layer in analysis.layers if layer.weighted]
    if not layers:
        return ""
    # A fixed hash salt and no date (below): the same network gives the same bytes on every
    # run. Glyphs as paths: the page needs no font.
    with matplotlib.rc_context(
        {
            "svg.hashsalt": "archstats",
            "svg.fonttype": "path",
            "font.family": "DejaVu Sans",
            "font.size": 8.0,
            "axes.titlesize": 9.0,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        # No pyplot: no global figure registry, no backend to choose, nothing left open.
        fig = Figure(figsize=(7.2, 0.9 + 0.2 * len(layers)), layout="constrained")
        params_ax, macs_ax = fig.subplots(1, 2, sharey=True)
        params = [layer.params for layer in layers]
        macs = [layer.macs for layer in layers]
        _bars(params_ax, params, [_params_label(layer) for layer in layers], _PARAMS_COLOR, "parameters (log scale)")
        _bars(macs_ax, macs, [f"{v:,}" for v in macs], _MACS_COLOR, "MACs per sample (log scale)")
        # No mathtext in layer names: a "$" in a name is a "$".
        params_ax.set_yticks(range(len(layers)), labels=[layer.name for layer in layers], parse_math=False)
        params_ax.invert_yaxis()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata=_METADATA)
    return _inline(buffer.getvalue())
