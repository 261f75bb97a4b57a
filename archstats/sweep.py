"""One network at several input sizes: how params, cost and activations grow, and where a size stops working."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from archstats import conventions
from archstats.analysis import Analysis
from archstats.counts import fmt_int
from archstats.trace.forward import ForwardError

BYTES_PER_VALUE = 4  # float32


@dataclass(frozen=True)
class SweepRow:
    """One input size: its figures, or why the network does not run at it."""

    input_shape: tuple[int, ...]
    lead: int = 2  # leading dimensions the sweep keeps: batch and channels, or batch alone for tokens
    params: int | None = None
    cost: int | None = None
    output_bytes_per_sample: int | None = None  # JSON key activation_bytes
    output_shape: tuple[int, ...] | None = None
    error: str = ""

    @property
    def valid(self) -> bool:
        return not self.error

    @property
    def size(self) -> tuple[int, ...]:
        """The dimensions the sweep varies."""
        return self.input_shape[self.lead :]


def output_bytes_per_sample(analysis: Analysis) -> int:
    """Bytes of every layer's output per sample (float32), each call counted: what a backward pass keeps."""
    total = 0
    for layer in analysis.layers:
        if layer.called and layer.output_shape:
            total += math.prod(layer.output_shape[1:]) * layer.calls
    return total * BYTES_PER_VALUE


def parse_sizes(text: str) -> list[tuple[int, ...]]:
    """``224,256,240x320`` as sizes: a single number is the same along every varied dimension (see :func:`with_size`).

    Raises:
        ValueError: with one sentence naming the bad entry.
    """
    sizes: list[tuple[int, ...]] = []
    for entry in text.split(","):
        entry = entry.strip()
        parts = entry.replace("×", "x").split("x")
        if not entry or not all(p.isdigit() and int(p) > 0 for p in parts):
            raise ValueError(f"--sizes entry {entry!r} is not a size; write sizes like 224,256 or 240x320")
        sizes.append(tuple(int(p) for p in parts))
    return sizes


def with_size(base: Sequence[int], size: Sequence[int], lead: int = 2) -> tuple[int, ...]:
    """``base`` with the dimensions after its first ``lead`` replaced by ``size``.

    ``lead`` is 2 for an image (batch, channels, *spatial) and 1 for tokens (batch,
    length); a single number stands for every varied dimension (224 is 224x224).

    Raises:
        ValueError: ``size`` has a different number of dimensions.
    """
    varied = len(base) - lead
    if len(size) == 1 and varied > 1:
        size = tuple(size) * varied
    if len(size) != varied or varied < 1:
        kind = "spatial" if lead == 2 else "varied"
        raise ValueError(
            f"size {'x'.join(map(str, size))} has {len(size)} dimensions but the input "
            f"{'x'.join(map(str, base))} has {varied} {kind} ones"
        )
    return (*tuple(base[:lead]), *tuple(size))


def sweep(
    analyze: Callable[[tuple[int, ...]], Analysis],
    base: Sequence[int],
    sizes: Sequence[Sequence[int]],
    convention: str,
    describe: Callable[[ForwardError, tuple[int, ...]], str],
    progress: Callable[[int, int, str], None] | None = None,
    lead: int = 2,
) -> list[SweepRow]:
    """Trace at every size; a size the network cannot take gets its reason instead of figures.

    Args:
        analyze: traces the network at an input shape.
        base: the default input shape, batch first.
        sizes: spatial sizes to try.
        convention: the convention of the ``cost`` column (``archstats.conventions.NAMES``).
        describe: turns a failed forward pass at a shape into one sentence.
        progress: called before each size with (done, total, label).
        lead: leading dimensions of ``base`` kept (2: batch and channels; 1: batch of tokens).
    """
    conventions.get(convention)
    rows: list[SweepRow] = []
    for i, size in enumerate(sizes):
        shape = with_size(base, size, lead)
        if progress is not None:
            progress(i, len(sizes), "x".join(map(str, size)))
        try:
            analysis = analyze(shape)
        except ForwardError as error:
            rows.append(SweepRow(shape, lead, error=describe(error, shape)))
            continue
        rows.append(
            SweepRow(
                shape,
                lead,
                params=analysis.totals.params,
                cost=conventions.total(analysis.layers, convention),
                output_bytes_per_sample=output_bytes_per_sample(analysis),
                output_shape=analysis.output_shape,
            )
        )
    return rows


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def render(title: str, rows: Sequence[SweepRow], convention: str) -> str:
    """The sweep as a fixed-width table with growth ratios against the first valid size."""
    unit = conventions.get(convention)
    first = next((r for r in rows if r.valid), None)
    grows = "× pixels" if not rows or rows[0].lead == 2 else "× positions"
    header = ("input", "params", f"{unit.column} ({unit.name})", "× cost", grows, "activations", "output")
    lines: list[tuple[str, ...]] = [header]
    notes: list[str] = []
    for row in rows:
        size = "x".join(map(str, row.size))
        if not row.valid:
            lines.append((size, "not valid", "", "", "", "", ""))
            notes.append(f"{size}: {row.error}")
            continue
        assert first is not None and row.cost is not None and first.cost is not None
        pixels = math.prod(row.size) / math.prod(first.size)
        cost_ratio = f"{row.cost / first.cost:.2f}" if first.cost else "–"
        lines.append(
            (
                size,
                fmt_int(row.params or 0),
                fmt_int(row.cost),
                cost_ratio,
                f"{pixels:.2f}",
                _mib(row.output_bytes_per_sample or 0),
                "x".join(map(str, (row.output_shape or ())[1:])),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [title, ""]
    for line in lines:
        cells = [c.ljust(w) if i in (0, 6) else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))]
        text.append("  ".join(cells).rstrip())
    params = {r.params for r in rows if r.valid}
    if len(params) == 1 and sum(r.valid for r in rows) > 1:
        where = "slides over the maps" if rows[0].lead == 2 else "is applied at every position"
        text += ["", f"Params do not change with the input size: every weighted layer {where}."]
    elif len(params) > 1:
        text += ["", "Params change with the input size: a layer's weights depend on the size of the maps it reads."]
    if notes:
        text += ["", "Sizes that do not run:", *(f"  {n}" for n in notes)]
    text += [
        "",
        f"× cost and {grows} are relative to the first valid size; activations are the float32 outputs of "
        f"every layer per sample; cost is per sample under the {unit.name} convention ({unit.summary}).",
    ]
    return "\n".join(text) + "\n"


def to_records(rows: Sequence[SweepRow], convention: str) -> list[dict[str, object]]:
    """The sweep as JSON-ready records."""
    return [
        {
            "input_shape": list(r.input_shape),
            "valid": r.valid,
            "params": r.params,
            "convention": convention,
            "cost": r.cost,
            "activation_bytes": r.output_bytes_per_sample,
            "output_shape": list(r.output_shape) if r.output_shape else None,
            "error": r.error or None,
        }
        for r in rows
    ]
