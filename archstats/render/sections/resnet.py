"""ResNets' section: identity and projection shortcuts (He et al. 2015, Sec. 3.3), drawn and counted per stage.

:func:`blocks` finds the residual blocks in a trace and :func:`shortcuts` counts their
shortcuts per stage (no drawing); :func:`shortcuts_section` turns them into text, a table
and an inline SVG of two blocks.
"""

from __future__ import annotations

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

KINDS = ("identity", "projection", "parameter-free")


@dataclass(frozen=True)
class Block:
    """A residual block: a module whose own row adds its shortcut to its output.

    Args:
        name: the module.
        main: the rows of its main path.
        shortcut: the rows under ``<name>.shortcut`` (none for the identity).
        own: the module's own row (the addition).
    """

    name: str
    main: tuple[Layer, ...]
    shortcut: tuple[Layer, ...]
    own: Layer

    @property
    def kind(self) -> str:
        """``identity``, ``projection`` (with parameters) or ``parameter-free`` (option A's subsample and pad)."""
        if not self.shortcut:
            return "identity"
        if any(r.params for r in self.shortcut):
            return "projection"
        return "parameter-free"

    @property
    def shortcut_params(self) -> int:
        """The parameters of its shortcut."""
        return sum(r.params for r in self.shortcut)

    @property
    def params(self) -> int:
        """The parameters of the whole block."""
        return sum(r.params for r in (*self.main, *self.shortcut, self.own))


def blocks(analysis: Analysis) -> list[Block]:
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
    found = []
    for name, own in adders.items():
        rows = inner[name]
        if not rows:
            continue
        path = name + ".shortcut"
        shortcut = tuple(r for r in rows if r.name == path or r.name.startswith(path + "."))
        main = tuple(r for r in rows if r not in shortcut)
        found.append(Block(name, main, shortcut, own))
    return found


@dataclass(frozen=True)
class Stage:
    """The blocks of one stage (the module holding them) and their shortcuts.

    Args:
        name: the stage's module ("" for blocks at the top).
        blocks: its blocks.
    """

    name: str
    blocks: tuple[Block, ...]

    def count(self, kind: str) -> int:
        """Its blocks whose shortcut is of ``kind``."""
        return sum(b.kind == kind for b in self.blocks)

    @property
    def shortcut_params(self) -> int:
        """The parameters of its shortcuts."""
        return sum(b.shortcut_params for b in self.blocks)

    @property
    def params(self) -> int:
        """The parameters of its blocks."""
        return sum(b.params for b in self.blocks)


@dataclass(frozen=True)
class Shortcuts:
    """Every residual block of a network, by stage.

    Args:
        network: the network.
        stages: its stages, in order.
        params: the network's parameters.
    """

    network: str
    stages: tuple[Stage, ...]
    params: int

    @property
    def blocks(self) -> tuple[Block, ...]:
        """Every block, in order."""
        return tuple(b for s in self.stages for b in s.blocks)

    @property
    def shortcut_params(self) -> int:
        """The parameters of every shortcut."""
        return sum(s.shortcut_params for s in self.stages)

    def count(self, kind: str) -> int:
        """The blocks whose shortcut is of ``kind``."""
        return sum(s.count(kind) for s in self.stages)


def shortcuts(analysis: Analysis) -> Shortcuts | None:
    """A traced network's residual blocks by stage, or None if it has none."""
    found = blocks(analysis)
    if not found:
        return None
    stages: dict[str, list[Block]] = {}
    for b in found:
        stages.setdefault(b.name.rsplit(".", 1)[0] if "." in b.name else "", []).append(b)
    return Shortcuts(analysis.network, tuple(Stage(n, tuple(bs)) for n, bs in stages.items()), analysis.totals.params)


# -- drawing ----------------------------------------------------------------------------------


def _step(r: Layer) -> str:
    """A row as a diagram shows it: ``conv 3×3, 64, /2`` or ``BN``."""
    if r.weighted and r.windows:
        w = r.windows[0]
        stride = f", /{w.stride[0]}" if w.stride and max(w.stride) > 1 else ""
        return f"conv {fmt.shape(w.kernel)}, {r.ops[0].maps}{stride}"
    if r.weighted:
        return f"{r.ops[0].kind} {r.ops[0].maps}"
    if r.windows:
        w = r.windows[0]
        stride = f", /{w.stride[0]}" if w.stride and max(w.stride) > 1 else ""
        return f"subsample{stride}, pad maps"
    return "BN" if "Norm" in r.type else r.type


def _drawn_rows(block: Block) -> list[Layer]:
    """The rows of a block's main path that a diagram shows: those with parameters or MACs."""
    return [r for r in block.main if r.params or r.fvcore_macs]


def _shared(block: Block) -> int:
    """How many drawn rows both paths read: a pre-activation before the first weighted layer, run before the shortcut."""
    if not block.shortcut:
        return 0
    shared = 0
    for r in _drawn_rows(block):
        if r.weighted or r.index > block.shortcut[0].index:
            break
        shared += 1
    return shared


def _draw_block(ax: Axes, block: Block) -> None:
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
        shapes.box(ax, 0.6, -s - 0.3, 0.84, 0.64, _step(r), f"{r.params:,} p", color, 6.5)
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
            shapes.box(ax, 1.45, y, 0.84, 0.64, _step(r), f"{r.params:,} p", "#fbe3c8", 6.5)
    else:
        ax.text(1.5, middle, "identity\n0 p", ha="left", va="center", fontsize=6.5, color="#8a4a10")


def _drawing(shown: Sequence[Block]) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        for i, block in enumerate(shown):
            ax = fig.add_axes((0.01 + i * 0.5, 0.01, 0.47, 0.9))
            shapes.bare(ax)
            _draw_block(ax, block)

    return draw


# -- section ----------------------------------------------------------------------------------


def _table(s: Shortcuts) -> Table:
    def share(part: int, whole: int, of: str = "") -> str:
        return f"{100 * part / whole:.1f}%{of}" if whole else "–"

    rows = tuple(
        (
            stage.name or "(top)",
            fmt.num(len(stage.blocks)),
            *(fmt.num(stage.count(k)) for k in KINDS),
            fmt.num(stage.shortcut_params),
            share(stage.shortcut_params, stage.params),
        )
        for stage in s.stages
    )
    foot = (
        "all",
        fmt.num(len(s.blocks)),
        *(fmt.num(s.count(k)) for k in KINDS),
        fmt.num(s.shortcut_params),
        share(s.shortcut_params, s.params, " of the network"),
    )
    return Table(
        head=("stage", "blocks", "identity", "projection", "parameter-free", "shortcut params", "share"),
        rows=rows,
        foot=foot,
        numeric=(False, True, True, True, True, True, True),
        caption="Shortcuts per stage; share: of the stage's parameters.",
    )


def _text(s: Shortcuts, changed: Block | None) -> tuple[str, ...]:
    text = [
        f"{s.network} has {len(s.blocks)} residual blocks: each adds its input, through a shortcut, to what "
        f"its layers made of it. {s.count('identity')} shortcuts are the identity: no parameters, no MACs.",
    ]
    if changed is not None:
        steps = ", ".join(_step(r) for r in changed.shortcut)
        how = (
            f"a projection ({steps}) with {fmt.num(changed.shortcut_params)} parameters"
            if changed.kind == "projection"
            else f"parameter-free ({steps})"
        )
        text.append(
            f"Where a block changes the number of maps or the grid, the input no longer fits the output "
            f"({fmt.sample_shape(changed.main[0].input_shape if changed.main else None)} into "
            f"{fmt.sample_shape(changed.own.output_shape)} at {changed.name}), and the shortcut is {how}. "
            f"In all, the shortcuts hold {fmt.num(s.shortcut_params)} parameters."
        )
    return tuple(text)


def shortcuts_section(report: Report, inputs: HandoutInputs) -> Section | None:
    """Identity and projection shortcuts: two blocks drawn from the trace, and every shortcut counted per stage."""
    s = shortcuts(report.analysis)
    if s is None:
        return None
    changed = next((b for b in s.blocks if b.kind != "identity"), None)
    same = next((b for b in s.blocks if b.kind == "identity"), None)
    shown = [b for b in (changed, same) if b is not None]
    return Section(
        id="shortcuts",
        title="Residual blocks and their shortcuts",
        text=_text(s, changed),
        figure=drawn(_drawing(shown), (7.2, 0.75 + 0.4 * max(len(_drawn_rows(b)) for b in shown))),
        caption="The layers that hold parameters on the main path (blue: convolutions; grey: BatchNorm), the "
        "shortcut in orange, the addition; activations are left out. p: parameters.",
        tables=(_table(s),),
        data=s,
    )
