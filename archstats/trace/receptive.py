"""Receptive fields: size, jump (effective stride) and start, per spatial dimension.

A unit's receptive field is the region of the input it depends on. Through a window op
with kernel ``k``, stride ``s``, padding ``p`` and dilation ``d``:

    size'  = size + (k - 1) * d * jump
    jump'  = jump * s
    start' = start + ((k - 1) / 2 * d - p) * jump

where ``start`` is the centre of the first unit's field in input pixels (0.5 for the
input itself). Where branches meet (concatenation, residual additions) the field is the
maximum over the paths. After an op that mixes every position (a fully connected layer
on a flattened map, a global pooling) a unit sees the whole input: ``is_global``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """The receptive field of every unit of one tensor, and the weighted depth behind it."""

    size: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[float, ...]
    depth: int = 0
    is_global: bool = False

    @classmethod
    def of_input(cls, spatial: Sequence[int]) -> Field:
        n = len(spatial)
        return cls(size=(1,) * n, jump=(1,) * n, start=(0.5,) * n)

    def window(
        self,
        kernel: Sequence[int],
        stride: Sequence[int],
        padding: Sequence[int],
        dilation: Sequence[int],
        weighted: bool,
    ) -> Field:
        """The field after a convolution or pooling window."""
        if self.is_global:
            return self.deeper(weighted)
        size = tuple(r + (k - 1) * d * j for r, k, d, j in zip(self.size, kernel, dilation, self.jump))
        jump = tuple(j * s for j, s in zip(self.jump, stride))
        start = tuple(
            st + ((k - 1) / 2 * d - p) * j for st, k, d, p, j in zip(self.start, kernel, dilation, padding, self.jump)
        )
        return Field(size, jump, start, self.depth + int(weighted), False)

    def whole(self, input_spatial: Sequence[int], weighted: bool) -> Field:
        """The field after an op that mixes every position: the whole input."""
        n = len(input_spatial)
        return Field(
            size=tuple(int(s) for s in input_spatial), jump=(0,) * n,
            start=tuple(s / 2 for s in input_spatial), depth=self.depth + int(weighted),
            is_global=True,
        )  # fmt: skip

    def deeper(self, weighted: bool) -> Field:
        if not weighted:
            return self
        return Field(self.size, self.jump, self.start, self.depth + 1, self.is_global)


def merge(fields: Iterable[Field]) -> Field | None:
    """The field of a tensor computed from several: the largest field, the deepest path."""
    fields = list(fields)
    if not fields:
        return None
    widest = max(fields, key=lambda f: (f.is_global, f.size))
    depth = max(f.depth for f in fields)
    if widest.depth == depth:
        return widest
    return Field(widest.size, widest.jump, widest.start, depth, widest.is_global)


def expand(value: int | Sequence[int], n: int) -> tuple[int, ...]:
    """An int or a sequence as an ``n``-tuple (PyTorch's ``_pair`` and ``_triple``)."""
    if isinstance(value, int):
        return (value,) * n
    values = tuple(int(v) for v in value)
    return values * n if len(values) == 1 else values
