"""AlexNet's section: the towers that its grouped convolutions encode (Krizhevsky et al. 2012, Fig. 2).

:func:`towers` reads the grouping from the trace (no drawing); :func:`towers_section` turns it
into text, a table and an inline SVG.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archstats.render import _format as fmt
from archstats.render.charts import shapes
from archstats.render.charts.svg import drawn
from archstats.render.sections.base import Section, Table

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from archstats.analysis import Analysis, Layer
    from archstats.handout_inputs import HandoutInputs
    from archstats.zoo import Report

TIMES = fmt.TIMES


def groups(layer: Layer) -> int:
    """How many groups a weighted layer's op splits its input into (1 for a dense layer).

    Read from the trace: a convolution's input maps over the maps each of its kernels reads.
    """
    op = layer.ops[0]
    if op.kind != "conv" or not layer.input_shape or len(layer.input_shape) < 2:
        return 1
    return max(1, layer.input_shape[1] // op.fan_in_maps)


@dataclass(frozen=True)
class Towers:
    """A network's weighted layers and how many ways each is grouped.

    Args:
        towers: the most groups of any layer: the towers the network was split into.
        layers: its weighted layers that ran, in order.
        groups: layer name -> groups.
        saved_params: the parameters that one-tower (ungrouped) versions of the grouped layers would add.
        params: the network's parameters.
    """

    towers: int
    layers: tuple[Layer, ...]
    groups: dict[str, int]
    saved_params: int
    params: int


def towers(analysis: Analysis) -> Towers | None:
    """The towers of a traced network, or None if no layer is grouped."""
    layers = tuple(r for r in analysis.layers if r.weighted and r.called)
    by_name = {r.name: groups(r) for r in layers}
    most = max(by_name.values(), default=1)
    if most < 2:
        return None
    saved = 0
    for r in layers:
        g, op = by_name[r.name], r.ops[0]
        if g > 1:
            saved += op.maps * (math.prod(op.kernel) * op.fan_in_maps * g + int(op.bias)) - r.params
    return Towers(most, layers, by_name, saved, analysis.totals.params)


def _rows(t: Towers) -> tuple[tuple[str, ...], ...]:
    rows: list[tuple[str, ...]] = []
    for r in t.layers:
        op, g = r.ops[0], t.groups[r.name]
        kernel = fmt.shape(op.kernel)
        reads = op.fan_in_maps if op.kind == "conv" else op.fan_in
        weights = f"{kernel}{TIMES}{reads}" if kernel else str(reads)
        if g > 1:
            params = f"{g}{TIMES}({weights}+{int(op.bias)}){TIMES}{op.maps // g} = {fmt.num(r.params)}"
            seen = f"its own tower's {fmt.num(reads)} of {fmt.num(reads * g)} maps"
        else:
            params = r.formulas.get("params", fmt.num(r.params))
            unit = "maps" if op.kind == "conv" else "inputs"
            seen = f"all {fmt.num(reads)} {unit} of " + ("both towers" if rows else "the input")
        per = fmt.num(op.maps // g) if g > 1 else fmt.num(op.maps)
        rows.append((r.name, str(g), seen, per, params, fmt.num(r.fvcore_macs)))
    return tuple(rows)


def _drawing(t: Towers, input_shape: Sequence[int]) -> Callable[[Figure], None]:
    layers, towers = t.layers, t.towers
    w, h = 0.62, 0.62

    def column(ax: Axes, c: int, layer: Layer, sources: list[float]) -> list[float]:
        """Layer ``c``'s boxes, one per tower or one whole, and the lines into them; returns their heights."""
        g, op = t.groups[layer.name], layer.ops[0]
        middle = (towers - 1) / 2 + 0.5
        # The towers hold half of each layer's maps; the last layer, the classes, is drawn whole.
        split = c < len(layers) and op.maps % towers == 0
        x = c + w / 2
        reads = "own tower" if g > 1 else ("both towers" if len(sources) > 1 else "all inputs")
        ax.text(x, towers + 0.45, layer.name, ha="center", va="center", fontsize=7.5, weight="bold",
                parse_math=False)  # fmt: skip
        ax.text(x, towers + 0.2, reads, ha="center", va="center", fontsize=6, color="#8a5a00" if g > 1 else "#1f4c80")
        grid = fmt.shape(layer.output_shape[2:]) if layer.output_shape and len(layer.output_shape) > 2 else ""
        targets = [towers - 1 - i + 0.5 for i in range(towers)] if split else [middle]
        for y in targets:
            color = "#dce8f5" if op.kind == "conv" else "#f6e3d2"
            shapes.box(ax, x, y, w, h, f"{op.maps // len(targets):,}", grid, color, 7)
        # From each box of the column before: within a tower for a grouped layer, to every box for a dense one.
        for s_i, s in enumerate(sources):
            for t_i, y in enumerate(targets):
                within = len(sources) == len(targets) and s_i == t_i
                if g > 1 and not within:
                    continue
                ax.plot([x - 1 + w / 2, x - w / 2], [s, y], color="#5b6570", linewidth=0.7,
                        alpha=0.9 if within or len(sources) == 1 or len(targets) == 1 else 0.45)  # fmt: skip
        return targets

    def draw(fig: Figure) -> None:
        n = len(layers) + 1
        ax = fig.add_axes((0.01, 0.02, 0.98, 0.96))
        ax.set_xlim(-0.2, n - 0.3)
        ax.set_ylim(-0.1, towers + 0.75)
        shapes.bare(ax)
        middle = (towers - 1) / 2 + 0.5
        shapes.box(ax, w / 2, middle, w * 1.2, h, "input", fmt.shape(input_shape[1:]), "#eeeeee", 7)
        sources = [middle]
        for c, layer in enumerate(layers, start=1):
            sources = column(ax, c, layer, sources)

    return draw


def towers_section(report: Report, inputs: HandoutInputs) -> Section | None:
    """The towers of the original AlexNet, read from the grouped convolutions of the trace."""
    analysis = report.analysis
    t = towers(analysis)
    if t is None:
        return None
    grouped = [r.name for r in t.layers if t.groups[r.name] > 1]
    dense_names = [r.name for r in t.layers[1:] if t.groups[r.name] == 1]
    text = (
        f"The network was trained split over {t.towers} GPUs. In a single module that split is the groups of the "
        f"convolutions: {', '.join(grouped)} {'is' if len(grouped) == 1 else 'are'} grouped {t.towers} ways, so "
        f"each of their maps reads only its own tower's half of the layer below; "
        f"{', '.join(dense_names)} read both towers. The grouping is read from the trace: a layer's groups are "
        "its input maps over the maps each kernel reads.",
        f"Grouping halves the kernels of those layers: one-tower versions would hold {fmt.num(t.saved_params)} more "
        f"parameters ({fmt.num(t.params + t.saved_params)} in all instead of {fmt.num(t.params)}), "
        "and do as many more MACs per output position.",
    )
    return Section(
        id="towers",
        title=f"The {t.towers} towers",
        text=text,
        figure=drawn(_drawing(t, analysis.input_shape), (7.2, 1.9)),
        caption="Maps per tower, layer by layer, with the output grid under each count: straight lines stay within "
        "a tower (grouped layers), crossing lines join the towers (dense layers).",
        tables=(
            Table(
                head=("layer", "groups", "each map reads", "maps per group", "parameters", "MACs"),
                rows=_rows(t),
                numeric=(False, True, False, True, True, True),
            ),
        ),
        data=t,
    )
