"""A handout's charts of its layers: params, MACs and neurons per weighted layer; shares and receptive field along the depth."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archstats.render.charts.axes import count_axis, label_room, needs_log, scale_name
from archstats.render.charts.svg import WIDTH, drawn

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from archstats.analysis import Analysis, Layer

_PARAMS_COLOR = "#3b6ea8"
_MACS_COLOR = "#c0712c"
_NEURONS_COLOR = "#4f8a4b"
_RF_COLOR = "#7a4f9a"

# Up to this many layers a figure names each one; past it, layers are a sequence along the x axis.
NAMED_LAYERS = 40


def weighted_layers(analysis: Analysis) -> list[Layer]:
    """The layers that form weighted sums and ran, in execution order: the layers the figures plot."""
    return [layer for layer in analysis.layers if layer.weighted and layer.called]


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
    count_axis(ax.xaxis, log)
    for yi, v, label in zip(y, values, labels):
        ax.text(v if v > 0 else low, yi, f" {label}", va="center", ha="left", fontsize=6, color="#222222")
    ax.set_title(f"{title} ({scale_name(log)})", loc="left")
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
    count_axis(ax.yaxis, log)
    ax.set_title(f"{title} ({scale_name(log)})", loc="left")
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
        left = (label_room(names, 8.0) + 0.12) / WIDTH
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

        return drawn(named, (WIDTH, height))

    ticks, tick_labels = group_ticks(layers)
    below = label_room(tick_labels, 6.0) + 0.35

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

    return drawn(sequence, (WIDTH, 4.2 + below))


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
    count_axis(ax.yaxis, log)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_title(f"receptive field, side ({scale_name(log)})", loc="left")
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
    below = label_room(labels, 6.0) + 0.12
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

    return drawn(draw, (WIDTH, height))
