"""Inception 3a's section: the naive module beside the one with 1×1 reductions (Szegedy et al. 2014, Fig. 2).

:func:`module` reads an Inception module's branches from its trace and :func:`compare` sets
the two side by side (no drawing); :func:`inception_3a_section` turns them into text, a table
and an inline SVG.
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
    from matplotlib.figure import Figure

    from archstats.analysis import Analysis, Layer
    from archstats.handout_inputs import HandoutInputs
    from archstats.zoo import Report

TIMES = fmt.TIMES
NAIVE, REDUCED = "inception-3a-naive", "inception-3a"


@dataclass(frozen=True)
class Branch:
    """One branch of an Inception module.

    Args:
        name: its module (``branch1`` ...).
        steps: its layers as a diagram names them (``1×1 conv, 96``, ``3×3 max-pool``).
        maps: the maps it hands to the concatenation.
        params: its parameters.
        fvcore_macs: its MACs (fvcore's convention).
    """

    name: str
    steps: tuple[str, ...]
    maps: int
    params: int
    fvcore_macs: int


@dataclass(frozen=True)
class Module:
    """An Inception module traced alone.

    Args:
        input_shape: its input, one sample (maps, height, width).
        branches: its branches, in order.
        maps: the maps of its concatenated output.
        params: its parameters.
        fvcore_macs: its MACs (fvcore's convention).
    """

    input_shape: tuple[int, ...]
    branches: tuple[Branch, ...]
    maps: int
    params: int
    fvcore_macs: int


def _step(r: Layer) -> str | None:
    """A branch's row as a diagram names it, or None for a row it leaves out (an activation)."""
    if r.weighted:
        op = r.ops[0]
        return f"{fmt.shape(op.kernel)} conv, {op.maps}"
    if r.windows:
        w = r.windows[0]
        kind = "max-pool" if "max" in w.op or "Max" in r.type else "pool"
        return f"{fmt.shape(w.kernel)} {kind}"
    return None


def module(analysis: Analysis) -> Module:
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
        steps = tuple(s for s in map(_step, rows) if s is not None)
        last = rows[-1]
        maps = last.output_shape[1] if last.output_shape and len(last.output_shape) > 1 else 0
        branches.append(Branch(name, steps, maps, sum(r.params for r in rows), sum(r.fvcore_macs for r in rows)))
    t = analysis.totals
    return Module(tuple(analysis.input_shape[1:]), tuple(branches), maps_out, t.params, t.fvcore_macs)


@dataclass(frozen=True)
class Comparison:
    """The naive module and the one with reductions, and a network's own Inception 3a where it has one.

    Args:
        naive: Figure 2(a), traced alone.
        reduced: Figure 2(b), traced alone.
        dearest: the index of the naive branch with the most MACs.
        network: the network whose handout shows the comparison.
        own: that network's own ``inception_3a`` rows' (params, MACs), or None where it is one of the two modules.
    """

    naive: Module
    reduced: Module
    dearest: int
    network: str
    own: tuple[int, int] | None = None

    @property
    def own_is_reduced(self) -> bool:
        """Whether the network's own module counts as the reduced module traced alone."""
        return self.own == (self.reduced.params, self.reduced.fvcore_macs)


def compare(naive: Analysis, reduced: Analysis, network: Analysis) -> Comparison | None:
    """The two modules side by side, or None if either has no branches.

    Args:
        naive: the naive module's trace.
        reduced: the trace of the module with reductions.
        network: the trace whose handout shows them (one of the two, or a network holding ``inception_3a``).
    """
    a, b = module(naive), module(reduced)
    if not a.branches or not b.branches:
        return None
    dearest = max(range(len(a.branches)), key=lambda i: a.branches[i].fvcore_macs)
    own = None
    if network is not naive and network is not reduced:
        mine = [r for r in network.layers if r.name.startswith("inception_3a.")]
        if mine:
            own = (sum(r.params for r in mine), sum(r.fvcore_macs for r in mine))
    return Comparison(a, b, dearest, network.network, own)


# -- drawing ----------------------------------------------------------------------------------


def _drawing(modules: Sequence[tuple[str, Module]]) -> Callable[[Figure], None]:
    def draw(fig: Figure) -> None:
        # One vertical scale for both modules: a box is as tall in each.
        deepest = max(len(b.steps) for _, m in modules for b in m.branches)
        for i, (title, m) in enumerate(modules):
            ax = fig.add_axes((0.01 + i * 0.5, 0.02, 0.47, 0.9))
            shapes.bare(ax)
            columns = len(m.branches)
            ax.set_xlim(0, columns)
            ax.set_ylim(-1.45, deepest + 1.5)
            ax.set_title(title, fontsize=8.5, loc="left", parse_math=False)
            shapes.box(ax, columns / 2, -0.55, columns * 0.9, 0.6, f"input {fmt.shape(m.input_shape)}", "", "#eeeeee",
                       6.5)  # fmt: skip
            shapes.box(ax, columns / 2, deepest + 0.85, columns * 0.9, 0.6, f"concatenation: {m.maps:,} maps", "",
                       "#eeeeee", 6.5)  # fmt: skip
            for c, b in enumerate(m.branches):
                x = c + 0.5
                ax.plot([x, x], [-0.25, deepest + 0.55], color="#5b6570", linewidth=0.7, zorder=0)
                for s, step in enumerate(b.steps):
                    y = s + 0.5 + (deepest - len(b.steps))  # the last step of every branch under the concatenation
                    one_by_one = step.startswith(f"1{TIMES}1 ")
                    color = "#f0f2f5" if "pool" in step else ("#fbe3c8" if one_by_one else "#dce8f5")
                    shapes.box(ax, x, y, 0.9, 0.6, step, "", color, 6.5)
                ax.text(x, -1.05, f"{b.params:,} p\n{b.fvcore_macs / 1e6:,.1f} M MACs", ha="center", va="center",
                        fontsize=6, color="#333333")  # fmt: skip

    return draw


# -- section ----------------------------------------------------------------------------------


def _rows(c: Comparison) -> tuple[tuple[str, ...], ...]:
    naive, reduced = c.naive.branches, c.reduced.branches

    def cells(b: Branch | None) -> tuple[str, str, str]:
        return (" → ".join(b.steps), fmt.num(b.params), fmt.num(b.fvcore_macs)) if b else ("", "", "")

    rows = []
    for i in range(max(len(naive), len(reduced))):
        a = naive[i] if i < len(naive) else None
        b = reduced[i] if i < len(reduced) else None
        either = a or b
        rows.append((either.name if either else "", *cells(a), *cells(b)))
    return tuple(rows)


def _text(c: Comparison) -> tuple[str, ...]:
    a, b = c.naive, c.reduced
    worst = a.branches[c.dearest]
    reduced = b.branches[c.dearest] if c.dearest < len(b.branches) else None
    text = [
        f"Both modules read the same {fmt.shape(b.input_shape)} input and keep its grid. The naive module "
        f"(Szegedy et al.'s Figure 2(a)) convolves all {b.input_shape[0]} input maps at every size and passes the "
        f"pooled maps on whole, so its output has {a.maps:,} maps; 1×1 convolutions before the larger "
        f"kernels and after the pooling (Figure 2(b)) bring it to {b.maps:,}.",
        f"The reductions cut the parameters from {fmt.num(a.params)} to {fmt.num(b.params)} "
        f"({b.params / a.params:.1%}) and the MACs from {fmt.num(a.fvcore_macs)} to {fmt.num(b.fvcore_macs)} "
        f"({b.fvcore_macs / a.fvcore_macs:.1%}). The dearest naive branch, {worst.name} ({' → '.join(worst.steps)}), "
        f"does {fmt.num(worst.fvcore_macs)} MACs" + (f"; reduced, {fmt.num(reduced.fvcore_macs)}." if reduced else "."),
    ]
    if c.own is not None:
        text.append(
            f"{c.network}'s own inception_3a holds {fmt.num(c.own[0])} parameters and does {fmt.num(c.own[1])} MACs"
            + (", as the module traced alone." if c.own_is_reduced else ".")
        )
    return tuple(text)


def inception_3a_section(report: Report, inputs: HandoutInputs) -> Section | None:
    """Inception 3a without and with its 1×1 reductions, side by side, from both traces."""
    own = report.analysis.input_shape == report.spec.input_shape
    naive, reduced = (
        report.analysis if own and report.spec.name == name else inputs.others[name] for name in (NAIVE, REDUCED)
    )
    c = compare(naive, reduced, report.analysis)
    if c is None:
        return None
    drawing = _drawing([(f"naive ({NAIVE})", c.naive), (f"with reductions ({REDUCED})", c.reduced)])
    foot = (
        f"all: {c.naive.maps:,} / {c.reduced.maps:,} maps out",
        "",
        fmt.num(c.naive.params),
        fmt.num(c.naive.fvcore_macs),
        "",
        fmt.num(c.reduced.params),
        fmt.num(c.reduced.fvcore_macs),
    )
    return Section(
        id="inception-3a",
        title="Inception 3a: naive and with 1×1 reductions",
        text=_text(c),
        figure=drawn(drawing, (7.2, 2.7)),
        caption="Each branch bottom-up from the shared input, with its parameters (p) and MACs under it; "
        "1×1 convolutions in orange.",
        tables=(
            Table(
                head=("branch", "naive", "params", "MACs", "with reductions", "params", "MACs"),
                rows=_rows(c),
                foot=foot,
                numeric=(False, False, True, True, False, True, True),
            ),
        ),
        data=c,
    )
