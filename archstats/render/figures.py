"""Figures for the handouts and the zoo's index, drawn with matplotlib as inline SVG, byte-for-byte deterministic."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from archstats.analysis import Analysis, Layer

_PARAMS_COLOR = "#3b6ea8"
_MACS_COLOR = "#c0712c"
_NEURONS_COLOR = "#4f8a4b"
_RF_COLOR = "#7a4f9a"

# Matplotlib writes a creator line and Dublin Core links into <metadata>; the page wants no URLs.
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

# A fixed hash salt and no date (in _METADATA): the same data give the same bytes on every
# run. Glyphs as paths: the page needs no font.
_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "archstats",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


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
    # Matplotlib names every group (figure_1, axes_1 ...) the same in every figure; nothing refers to
    # them, and one page holding several figures must not repeat an id.
    body = re.sub(r'<g id="[^"]*"', "<g", body)
    return (root + body).strip() + "\n"


# A glyph, a marker or a clip path: what a figure defines once and uses by its id.
_DEFINITION = re.compile(r'\s*(<path id="([^"]+)"[^>]*/>|<clipPath id="([^"]+)">.*?</clipPath>)', re.DOTALL)


def share_definitions(svgs: Sequence[str]) -> list[str]:
    """The figures of one page with each definition kept in the first figure that has it.

    Matplotlib names a glyph, a marker or a clip path after its content (under a fixed salt),
    so an id that two figures define is the same drawing; a later figure's ``<use>`` finds
    the first one in the page. Each id is then defined once, as HTML requires, and the page
    is smaller.

    Args:
        svgs: inline SVG elements in page order ("" for a figure left out).

    Returns:
        The same figures, repeated definitions removed.
    """
    seen: dict[str, str] = {}

    def keep_first(match: re.Match[str]) -> str:
        ident, body = match[2] or match[3], match[1]
        if seen.get(ident) == body:
            return ""
        seen.setdefault(ident, body)
        return match[0]

    return [_DEFINITION.sub(keep_first, svg) for svg in svgs]


def _svg(fig: Figure) -> str:
    """``fig`` as an inline SVG element; call it inside ``matplotlib.rc_context(_RC)``."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=_METADATA)
    return _inline(buffer.getvalue())


def drawn(draw: Callable[[Figure], None], size: tuple[float, float]) -> str:
    """A figure of ``size`` inches, filled by ``draw``, as inline SVG (for the handouts' own drawings).

    Args:
        draw: puts the axes and artists on the figure, each where it goes (no layout engine:
            constrained layout measures every text several times, and the zoo has 33 handouts).
        size: width and height in inches.

    Returns:
        The SVG element; the same drawing gives the same bytes.
    """
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        # No pyplot: no global figure registry, no backend to choose, nothing left open.
        fig = Figure(figsize=size)
        draw(fig)
        return _svg(fig)


# Up to this many layers a figure names each one; past it, layers are a sequence along the x axis.
NAMED_LAYERS = 40
_WIDTH = 7.2  # inches: the text width of an A4 page with 12 mm margins, near enough


def weighted_layers(analysis: Analysis) -> list[Layer]:
    """The layers that form weighted sums and ran, in execution order: the layers the figures plot."""
    return [layer for layer in analysis.layers if layer.weighted and layer.called]


def needs_log(values: Sequence[int | float]) -> bool:
    """Whether a range of counts is too wide for a linear axis: its largest over its smallest exceeds 20."""
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) > 20 * min(positive)


def _scale(log: bool) -> str:
    return "log" if log else "linear"


def _count_axis(axis: Any, log: bool) -> None:
    """Ticks of counts as ``100k``, ``1M``; on a log axis only the decades (minor ticks cost time and say little)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    if log:
        axis.set_major_locator(LogLocator(base=10, numticks=8))
        axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(_si))


def _bars(ax: Axes, values: Sequence[int], labels: Sequence[str], color: str, title: str) -> None:
    """Horizontal bars, one per layer, each labelled with its value; log scale where the range demands it."""
    positive = [v for v in values if v > 0]
    log = needs_log(values)
    y = list(range(len(values)))
    # A zero has no place on a log axis: no bar, but its label still says 0.
    ax.barh(y, [v if v > 0 else math.nan for v in values], color=color, height=0.7)
    low = 0.0
    if log:
        ax.set_xscale("log")
        low = 10 ** math.floor(math.log10(min(positive)))
        ax.set_xlim(low, 10 ** (math.log10(max(positive)) + 1.5))  # room for the labels at the bar ends
    elif positive:
        ax.set_xlim(0, max(positive) * 1.9)
    _count_axis(ax.xaxis, log)
    for yi, v, label in zip(y, values, labels):
        ax.text(v if v > 0 else low, yi, f" {label}", va="center", ha="left", fontsize=6, color="#222222")
    ax.set_title(f"{title} ({_scale(log)})", loc="left")
    ax.grid(axis="x", which="major", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", labelsize=6.5)


def _stairs(ax: Axes, values: Sequence[int], color: str, title: str) -> None:
    """One filled step per layer along the x axis, no text per layer: for networks too deep to name each."""
    positive = [v for v in values if v > 0]
    log = needs_log(values)
    low = 10 ** math.floor(math.log10(min(positive))) if log else 0.0
    # One path for the whole sequence, equal neighbours merged: a 1,202-layer network costs a few steps.
    levels: list[float] = []
    edges: list[float] = [0.0]
    for i, v in enumerate(values):
        level = max(float(v), low)
        if levels and levels[-1] == level:
            edges[-1] = i + 1.0
        else:
            levels.append(level)
            edges.append(i + 1.0)
    ax.stairs(levels, edges, fill=True, baseline=low, color=color, linewidth=0)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(low, 10 ** (math.log10(max(positive)) + 0.15))
    elif positive:
        ax.set_ylim(0, max(positive) * 1.08)
    _count_axis(ax.yaxis, log)
    ax.set_title(f"{title} ({_scale(log)})", loc="left")
    ax.set_xlim(0, len(values))
    ax.grid(axis="y", which="major", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=6.5)


def group_ticks(layers: Sequence[Layer], most: int = 24) -> tuple[list[float], list[str]]:
    """Ticks where a new top-level module starts (``layer1``, ``inception_3a``), at most ``most`` of them."""
    positions: list[float] = []
    labels: list[str] = []
    for i, layer in enumerate(layers):
        top = layer.name.split(".")[0]
        if not labels or labels[-1] != top:
            positions.append(float(i))
            labels.append(top)
    step = math.ceil(len(labels) / most)
    return positions[::step], labels[::step]


def _params_label(layer: Layer) -> str:
    notes = [f"{layer.frozen_params:,} frozen"] if layer.frozen_params else []
    if layer.buffers and not layer.params:  # LeNet-5's RBF: its fixed prototypes are a buffer
        notes.append(f"{layer.buffers:,} in buffers")
    return f"{layer.params:,}" + (f" ({', '.join(notes)})" if notes else "")


def _label_room(labels: Sequence[str], size: float) -> float:
    """Inches that the longest of ``labels`` takes at ``size`` points."""
    return max((_text_width(label, size) for label in labels), default=0.0) / 72


def per_layer_svg(analysis: Analysis) -> str:
    """Params, MACs and neurons of each weighted layer, as inline SVG ("" without weighted layers).

    Up to :data:`NAMED_LAYERS` layers: labelled horizontal bars, one row per layer. More: a
    step per layer along the x axis, ticked where each top-level module starts.
    """
    layers = weighted_layers(analysis)
    if not layers:
        return ""
    params = [layer.params for layer in layers]
    macs = [layer.fvcore_macs for layer in layers]
    neurons = [layer.neurons for layer in layers]
    panels = (
        (params, [_params_label(layer) for layer in layers], _PARAMS_COLOR, "parameters"),
        (macs, [f"{v:,}" for v in macs], _MACS_COLOR, "MACs"),
        (neurons, [f"{v:,}" for v in neurons], _NEURONS_COLOR, "neurons"),
    )
    if len(layers) <= NAMED_LAYERS:
        names = [layer.name for layer in layers]
        height = 0.75 + 0.19 * len(layers)
        left = (_label_room(names, 8.0) + 0.12) / _WIDTH
        top, bottom = 0.32 / height, 0.3 / height
        gap = 0.035
        width = (0.99 - left - 2 * gap) / 3

        def named(fig: Figure) -> None:
            first: Axes | None = None
            for i, (values, labels, color, title) in enumerate(panels):
                ax = fig.add_axes((left + i * (width + gap), bottom, width, 1 - top - bottom), sharey=first)
                _bars(ax, values, labels, color, title)
                if first is None:
                    first = ax
                    # No mathtext in layer names: a "$" in a name is a "$".
                    ax.set_yticks(range(len(layers)), labels=names, parse_math=False)
                    ax.set_ylim(len(layers) - 0.5, -0.5)
                else:
                    ax.tick_params(axis="y", labelleft=False)

        return drawn(named, (_WIDTH, height))

    ticks, tick_labels = group_ticks(layers)
    below = _label_room(tick_labels, 6.0) + 0.35

    def sequence(fig: Figure) -> None:
        height = 4.2 + below
        panel = 1.0 / height
        for i, (values, _, color, title) in enumerate(panels):
            ax = fig.add_axes((0.08, (below + (2 - i) * 1.4) / height, 0.9, panel))
            _stairs(ax, values, color, title)
            ax.grid(axis="x", color="#eeeeee", linewidth=0.5)
            ax.set_xticks(ticks, labels=tick_labels if i == 2 else [], rotation=90, fontsize=6, parse_math=False)
        fig.text(0.53, 0.05 / height, f"{len(layers):,} weighted layers in execution order", ha="center",
                 va="bottom", fontsize=7)  # fmt: skip

    return drawn(sequence, (_WIDTH, 4.2 + below))


def cumulative_shares(analysis: Analysis, key: str) -> list[float]:
    """Per weighted layer, the percentage of the total ``key`` (``params``, ``fvcore_macs``) held by the layers that ran up to the next weighted one.

    A BatchNorm counts with the convolution before it; layers that never ran count nowhere,
    so the last share falls short of 100 by theirs.
    """
    layers = weighted_layers(analysis)
    total = getattr(analysis.totals, key)
    starts = [layer.index for layer in layers[1:]]
    running, shares, w = 0, [], 0
    for row in sorted((r for r in analysis.layers if r.called), key=lambda r: r.index):
        while w < len(starts) and row.index >= starts[w]:
            shares.append(100.0 * running / total if total else 0.0)
            w += 1
        running += getattr(row, key)
    while len(shares) < len(layers):
        shares.append(100.0 * running / total if total else 0.0)
    return shares


def _receptive(ax: Axes, analysis: Analysis) -> None:
    """The receptive field's side against depth: the widest at each depth, the input's side dashed."""
    from matplotlib.ticker import MaxNLocator

    widest: dict[int, int] = {}
    for layer in analysis.layers:
        if layer.receptive_field and layer.depth is not None and not layer.rf_global:
            widest[layer.depth] = max(widest.get(layer.depth, 0), max(layer.receptive_field))
    depths = sorted(widest)
    sides = [widest[d] for d in depths]
    spatial = analysis.input_shape[2:]
    log = needs_log([*sides, *spatial])
    if len(depths) > NAMED_LAYERS:
        ax.plot(depths, sides, color=_RF_COLOR, linewidth=1.2)
    else:
        ax.plot(depths, sides, drawstyle="steps-post", color=_RF_COLOR, linewidth=1.2, marker="o", markersize=2.5)
    if spatial:
        ax.axhline(max(spatial), color="#888888", linewidth=0.8, linestyle="--")
        ax.text(depths[0], max(spatial), f" input {max(spatial):,}", va="bottom", ha="left", fontsize=6.5,
                color="#555555")  # fmt: skip
    if log:
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, max([*sides, *spatial]) * 1.12)
    _count_axis(ax.yaxis, log)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_title(f"receptive field, side ({_scale(log)})", loc="left")
    ax.set_xlabel("depth: weighted layers from the input", fontsize=7)
    ax.grid(color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=6.5)


def _has_receptive_field(analysis: Analysis) -> bool:
    return any(layer.receptive_field and layer.depth is not None and not layer.rf_global for layer in analysis.layers)


def depth_svg(analysis: Analysis) -> str:
    """Along the depth: the cumulative share of params and MACs, and the receptive field's growth, as inline SVG.

    Returns "" for a network without weighted layers.
    """
    layers = weighted_layers(analysis)
    if not layers:
        return ""
    rf = _has_receptive_field(analysis)
    many = len(layers) > NAMED_LAYERS
    if many:
        ticks, labels = group_ticks(layers)
        ticks = [t + 1 for t in ticks]
    else:
        ticks, labels = [float(i) for i in range(1, len(layers) + 1)], [layer.name for layer in layers]
    below = _label_room(labels, 6.0) + 0.12
    height = 2.2 + below

    def draw(fig: Figure) -> None:
        share_ax = fig.add_axes((0.07, below / height, 0.5 if rf else 0.9, 1.85 / height))
        x = [0, *range(1, len(layers) + 1)]
        for key, color, label in (("params", _PARAMS_COLOR, "parameters"), ("fvcore_macs", _MACS_COLOR, "MACs")):
            y = [0.0, *cumulative_shares(analysis, key)]
            if many:
                # A plain line: matplotlib drops the points a 1,202-step staircase would add nothing with.
                share_ax.plot(x, y, color=color, linewidth=1.2, label=label)
            else:
                share_ax.plot(x, y, drawstyle="steps-post", color=color, linewidth=1.2, label=label)
                share_ax.plot(x[1:], y[1:], linestyle="none", marker="o", markersize=2.5, color=color)
        share_ax.set_ylim(0, 102)
        share_ax.set_xlim(0, len(layers) + 0.5)
        share_ax.set_title("cumulative share of the total (%)", loc="left")
        share_ax.legend(loc="upper left", frameon=False, fontsize=7)
        share_ax.grid(color="#e6e6e6", linewidth=0.6)
        share_ax.set_axisbelow(True)
        share_ax.tick_params(labelsize=6.5)
        share_ax.set_xticks(ticks, labels=labels, rotation=90, fontsize=6, parse_math=False)
        if rf:
            _receptive(fig.add_axes((0.67, 0.45 / height, 0.31, (1.85 + below - 0.45) / height)), analysis)

    return drawn(draw, (_WIDTH, height))


# -- the zoo side by side ---------------------------------------------------------------


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
_LABEL_SIZE = 6.5
_MARKER_SIZE = 5.0  # points, the side of a marker
# Wider than a handout's figures: on A4 they shrink to the page, labels to about 5.3 points.
_ZOO_WIDTH = 9.0
_ZOO_RC: dict[RcKeyType, Any] = {
    **_RC,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
}

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points on the figure


def _groups(points: Sequence[ZooPoint]) -> dict[str, tuple[str, str]]:
    """Each group's colour and marker, the earliest group first (styles repeat past nine)."""
    first: dict[str, int] = {}
    for p in points:
        first[p.group] = min(first.get(p.group, p.year), p.year)
    order = sorted(first, key=lambda g: (first[g], g))
    return {g: _GROUP_STYLES[i % len(_GROUP_STYLES)] for i, g in enumerate(order)}


def _si(value: float, _position: float = 0) -> str:
    """A tick on a log axis of counts: ``100k``, ``1M``, ``10G``."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:g}{suffix}"
    return f"{value:g}"


def _text_width(text: str, size: float) -> float:
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


def _label(ax: Axes, items: Sequence[tuple[float, float, str, bool]]) -> None:
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
    half = _MARKER_SIZE / 2 + 0.5
    at = [(float(px) * scale, float(py) * scale) for px, py in ax.transData.transform([(x, y) for x, y, *_ in items])]
    taken: list[Box] = [(px - half, py - half, px + half, py + half) for px, py in at]
    leaders: list[tuple[tuple[float, float], tuple[float, float]]] = []
    height = _LABEL_SIZE * 1.05
    pad = 0.8  # points kept clear around a label
    crossing = 100.0  # the crowding a line through a label or a point counts for, in square points
    for (x, y, text, must), point, own in zip(items, at, list(taken)):
        width = _text_width(text, _LABEL_SIZE)
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
            fontsize=_LABEL_SIZE, color="#222222", parse_math=False,
            arrowprops={"arrowstyle": "-", "color": "#808080", "linewidth": 0.45, "shrinkA": 0, "shrinkB": 2.5}
            if far else None,
        )  # fmt: skip


def _scatter(
    ax: Axes, points: Sequence[ZooPoint], xs: Sequence[float], ys: Sequence[float], styles: dict[str, tuple[str, str]]
) -> None:
    for group, (color, marker) in styles.items():
        chosen = [i for i, p in enumerate(points) if p.group == group]
        ax.scatter(
            [xs[i] for i in chosen], [ys[i] for i in chosen], s=_MARKER_SIZE**2, c=color, marker=marker,
            edgecolors="white", linewidths=0.4, zorder=3, label=group,
        )  # fmt: skip


def _log_limits(values: Sequence[float], low_pad: float, high_pad: float) -> tuple[float, float]:
    low, high = math.log10(min(values)), math.log10(max(values))
    return 10 ** (low - low_pad), 10 ** (high + high_pad)


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
        ax.set_xlim(*_log_limits([p.macs for p in points], 0.35, 0.35))
        ax.set_ylim(*_log_limits([p.params for p in points], 0.3, 0.3))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(_si))
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
        _label(ax, [(x, y, ", ".join(names), True) for x, y, names in labels])
        _legend(fig, ax, 4)
        return _svg(fig)


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
            ax.set_ylim(*_log_limits(values, 0.3, 0.3))
            ax.set_xlim(-0.55, len(years) - 0.45)
            ax.set_xticks(range(len(years)), labels=[str(y) for y in years])
            ax.yaxis.set_major_formatter(FuncFormatter(_si))
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
            _label(ax, [(xs[i], values[i], points[i].name, i in must) for i in ranked])
        depth_ax.tick_params(axis="x", labelbottom=False)
        _legend(fig, macs_ax, 4)
        return _svg(fig)


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
