"""What only some networks have, as sections of their handouts: every figure from the traced or built network.

- LeNet-5: C3's connection table as a grid, the RBF prototypes as 7×12 bitmaps.
- AlexNet: the two towers that the grouped convolutions encode.
- Inception 3a: the naive module beside the one with 1×1 reductions, branch by branch.
- ResNets: identity and projection shortcuts, drawn from traced blocks and counted per stage.

:data:`FAMILIES` says which zoo networks get which sections, :data:`NEEDS` what each section
reads besides the report: the buffers of the built network and other traced networks, which
:func:`archstats.handout_inputs.gather` gathers before rendering.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archstats.render import _format as fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from archstats.analysis import Analysis, Layer
    from archstats.handout_inputs import HandoutInputs
    from archstats.zoo import Report

TIMES = fmt.TIMES


@dataclass(frozen=True)
class Table:
    """A small table of a section: every cell already text.

    Args:
        head: column titles.
        rows: the body.
        foot: a totals row, or empty.
        numeric: which columns hold numbers (right-aligned).
        caption: what it shows.
    """

    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    foot: tuple[str, ...] = ()
    numeric: tuple[bool, ...] = ()
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """One special section of a handout.

    Args:
        id: its anchor in the page.
        title: its heading.
        text: paragraphs, computed from the network.
        figure: an inline SVG drawn from the network, or "".
        caption: the figure's caption.
        tables: its tables.
        data: the raw values behind the text and the drawing, for tests and other renderers.
    """

    id: str
    title: str
    text: tuple[str, ...]
    figure: str = ""
    caption: str = ""
    tables: tuple[Table, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)


Special = Callable[["Report", "HandoutInputs"], "Section | None"]


def _svg(draw: Callable[[Figure], None], size: tuple[float, float]) -> str:
    from archstats.render.charts.svg import drawn

    return drawn(draw, size)


def _bare(ax: Axes) -> None:
    ax.set_axis_off()


def _rectangles(ax: Axes, boxes: Sequence[tuple[float, float, float, float]], **style: Any) -> None:
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


def _box(ax: Axes, x: float, y: float, w: float, h: float, label: str, note: str, color: str, size: float) -> None:
    """A rounded box centred on (x, y), its label, and under it a smaller note."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.05",
                                facecolor=color, edgecolor="#5b6570", linewidth=0.6))  # fmt: skip
    if note:
        ax.text(x, y + h * 0.16, label, ha="center", va="center", fontsize=size, parse_math=False)
        ax.text(x, y - h * 0.24, note, ha="center", va="center", fontsize=size - 0.7, color="#444444")
    else:
        ax.text(x, y, label, ha="center", va="center", fontsize=size, parse_math=False)


# -- LeNet-5 ------------------------------------------------------------------------------


def _c3_grid(table: Sequence[Sequence[bool]], name: str, source: str) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        outputs, inputs = len(table), len(table[0])
        ax = fig.add_axes((0.09, 0.2, 0.88, 0.62))
        on = [(o + 0.12, i + 0.12, 0.76, 0.76) for o, row in enumerate(table) for i, linked in enumerate(row) if linked]
        _rectangles(ax, on, facecolor="#3b6ea8", edgecolor="none")
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


def lenet_c3(report: Report, inputs: HandoutInputs) -> Section | None:
    """The partial connection table of LeNet-5's C3 (LeCun et al. 1998, Table I), from the built module."""
    found = inputs.buffers.get("table")
    if found is None:
        return None
    name, held = found
    try:
        layer = report.analysis.layer(name)
    except KeyError:
        return None
    # The table as the module holds it: outputs x inputs, True where output map o reads input map i.
    table = [[bool(v) for v in row] for row in held]
    source = next((r.name for r in reversed(report.analysis.layers[: layer.index]) if r.weighted), "input")
    kernel = layer.ops[0].kernel if layer.ops else ()
    taps = math.prod(kernel)
    spatial = layer.output_shape[2:] if layer.output_shape else ()
    units = math.prod(spatial) if spatial else 1
    # Output maps grouped by how many input maps they read, in the order the table lists them.
    groups: list[tuple[int, list[int]]] = []
    for o, row in enumerate(table):
        reads = sum(row)
        if groups and groups[-1][0] == reads:
            groups[-1][1].append(o)
        else:
            groups.append((reads, [o]))
    rows = []
    params_total = connections_total = 0
    k = TIMES.join(str(d) for d in kernel)
    for reads, maps in groups:
        per_map = taps * reads + 1
        params = per_map * len(maps)
        connections = params * units
        params_total += params
        connections_total += connections
        span = f"{maps[0]}–{maps[-1]}" if len(maps) > 1 else str(maps[0])
        rows.append(
            (
                span,
                fmt.num(reads),
                f"{len(maps)}{TIMES}({k}{TIMES}{reads}+1) = {fmt.num(params)}",
                f"{fmt.num(params)}{TIMES}{fmt.shape(spatial)} = {fmt.num(connections)}",
            )
        )
    dense = (taps * len(table[0]) + 1) * len(table)
    text = (
        f"Each of {name}'s {len(table)} maps reads only some of the {len(table[0])} maps of {source}: "
        f"a filled square is a connection (the paper's Table I, as the network built here holds it). "
        f"The table breaks the symmetry between the maps and keeps the weights down: "
        f"{fmt.num(params_total)} instead of the {fmt.num(dense)} of a full {k} convolution.",
        f"Counted from the table: {fmt.num(params_total)} parameters and {fmt.num(connections_total)} connections; "
        f"traced: {fmt.num(layer.params)} and {fmt.num(layer.connections)}"
        + (" — the same." if (params_total, connections_total) == (layer.params, layer.connections) else "."),
    )
    return Section(
        id="c3-table",
        title=f"{name}: which maps each map reads",
        text=text,
        figure=_svg(_c3_grid(table, name, source), (7.2, 2.1)),
        caption=f"{name}'s connection table: columns are {name}'s maps, rows the maps of {source}; "
        "under each column, how many maps it reads.",
        tables=(
            Table(
                head=(f"{name} maps", "reads", "parameters", "connections"),
                rows=tuple(rows),
                foot=("all", "", fmt.num(params_total), fmt.num(connections_total)),
                numeric=(False, True, True, True),
            ),
        ),
        data={
            "layer": name,
            "table": tuple(tuple(row) for row in table),
            "params": params_total,
            "connections": connections_total,
            "dense_params": dense,
        },
    )


def _bitmaps(prototypes: Sequence[Sequence[float]], width: int, height: int) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        n = len(prototypes)
        gap = 2.0
        ax = fig.add_axes((0.01, 0.12, 0.98, 0.86))
        lefts = [d * (width + gap) for d in range(n)]
        _rectangles(ax, [(left, 0, width, height) for left in lefts], facecolor="#f0f2f5", edgecolor="#9aa3ad",
                    linewidth=0.5)  # fmt: skip
        # Row-major, top row first, as the model lays out F6's 84 units.
        dark = [
            (left + j % width, j // width, 1, 1)
            for left, values in zip(lefts, prototypes)
            for j, v in enumerate(values)
            if v > 0
        ]
        _rectangles(ax, dark, facecolor="#1d1f23", edgecolor="none")
        for d, left in enumerate(lefts):
            ax.text(left + width / 2, height + 0.6, str(d), ha="center", va="top", fontsize=8)
        ax.set_xlim(-0.5, n * (width + gap) - gap + 0.5)
        ax.set_ylim(height + 2.2, -0.5)
        ax.set_aspect("equal")
        _bare(ax)

    return draw


def lenet_rbf(report: Report, inputs: HandoutInputs) -> Section | None:
    """LeNet-5's fixed RBF prototypes, drawn as the bitmaps they are, from the built module."""
    found = inputs.buffers.get("prototypes")
    if found is None:
        return None
    name, held = found
    prototypes = [list(row) for row in held]
    try:
        layer = report.analysis.layer(name)
    except KeyError:
        return None
    features = len(prototypes[0])
    # The paper's bitmaps are 7 wide and 12 high (Sec. II-B): the 84 units of the layer before.
    width, height = 7, features // 7
    if width * height != features:
        return None
    values = sorted({v for row in prototypes for v in row})
    source = next((r.name for r in reversed(report.analysis.layers[: layer.index]) if r.weighted), "its input")
    text = (
        f"{name} compares {source}'s {features} outputs with one fixed prototype per class, a {width}{TIMES}{height} "
        f"bitmap of {' and '.join(f'{v:+g}'.replace('-', '−') for v in values)}, and outputs the squared Euclidean "
        "distance to each. "
        f"The prototypes are drawn below as the network holds them (dark: +1).",
        f"They are {len(prototypes)}{TIMES}{features} = {fmt.num(len(prototypes) * features)} fixed values, "
        f"never trained, held as a buffer rather than as parameters (traced: {fmt.num(layer.buffers)} in buffers, "
        f"{fmt.num(layer.params)} parameters); "
        f"{name}'s {fmt.num(layer.connections)} connections and {fmt.num(layer.fvcore_macs)} MACs are one per prototype "
        "coordinate, with no bias.",
    )
    return Section(
        id="rbf-prototypes",
        title=f"{name} ({layer.type}): the fixed prototypes",
        text=text,
        figure=_svg(_bitmaps(prototypes, width, height), (7.2, 1.35)),
        caption=f"The {len(prototypes)} prototypes of {name}, {width}{TIMES}{height} each, class by class.",
        data={"layer": name, "prototypes": tuple(tuple(row) for row in prototypes), "width": width, "height": height},
    )


# -- AlexNet ------------------------------------------------------------------------------


def _groups(layer: Layer) -> int:
    """How many groups a weighted layer's op splits its input into (1 for a dense layer)."""
    op = layer.ops[0]
    if op.kind != "conv" or not layer.input_shape or len(layer.input_shape) < 2:
        return 1
    return max(1, layer.input_shape[1] // op.fan_in_maps)


def _towers_drawing(layers: Sequence[Layer], towers: int, input_shape: Sequence[int]) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        n = len(layers) + 1
        ax = fig.add_axes((0.01, 0.02, 0.98, 0.96))
        ax.set_xlim(-0.2, n - 0.3)
        ax.set_ylim(-0.1, towers + 0.75)
        _bare(ax)
        w, h = 0.62, 0.62
        middle = (towers - 1) / 2 + 0.5
        _box(ax, w / 2, middle, w * 1.2, h, "input", fmt.shape(input_shape[1:]), "#eeeeee", 7)
        sources = [middle]
        for c, layer in enumerate(layers, start=1):
            g, op = _groups(layer), layer.ops[0]
            # The towers hold half of each layer's maps; the last layer, the classes, is drawn whole.
            split = c < len(layers) and op.maps % towers == 0
            x = c + w / 2
            reads = "own tower" if g > 1 else ("both towers" if len(sources) > 1 else "all inputs")
            ax.text(x, towers + 0.45, layer.name, ha="center", va="center", fontsize=7.5, weight="bold",
                    parse_math=False)  # fmt: skip
            ax.text(
                x, towers + 0.2, reads, ha="center", va="center", fontsize=6, color="#8a5a00" if g > 1 else "#1f4c80"
            )
            grid = fmt.shape(layer.output_shape[2:]) if layer.output_shape and len(layer.output_shape) > 2 else ""
            targets = [towers - 1 - t + 0.5 for t in range(towers)] if split else [middle]
            for y in targets:
                _box(
                    ax,
                    x,
                    y,
                    w,
                    h,
                    f"{op.maps // len(targets):,}",
                    grid,
                    "#dce8f5" if op.kind == "conv" else "#f6e3d2",
                    7,
                )
            # From each box of the column before: within a tower for a grouped layer, to every box for a dense one.
            for s_i, s in enumerate(sources):
                for t_i, t in enumerate(targets):
                    within = len(sources) == len(targets) and s_i == t_i
                    if g > 1 and not within:
                        continue
                    ax.plot([x - 1 + w / 2, x - w / 2], [s, t], color="#5b6570", linewidth=0.7,
                            alpha=0.9 if within or len(sources) == 1 or len(targets) == 1 else 0.45)  # fmt: skip
            sources = targets

    return draw


def alexnet_towers(report: Report, inputs: HandoutInputs) -> Section | None:
    """The two towers of the original AlexNet, read from the grouped convolutions of the trace."""
    analysis = report.analysis
    layers = [r for r in analysis.layers if r.weighted and r.called]
    groups = {r.name: _groups(r) for r in layers}
    towers = max(groups.values(), default=1)
    if towers < 2:
        return None
    rows: list[tuple[str, ...]] = []
    saved = 0
    for r in layers:
        op = r.ops[0]
        g = groups[r.name]
        per = op.maps // g
        kernel = TIMES.join(str(d) for d in op.kernel) if op.kernel else ""
        reads = op.fan_in_maps if op.kind == "conv" else op.fan_in
        weights = f"{kernel}{TIMES}{reads}" if kernel else str(reads)
        if g > 1:
            params = f"{g}{TIMES}({weights}+{int(op.bias)}){TIMES}{per} = {fmt.num(r.params)}"
            dense = op.maps * (math.prod(op.kernel) * reads * g + int(op.bias))
            saved += dense - r.params
            seen = f"its own tower's {fmt.num(reads)} of {fmt.num(reads * g)} maps"
        else:
            params = r.formulas.get("params", fmt.num(r.params))
            unit = "maps" if op.kind == "conv" else "inputs"
            seen = f"all {fmt.num(reads)} {unit} of " + ("both towers" if rows else "the input")
        rows.append(
            (r.name, str(g), seen, f"{fmt.num(per)}" if g > 1 else fmt.num(op.maps), params, fmt.num(r.fvcore_macs))
        )
    grouped = [r.name for r in layers if groups[r.name] > 1]
    dense_names = [r.name for r in layers[1:] if groups[r.name] == 1]
    text = (
        f"The network was trained split over {towers} GPUs. In a single module that split is the groups of the "
        f"convolutions: {', '.join(grouped)} {'is' if len(grouped) == 1 else 'are'} grouped {towers} ways, so each "
        f"of their maps reads only its own tower's half of the layer below; "
        f"{', '.join(dense_names)} read both towers. The grouping is read from the trace: a layer's groups are "
        "its input maps over the maps each kernel reads.",
        f"Grouping halves the kernels of those layers: one-tower versions would hold {fmt.num(saved)} more "
        f"parameters ({fmt.num(analysis.totals.params + saved)} in all instead of {fmt.num(analysis.totals.params)}), "
        "and do as many more MACs per output position.",
    )
    return Section(
        id="towers",
        title=f"The {towers} towers",
        text=text,
        figure=_svg(_towers_drawing(layers, towers, analysis.input_shape), (7.2, 1.9)),
        caption="Maps per tower, layer by layer, with the output grid under each count: straight lines stay within "
        "a tower (grouped layers), crossing lines join the towers (dense layers).",
        tables=(
            Table(
                head=("layer", "groups", "each map reads", "maps per group", "parameters", "MACs"),
                rows=tuple(rows),
                numeric=(False, True, False, True, True, True),
            ),
        ),
        data={"towers": towers, "groups": groups, "saved_params": saved},
    )


# -- Inception 3a -------------------------------------------------------------------------

NAIVE, REDUCED = "inception-3a-naive", "inception-3a"


@dataclass(frozen=True)
class _Branch:
    name: str
    steps: tuple[str, ...]  # "1×1 conv, 96", "3×3 max-pool"
    maps: int
    params: int
    macs: int


def _branches(analysis: Analysis) -> tuple[list[_Branch], int]:
    """An Inception module's branches, from its rows (``branch1.conv`` ...), and its output maps."""
    by_branch: dict[str, list[Layer]] = {}
    maps_out = 0
    for r in analysis.layers:
        top = r.name.split(".")[0]
        if top.startswith("branch"):
            by_branch.setdefault(top, []).append(r)
        elif r.output_shape and len(r.output_shape) > 1:
            maps_out = r.output_shape[1]
    branches = []
    for name, rows in by_branch.items():
        steps = []
        for r in rows:
            if r.weighted:
                op = r.ops[0]
                steps.append(f"{TIMES.join(str(d) for d in op.kernel)} conv, {op.maps}")
            elif r.windows:
                w = r.windows[0]
                kind = "max-pool" if "max" in w.op or "Max" in r.type else "pool"
                steps.append(f"{TIMES.join(str(d) for d in w.kernel)} {kind}")
        last = rows[-1]
        maps = last.output_shape[1] if last.output_shape and len(last.output_shape) > 1 else 0
        branches.append(
            _Branch(name, tuple(steps), maps, sum(r.params for r in rows), sum(r.fvcore_macs for r in rows))
        )
    return branches, maps_out


def _module_drawing(
    modules: Sequence[tuple[str, list[_Branch], int, tuple[int, ...]]],
) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        # One vertical scale for both modules: a box is as tall in each.
        deepest = max(len(b.steps) for _, branches, _, _ in modules for b in branches)
        for m, (title, branches, maps_out, in_shape) in enumerate(modules):
            ax = fig.add_axes((0.01 + m * 0.5, 0.02, 0.47, 0.9))
            _bare(ax)
            columns = len(branches)
            ax.set_xlim(0, columns)
            ax.set_ylim(-1.45, deepest + 1.5)
            ax.set_title(title, fontsize=8.5, loc="left", parse_math=False)

            _box(ax, columns / 2, -0.55, columns * 0.9, 0.6, f"input {fmt.shape(in_shape)}", "", "#eeeeee", 6.5)
            _box(
                ax,
                columns / 2,
                deepest + 0.85,
                columns * 0.9,
                0.6,
                f"concatenation: {maps_out:,} maps",
                "",
                "#eeeeee",
                6.5,
            )
            for c, b in enumerate(branches):
                x = c + 0.5
                ax.plot([x, x], [-0.25, deepest + 0.55], color="#5b6570", linewidth=0.7, zorder=0)
                for s, step in enumerate(b.steps):
                    y = s + 0.5 + (deepest - len(b.steps))  # the last step of every branch under the concatenation
                    one_by_one = step.startswith(f"1{TIMES}1 ")
                    color = "#f0f2f5" if "pool" in step else ("#fbe3c8" if one_by_one else "#dce8f5")
                    _box(ax, x, y, 0.9, 0.6, step, "", color, 6.5)
                ax.text(x, -1.05, f"{b.params:,} p\n{b.macs / 1e6:,.1f} M MACs", ha="center", va="center",
                        fontsize=6, color="#333333")  # fmt: skip

    return draw


def inception_3a(report: Report, inputs: HandoutInputs) -> Section | None:
    """Inception 3a without and with its 1×1 reductions, side by side, from both traces."""
    analyses = {}
    for name in (NAIVE, REDUCED):
        same = report.spec.name == name and report.analysis.input_shape == report.spec.input_shape
        analyses[name] = report.analysis if same else inputs.others[name]
    naive, n_maps = _branches(analyses[NAIVE])
    reduced, r_maps = _branches(analyses[REDUCED])
    if not naive or not reduced:
        return None
    in_shape = tuple(analyses[REDUCED].input_shape[1:])
    rows = []
    for i in range(max(len(naive), len(reduced))):
        a = naive[i] if i < len(naive) else None
        b = reduced[i] if i < len(reduced) else None
        rows.append(
            (
                (a or b).name if (a or b) else "",  # type: ignore[union-attr]
                " → ".join(a.steps) if a else "",
                fmt.num(a.params) if a else "",
                fmt.num(a.macs) if a else "",
                " → ".join(b.steps) if b else "",
                fmt.num(b.params) if b else "",
                fmt.num(b.macs) if b else "",
            )
        )
    ta, tb = analyses[NAIVE].totals, analyses[REDUCED].totals
    foot = (
        f"all: {n_maps:,} / {r_maps:,} maps out",
        "",
        fmt.num(ta.params),
        fmt.num(ta.fvcore_macs),
        "",
        fmt.num(tb.params),
        fmt.num(tb.fvcore_macs),
    )
    expensive = max(range(len(naive)), key=lambda i: naive[i].macs)
    e_naive = naive[expensive]
    e_reduced = reduced[expensive] if expensive < len(reduced) else None
    text = [
        f"Both modules read the same {fmt.shape(in_shape)} input and keep its grid. The naive module "
        f"(Szegedy et al.'s Figure 2(a)) convolves all {in_shape[0]} input maps at every size and passes the "
        f"pooled maps on whole, so its output has {n_maps:,} maps; 1×1 convolutions before the larger "
        f"kernels and after the pooling (Figure 2(b)) bring it to {r_maps:,}.",
        f"The reductions cut the parameters from {fmt.num(ta.params)} to {fmt.num(tb.params)} "
        f"({tb.params / ta.params:.1%}) and the MACs from {fmt.num(ta.fvcore_macs)} to {fmt.num(tb.fvcore_macs)} "
        f"({tb.fvcore_macs / ta.fvcore_macs:.1%}). The dearest naive branch, {e_naive.name} ({' → '.join(e_naive.steps)}), "
        f"does {fmt.num(e_naive.macs)} MACs" + (f"; reduced, {fmt.num(e_reduced.macs)}." if e_reduced else "."),
    ]
    if report.spec.name not in (NAIVE, REDUCED):
        mine = [r for r in report.analysis.layers if r.name.startswith("inception_3a.")]
        if mine:
            same = sum(r.params for r in mine) == tb.params and sum(r.fvcore_macs for r in mine) == tb.fvcore_macs
            text.append(
                f"{report.analysis.network}'s own inception_3a holds {fmt.num(sum(r.params for r in mine))} "
                f"parameters and does {fmt.num(sum(r.fvcore_macs for r in mine))} MACs"
                + (", as the module traced alone." if same else ".")
            )
    return Section(
        id="inception-3a",
        title="Inception 3a: naive and with 1×1 reductions",
        text=tuple(text),
        figure=_svg(
            _module_drawing(
                [
                    (f"naive ({NAIVE})", naive, n_maps, in_shape),
                    (f"with reductions ({REDUCED})", reduced, r_maps, in_shape),
                ]
            ),
            (7.2, 2.7),
        ),
        caption="Each branch bottom-up from the shared input, with its parameters (p) and MACs under it; "
        "1×1 convolutions in orange.",
        tables=(
            Table(
                head=("branch", "naive", "params", "MACs", "with reductions", "params", "MACs"),
                rows=tuple(rows),
                foot=foot,
                numeric=(False, False, True, True, False, True, True),
            ),
        ),
        data={
            "naive": {b.name: (b.params, b.macs, b.maps) for b in naive},
            "reduced": {b.name: (b.params, b.macs, b.maps) for b in reduced},
            "naive_totals": (ta.params, ta.fvcore_macs, n_maps),
            "reduced_totals": (tb.params, tb.fvcore_macs, r_maps),
        },
    )


# -- ResNet shortcuts ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    name: str
    main: tuple[Layer, ...]
    shortcut: tuple[Layer, ...]
    own: Layer

    @property
    def kind(self) -> str:
        if not self.shortcut:
            return "identity"
        if any(r.params for r in self.shortcut):
            return "projection"
        return "parameter-free"

    @property
    def shortcut_params(self) -> int:
        return sum(r.params for r in self.shortcut)


def _blocks(analysis: Analysis) -> list[_Block]:
    """Residual blocks: a module whose own row adds (its shortcut to its output), with its rows."""
    adders = {r.name: r for r in analysis.layers if any("add" in op for op in r.uncounted_ops)}
    inner: dict[str, list[Layer]] = {name: [] for name in adders}
    for r in analysis.layers:
        parts = r.name.split(".")
        # Every enclosing module that adds: a block's rows, whatever their depth in it.
        for cut in range(1, len(parts)):
            owner = ".".join(parts[:cut])
            if owner in inner:
                inner[owner].append(r)
    blocks = []
    for name, own in adders.items():
        rows = inner[name]
        if not rows:
            continue
        path = name + ".shortcut"
        shortcut = tuple(r for r in rows if r.name == path or r.name.startswith(path + "."))
        main = tuple(r for r in rows if r not in shortcut)
        blocks.append(_Block(name, main, shortcut, own))
    return blocks


def _step(r: Layer) -> str:
    """A row as a diagram shows it: ``conv 3×3, 64, /2`` or ``BN``."""
    if r.weighted and r.windows:
        w = r.windows[0]
        stride = f", /{w.stride[0]}" if w.stride and max(w.stride) > 1 else ""
        return f"conv {TIMES.join(str(d) for d in w.kernel)}, {r.ops[0].maps}{stride}"
    if r.weighted:
        return f"{r.ops[0].kind} {r.ops[0].maps}"
    if r.windows:
        w = r.windows[0]
        stride = f", /{w.stride[0]}" if w.stride and max(w.stride) > 1 else ""
        return f"subsample{stride}, pad maps"
    return "BN" if "Norm" in r.type else r.type


def _drawn_rows(block: _Block) -> list[Layer]:
    """The rows of a block's main path that a diagram shows: those with parameters or MACs."""
    return [r for r in block.main if r.params or r.fvcore_macs]


def _shared(block: _Block) -> int:
    """How many drawn rows both paths read: a pre-activation before the first weighted layer, run before the shortcut."""
    if not block.shortcut:
        return 0
    shared = 0
    for r in _drawn_rows(block):
        if r.weighted or r.index > block.shortcut[0].index:
            break
        shared += 1
    return shared


def _shortcut_drawing(blocks: Sequence[_Block]) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        for i, block in enumerate(blocks):
            ax = fig.add_axes((0.01 + i * 0.5, 0.01, 0.47, 0.9))
            _bare(ax)
            main = _drawn_rows(block)
            steps, shared = len(main), _shared(block)
            ax.set_xlim(0, 2)
            ax.set_ylim(-steps - 1.6, 1.0)
            ax.set_title(f"{block.name}: {block.kind} shortcut", fontsize=8.5, loc="left", parse_math=False)
            in_shape = main[0].input_shape if main and main[0].input_shape else None
            ax.text(0.6, 0.55, f"in {fmt.sample_shape(in_shape)}", ha="center", va="center", fontsize=6.5)
            ax.plot([0.6, 0.6], [0.4, -steps - 0.6], color="#5b6570", linewidth=0.7, zorder=0)
            for s, r in enumerate(main):
                color = "#dce8f5" if r.weighted else "#f0f2f5"
                _box(ax, 0.6, -s - 0.3, 0.84, 0.64, _step(r), f"{r.params:,} p", color, 6.5)
            add_y = -steps - 0.75
            # A marker stays round whatever the axes' aspect.
            ax.plot([0.6], [add_y], marker="o", markersize=10, markerfacecolor="white", markeredgecolor="#5b6570",
                    markeredgewidth=0.8, zorder=3)  # fmt: skip
            ax.text(0.6, add_y, "+", ha="center", va="center", fontsize=9, zorder=4)
            ax.text(0.6, add_y - 0.5, f"out {fmt.sample_shape(block.own.output_shape)}", ha="center", va="center",
                    fontsize=6.5)  # fmt: skip
            # The shortcut: from the input (or after a shared pre-activation), down the right, into the addition.
            start = 0.4 if not shared else -shared + 0.2
            ax.plot([0.6, 1.45, 1.45, 0.74], [start, start, add_y, add_y], color="#c0712c", linewidth=1.0, zorder=0)
            middle = (start + add_y) / 2
            if block.shortcut:
                for s, r in enumerate(block.shortcut):
                    y = middle - (s - (len(block.shortcut) - 1) / 2) * 0.8
                    _box(ax, 1.45, y, 0.84, 0.64, _step(r), f"{r.params:,} p", "#fbe3c8", 6.5)
            else:
                ax.text(1.5, middle, "identity\n0 p", ha="left", va="center", fontsize=6.5, color="#8a4a10")

    return draw


def resnet_shortcuts(report: Report, inputs: HandoutInputs) -> Section | None:
    """Identity and projection shortcuts: two blocks drawn from the trace, and every shortcut counted per stage."""
    analysis = report.analysis
    blocks = _blocks(analysis)
    if not blocks:
        return None
    stages: dict[str, list[_Block]] = {}
    for b in blocks:
        stages.setdefault(b.name.rsplit(".", 1)[0] if "." in b.name else "", []).append(b)
    kinds = ("identity", "projection", "parameter-free")
    rows = []
    for stage, members in stages.items():
        stage_params = sum(r.params for b in members for r in (*b.main, *b.shortcut, b.own))
        shortcut = sum(b.shortcut_params for b in members)
        rows.append(
            (
                stage or "(top)",
                fmt.num(len(members)),
                *(fmt.num(sum(b.kind == k for b in members)) for k in kinds),
                fmt.num(shortcut),
                f"{100 * shortcut / stage_params:.1f}%" if stage_params else "–",
            )
        )
    total_shortcut = sum(b.shortcut_params for b in blocks)
    foot = (
        "all",
        fmt.num(len(blocks)),
        *(fmt.num(sum(b.kind == k for b in blocks)) for k in kinds),
        fmt.num(total_shortcut),
        f"{100 * total_shortcut / analysis.totals.params:.1f}% of the network" if analysis.totals.params else "–",
    )
    changed = next((b for b in blocks if b.kind != "identity"), None)
    same = next((b for b in blocks if b.kind == "identity"), None)
    shown = [b for b in (changed, same) if b is not None]
    counts = {k: sum(b.kind == k for b in blocks) for k in kinds}
    text = [
        f"{analysis.network} has {len(blocks)} residual blocks: each adds its input, through a shortcut, to what "
        f"its layers made of it. {counts['identity']} shortcuts are the identity: no parameters, no MACs.",
    ]
    if changed is not None:
        how = (
            f"a projection ({', '.join(_step(r) for r in changed.shortcut)}) with "
            f"{fmt.num(changed.shortcut_params)} parameters"
            if changed.kind == "projection"
            else f"parameter-free ({', '.join(_step(r) for r in changed.shortcut)})"
        )
        text.append(
            f"Where a block changes the number of maps or the grid, the input no longer fits the output "
            f"({fmt.sample_shape(changed.main[0].input_shape if changed.main else None)} into "
            f"{fmt.sample_shape(changed.own.output_shape)} at {changed.name}), and the shortcut is {how}. "
            f"In all, the shortcuts hold {fmt.num(total_shortcut)} parameters."
        )
    return Section(
        id="shortcuts",
        title="Residual blocks and their shortcuts",
        text=tuple(text),
        figure=_svg(_shortcut_drawing(shown), (7.2, 0.75 + 0.4 * max(len(_drawn_rows(b)) for b in shown))),
        caption="The layers that hold parameters on the main path (blue: convolutions; grey: BatchNorm), the "
        "shortcut in orange, the addition; activations are left out. p: parameters.",
        tables=(
            Table(
                head=("stage", "blocks", "identity", "projection", "parameter-free", "shortcut params", "share"),
                rows=tuple(rows),
                foot=foot,
                numeric=(False, True, True, True, True, True, True),
                caption="Shortcuts per stage; share: of the stage's parameters.",
            ),
        ),
        data={
            "blocks": {b.name: (b.kind, b.shortcut_params) for b in blocks},
            "shortcut_params": total_shortcut,
        },
    )


# -- which networks get which ------------------------------------------------------------

FAMILIES: tuple[tuple[str, tuple[Special, ...]], ...] = (
    ("lenet5", (lenet_c3, lenet_rbf)),
    ("alexnet", (alexnet_towers,)),
    ("googlenet", (inception_3a,)),
    ("inception-3a*", (inception_3a,)),
    ("resnet-*", (resnet_shortcuts,)),
    ("preact-resnet-*", (resnet_shortcuts,)),
)


def specials_for(name: str) -> tuple[Special, ...]:
    """The special sections of a zoo network, by the patterns of :data:`FAMILIES`."""
    return tuple(f for pattern, found in FAMILIES if fnmatch.fnmatchcase(name, pattern) for f in found)


# What each section reads besides the report: buffers of the built network, other zoo networks.
NEEDS: dict[Special, tuple[tuple[str, ...], tuple[str, ...]]] = {
    lenet_c3: (("table",), ()),
    lenet_rbf: (("prototypes",), ()),
    inception_3a: ((), (NAIVE, REDUCED)),
}


def needs(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The buffers and the other zoo networks that a zoo network's sections read (see :data:`NEEDS`)."""
    found = [NEEDS.get(special, ((), ())) for special in specials_for(name)]
    buffers = tuple(dict.fromkeys(b for bs, _ in found for b in bs))
    networks = tuple(dict.fromkeys(n for _, ns in found for n in ns))
    return buffers, networks


def sections(report: Report, inputs: HandoutInputs) -> list[Section]:
    """The special sections of a report's handout (none for a network of the user's).

    Args:
        report: a traced network.
        inputs: what the sections read besides the report, gathered before rendering.

    Returns:
        Its sections, in the order :data:`FAMILIES` lists them.
    """
    if not inputs.zoo:
        return []
    found = (special(report, inputs) for special in specials_for(report.spec.name))
    return [s for s in found if s is not None]
