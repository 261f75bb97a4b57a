"""LeNet-5's sections: C3's partial connection table as a grid, F6's fixed RBF prototypes as bitmaps.

:func:`connection_table` and :func:`prototypes` compute each section's figures from the trace
and the buffers of the built network (no drawing); :func:`c3_section` and :func:`rbf_section`
turn them into text, tables and an inline SVG.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archstats.render import _format as fmt
from archstats.render.charts import shapes
from archstats.render.charts.svg import drawn
from archstats.render.sections.base import Section, Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from archstats.analysis import Analysis
    from archstats.handout_inputs import HandoutInputs
    from archstats.zoo import Report

TIMES = fmt.TIMES
Rows = Sequence[Sequence[Any]]


@dataclass(frozen=True)
class Readers:
    """Consecutive output maps of a partially connected layer that read as many input maps.

    Args:
        reads: input maps each of them reads.
        maps: the output maps, in the table's order.
        params: their weights and biases: ``len(maps) × (kernel taps × reads + 1)``.
        connections: ``params`` × the positions of the output grid.
    """

    reads: int
    maps: tuple[int, ...]
    params: int
    connections: int


@dataclass(frozen=True)
class ConnectionTable:
    """A partial connection table (LeNet-5's C3, LeCun et al. 1998 Table I) and what it counts.

    Args:
        layer: the layer holding the table.
        source: the weighted layer before it, whose maps it reads ("input" if none).
        table: outputs × inputs, True where output map o reads input map i.
        kernel: the convolution's kernel.
        grid: the output grid.
        readers: output maps grouped by how many input maps they read.
        params: parameters counted from the table.
        connections: connections counted from the table.
        dense_params: the parameters of a full convolution with the same kernel.
        traced_params: the traced layer's parameters.
        traced_connections: the traced layer's connections.
    """

    layer: str
    source: str
    table: tuple[tuple[bool, ...], ...]
    kernel: tuple[int, ...]
    grid: tuple[int, ...]
    readers: tuple[Readers, ...]
    params: int
    connections: int
    dense_params: int
    traced_params: int
    traced_connections: int


def _source(analysis: Analysis, index: int, default: str) -> str:
    """The last weighted layer before the row at ``index``."""
    return next((r.name for r in reversed(analysis.layers[:index]) if r.weighted), default)


def connection_table(analysis: Analysis, layer: str, held: Rows) -> ConnectionTable | None:
    """What a partial connection table counts, from the table the built module holds.

    Args:
        analysis: the traced network.
        layer: the module holding the table.
        held: the table as the module holds it, outputs × inputs.

    Returns:
        The counts, or None if the trace has no such layer.
    """
    try:
        row = analysis.layer(layer)
    except KeyError:
        return None
    table = tuple(tuple(bool(v) for v in line) for line in held)
    kernel = tuple(row.ops[0].kernel) if row.ops else ()
    taps = math.prod(kernel)
    grid = tuple(row.output_shape[2:]) if row.output_shape else ()
    units = math.prod(grid) if grid else 1
    spans: list[tuple[int, list[int]]] = []
    for o, line in enumerate(table):
        if spans and spans[-1][0] == sum(line):
            spans[-1][1].append(o)
        else:
            spans.append((sum(line), [o]))
    readers = tuple(
        Readers(reads, tuple(maps), (taps * reads + 1) * len(maps), (taps * reads + 1) * len(maps) * units)
        for reads, maps in spans
    )
    return ConnectionTable(
        layer=layer,
        source=_source(analysis, row.index, "input"),
        table=table,
        kernel=kernel,
        grid=grid,
        readers=readers,
        params=sum(r.params for r in readers),
        connections=sum(r.connections for r in readers),
        dense_params=(taps * len(table[0]) + 1) * len(table),
        traced_params=row.params,
        traced_connections=row.connections,
    )


@dataclass(frozen=True)
class Prototypes:
    """Fixed RBF prototypes (LeNet-5's output layer, LeCun et al. 1998 Sec. II-B), as bitmaps.

    Args:
        layer: the layer holding them.
        type: its module type.
        source: the weighted layer whose outputs it compares.
        values: one row per class.
        width: bitmap width (7).
        height: bitmap height (``features // 7``).
        levels: the distinct values.
        buffers: the layer's traced buffer elements.
        params: its traced parameters.
        connections: its traced connections.
        fvcore_macs: its traced MACs (fvcore's convention).
    """

    layer: str
    type: str
    source: str
    values: tuple[tuple[float, ...], ...]
    width: int
    height: int
    levels: tuple[float, ...]
    buffers: int
    params: int
    connections: int
    fvcore_macs: int

    @property
    def features(self) -> int:
        """The coordinates of each prototype."""
        return self.width * self.height


def prototypes(analysis: Analysis, layer: str, held: Rows) -> Prototypes | None:
    """The prototypes as bitmaps, from the buffer the built module holds.

    Args:
        analysis: the traced network.
        layer: the module holding the prototypes.
        held: one row per class.

    Returns:
        The bitmaps, or None if the trace has no such layer or a row is not 7 wide.
    """
    try:
        row = analysis.layer(layer)
    except KeyError:
        return None
    values = tuple(tuple(float(v) for v in line) for line in held)
    features = len(values[0])
    # The paper's bitmaps are 7 wide and 12 high (Sec. II-B): the 84 units of the layer before.
    width, height = 7, features // 7
    if width * height != features:
        return None
    return Prototypes(
        layer=layer,
        type=row.type,
        source=_source(analysis, row.index, "its input"),
        values=values,
        width=width,
        height=height,
        levels=tuple(sorted({v for line in values for v in line})),
        buffers=row.buffers,
        params=row.params,
        connections=row.connections,
        fvcore_macs=row.fvcore_macs,
    )


# -- drawings ---------------------------------------------------------------------------------


def _grid(table: Sequence[Sequence[bool]], name: str, source: str) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        outputs, inputs = len(table), len(table[0])
        ax = fig.add_axes((0.09, 0.2, 0.88, 0.62))
        on = [(o + 0.12, i + 0.12, 0.76, 0.76) for o, row in enumerate(table) for i, linked in enumerate(row) if linked]
        shapes.rectangles(ax, on, facecolor="#3b6ea8", edgecolor="none")
        ax.set_xlim(0, outputs)
        ax.set_ylim(inputs, 0)
        ax.set_xticks([o + 0.5 for o in range(outputs)], labels=[str(o) for o in range(outputs)])
        ax.set_yticks([i + 0.5 for i in range(inputs)], labels=[str(i) for i in range(inputs)])
        ax.set_xticks(range(outputs + 1), minor=True)
        ax.set_yticks(range(inputs + 1), minor=True)
        ax.grid(which="minor", color="#c8ced6", linewidth=0.6)
        ax.tick_params(which="both", length=0, labelsize=7)
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
        ax.set_xlabel(f"{name} map", fontsize=7.5)
        ax.set_ylabel(f"{source} map", fontsize=7.5)
        for o, row in enumerate(table):
            ax.text(o + 0.5, inputs + 0.55, str(sum(row)), ha="center", va="top", fontsize=7, color="#333333")
        ax.text(-0.3, inputs + 0.55, "reads", ha="right", va="top", fontsize=7, color="#333333")

    return draw


def _bitmaps(values: Sequence[Sequence[float]], width: int, height: int) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        n = len(values)
        gap = 2.0
        ax = fig.add_axes((0.01, 0.12, 0.98, 0.86))
        lefts = [d * (width + gap) for d in range(n)]
        shapes.rectangles(ax, [(left, 0, width, height) for left in lefts], facecolor="#f0f2f5", edgecolor="#9aa3ad",
                          linewidth=0.5)  # fmt: skip
        # Row-major, top row first, as the model lays out F6's 84 units.
        dark = [
            (left + j % width, j // width, 1, 1) for left, row in zip(lefts, values) for j, v in enumerate(row) if v > 0
        ]
        shapes.rectangles(ax, dark, facecolor="#1d1f23", edgecolor="none")
        for d, left in enumerate(lefts):
            ax.text(left + width / 2, height + 0.6, str(d), ha="center", va="top", fontsize=8)
        ax.set_xlim(-0.5, n * (width + gap) - gap + 0.5)
        ax.set_ylim(height + 2.2, -0.5)
        ax.set_aspect("equal")
        shapes.bare(ax)

    return draw


# -- sections ---------------------------------------------------------------------------------


def _c3_rows(c3: ConnectionTable) -> tuple[tuple[str, ...], ...]:
    k = fmt.shape(c3.kernel)
    return tuple(
        (
            f"{r.maps[0]}–{r.maps[-1]}" if len(r.maps) > 1 else str(r.maps[0]),
            fmt.num(r.reads),
            f"{len(r.maps)}{TIMES}({k}{TIMES}{r.reads}+1) = {fmt.num(r.params)}",
            f"{fmt.num(r.params)}{TIMES}{fmt.shape(c3.grid)} = {fmt.num(r.connections)}",
        )
        for r in c3.readers
    )


def _c3_text(c3: ConnectionTable) -> tuple[str, ...]:
    name, k = c3.layer, fmt.shape(c3.kernel)
    same = (c3.params, c3.connections) == (c3.traced_params, c3.traced_connections)
    return (
        f"Each of {name}'s {len(c3.table)} maps reads only some of the {len(c3.table[0])} maps of {c3.source}: "
        f"a filled square is a connection (the paper's Table I, as the network built here holds it). "
        f"The table breaks the symmetry between the maps and keeps the weights down: "
        f"{fmt.num(c3.params)} instead of the {fmt.num(c3.dense_params)} of a full {k} convolution.",
        f"Counted from the table: {fmt.num(c3.params)} parameters and {fmt.num(c3.connections)} connections; "
        f"traced: {fmt.num(c3.traced_params)} and {fmt.num(c3.traced_connections)}" + (" — the same." if same else "."),
    )


def c3_section(report: Report, inputs: HandoutInputs) -> Section | None:
    """The partial connection table of LeNet-5's C3 (LeCun et al. 1998, Table I), from the built module."""
    found = inputs.buffers.get("table")
    c3 = connection_table(report.analysis, *found) if found is not None else None
    if c3 is None:
        return None
    name = c3.layer
    return Section(
        id="c3-table",
        title=f"{name}: which maps each map reads",
        text=_c3_text(c3),
        figure=drawn(_grid(c3.table, name, c3.source), (7.2, 2.1)),
        caption=f"{name}'s connection table: columns are {name}'s maps, rows the maps of {c3.source}; "
        "under each column, how many maps it reads.",
        tables=(
            Table(
                head=(f"{name} maps", "reads", "parameters", "connections"),
                rows=_c3_rows(c3),
                foot=("all", "", fmt.num(c3.params), fmt.num(c3.connections)),
                numeric=(False, True, True, True),
            ),
        ),
        data=c3,
    )


def rbf_section(report: Report, inputs: HandoutInputs) -> Section | None:
    """LeNet-5's fixed RBF prototypes, drawn as the bitmaps they are, from the built module."""
    found = inputs.buffers.get("prototypes")
    p = prototypes(report.analysis, *found) if found is not None else None
    if p is None:
        return None
    name, features = p.layer, p.features
    text = (
        f"{name} compares {p.source}'s {features} outputs with one fixed prototype per class, a "
        f"{p.width}{TIMES}{p.height} bitmap of {' and '.join(f'{v:+g}'.replace('-', '−') for v in p.levels)}, and "
        "outputs the squared Euclidean distance to each. "
        f"The prototypes are drawn below as the network holds them (dark: +1).",
        f"They are {len(p.values)}{TIMES}{features} = {fmt.num(len(p.values) * features)} fixed values, "
        f"never trained, held as a buffer rather than as parameters (traced: {fmt.num(p.buffers)} in buffers, "
        f"{fmt.num(p.params)} parameters); "
        f"{name}'s {fmt.num(p.connections)} connections and {fmt.num(p.fvcore_macs)} MACs are one per prototype "
        "coordinate, with no bias.",
    )
    return Section(
        id="rbf-prototypes",
        title=f"{name} ({p.type}): the fixed prototypes",
        text=text,
        figure=drawn(_bitmaps(p.values, p.width, p.height), (7.2, 1.35)),
        caption=f"The {len(p.values)} prototypes of {name}, {p.width}{TIMES}{p.height} each, class by class.",
        data=p,
    )
