"""The layers of an analysis as its module hierarchy: blocks with their totals, repeated blocks as one run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from archstats.columns import ROOT

if TYPE_CHECKING:
    from archstats.analysis import Layer


@dataclass(frozen=True)
class Sums:
    """What a set of rows adds up to, per sample (each row's params already counted once per tensor)."""

    params: int
    trainable_params: int
    buffers: int
    connections: int
    neurons: int
    fvcore_macs: int
    layers: int
    weighted: int


def sums(layers: Iterable[Layer]) -> Sums:
    """The sums of ``layers``."""
    rows = list(layers)
    return Sums(
        params=sum(r.params for r in rows),
        trainable_params=sum(r.trainable_params for r in rows),
        buffers=sum(r.buffers for r in rows),
        connections=sum(r.connections for r in rows),
        neurons=sum(r.neurons for r in rows),
        fvcore_macs=sum(r.fvcore_macs for r in rows),
        layers=len(rows),
        weighted=sum(1 for r in rows if r.weighted),
    )


@dataclass(frozen=True)
class Block:
    """A module with more than one row under it (its own row, if it has one, among them).

    Args:
        name: its dotted path (``layer1.0``).
        type: its class (``Bottleneck``), "" when unknown.
        items: its rows and sub-blocks, in execution order.
        depth: how many blocks enclose it (0 at the top).
    """

    name: str
    type: str
    items: tuple[Item, ...]
    depth: int

    @property
    def layers(self) -> tuple[Layer, ...]:
        """Every row under it, in the order of its items."""
        return tuple(layer for item in self.items for layer in _layers(item))

    @property
    def output(self) -> Layer:
        """The row whose output is the block's: its own row, else its last row that ran."""
        rows = self.layers
        own = [r for r in rows if r.name == self.name]
        if own:
            return own[0]
        called = [r for r in rows if r.called]
        return max(called or rows, key=lambda r: r.index)


@dataclass(frozen=True)
class Run:
    """Consecutive sibling blocks that differ only in their names and receptive fields (``layer1.1`` ... ``layer1.199``)."""

    blocks: tuple[Block, ...]

    @property
    def depth(self) -> int:
        return self.blocks[0].depth

    @property
    def layers(self) -> tuple[Layer, ...]:
        return tuple(layer for block in self.blocks for layer in block.layers)

    @property
    def output(self) -> Layer:
        return self.blocks[-1].output


Item = Union["Layer", Block, Run]


def _layers(item: Item) -> tuple[Layer, ...]:
    if isinstance(item, (Block, Run)):
        return item.layers
    return (item,)


def _path(layer: Layer) -> tuple[str, ...]:
    return (ROOT,) if layer.name == ROOT else tuple(layer.name.split("."))


def _first(item: Item) -> int:
    return min(layer.index for layer in _layers(item))


def _row_key(layer: Layer, cut: int) -> tuple[object, ...]:
    """A row as a run compares it: its name inside the block, type, shapes, counts, derivations, uncounted ops."""
    return (
        layer.name[cut:], layer.type, layer.called, layer.calls, layer.input_shape, layer.output_shape,
        layer.params, layer.trainable_params, layer.buffers, layer.connections, layer.neurons, layer.fvcore_macs,
        tuple(sorted(layer.formulas.items())), tuple(sorted(layer.uncounted_ops.items())),
    )  # fmt: skip


def _signature(block: Block) -> tuple[object, ...]:
    """What two blocks must share to be one run: every row but for its receptive field and its block's name."""
    cut = len(block.name) + 1
    return (block.type, tuple(_row_key(layer, cut) for layer in block.layers))


def _runs(items: Sequence[Item]) -> tuple[Item, ...]:
    """``items`` with each stretch of two or more identical sibling blocks as one run."""
    out: list[Item] = []
    stretch: list[Block] = []

    def close() -> None:
        if len(stretch) > 1:
            out.append(Run(tuple(stretch)))
        else:
            out.extend(stretch)
        stretch.clear()

    for item in items:
        if isinstance(item, Block):
            if stretch and _signature(stretch[0]) != _signature(item):
                close()
            stretch.append(item)
        else:
            close()
            out.append(item)
    close()
    return tuple(out)


def outline(layers: Sequence[Layer], types: Mapping[str, str] | None = None) -> tuple[Item, ...]:
    """The rows of an analysis as the module hierarchy their dotted names spell.

    A module with two or more rows under it is a block; a module with one is that row.
    Items follow execution order (a block where its first row ran); stretches of
    identical sibling blocks become runs.

    Args:
        layers: the analysis's rows.
        types: module path -> class name, for blocks that have no row of their own.

    Returns:
        The top-level items.
    """
    known = dict(types or {})
    known.update({layer.name: layer.type for layer in layers})

    def build(prefix: tuple[str, ...], rows: Sequence[Layer], depth: int) -> tuple[Item, ...]:
        children: dict[str, list[Layer]] = {}
        items: list[Item] = []
        for row in rows:
            path = _path(row)
            if len(path) == len(prefix):
                items.append(row)  # the block's own row
            else:
                children.setdefault(path[len(prefix)], []).append(row)
        for key, members in children.items():
            path = (*prefix, key)
            if len(members) == 1 and _path(members[0]) == path:
                items.append(members[0])
            else:
                name = ".".join(path)
                items.append(Block(name, known.get(name, ""), build(path, members, depth + 1), depth))
        return _runs(sorted(items, key=_first))

    return build((), layers, 0)


def _rows_shown(items: Sequence[Item], level: int) -> int:
    shown = 0
    for item in items:
        shown += 1
        if isinstance(item, Block) and item.depth < level:
            shown += _rows_shown(item.items, level)
        elif isinstance(item, Run) and item.depth < level:
            shown += _rows_shown(item.blocks[0].items, level)
    return shown


def depth_of(items: Sequence[Item]) -> int:
    """How deep blocks nest in ``items``: 0 for rows only."""
    deepest = 0
    for item in items:
        if isinstance(item, Block):
            deepest = max(deepest, 1 + depth_of(item.items))
        elif isinstance(item, Run):
            deepest = max(deepest, 1 + depth_of(item.blocks[0].items))
    return deepest


def open_level(items: Sequence[Item], budget: int) -> int:
    """The deepest level to open so that at most ``budget`` rows show (0: every block folded).

    Blocks at a depth below the level are open, the others folded into their summary row;
    a run opens onto its first block.
    """
    level = 0
    while level < depth_of(items) and _rows_shown(items, level + 1) <= budget:
        level += 1
    return level


def rows_shown(items: Sequence[Item], level: int) -> int:
    """Rows on the page with the blocks above ``level`` open: rows, summary rows and a run's first block."""
    return _rows_shown(items, level)


def walk(items: Sequence[Item], visit: Callable[[Item], None]) -> None:
    """Call ``visit`` on every item, blocks before their contents, every block of a run."""
    for item in items:
        visit(item)
        if isinstance(item, Block):
            walk(item.items, visit)
        elif isinstance(item, Run):
            for block in item.blocks:
                walk((block,), visit)
