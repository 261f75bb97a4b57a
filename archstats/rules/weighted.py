"""Multiply-adds of the weighted ops: convolutions, linear maps, matrix products, distances.

fvcore's formulas (one fused multiply-add is one MAC, the bias add is not one), as pure
functions of shapes; every convention that counts multiply-adds takes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from archstats.rules.table import MULTIPLY_ADD, Shape, register


@register("aten::_convolution", "aten::_convolution_mode", key="conv", category=MULTIPLY_ADD)
def conv_macs(x: Shape, w: Shape, out: Shape, transposed: bool = False) -> int:
    """A convolution: every weight once per output position (per input position if transposed)."""
    return int(x[0]) * math.prod(w) * math.prod((x if transposed else out)[2:])


@register("aten::linear", key="linear", category=MULTIPLY_ADD)
def linear_macs(x: Shape, w: Shape) -> int:
    """``aten::linear``: every input element times the output features."""
    return math.prod(x) * int(w[0])


@register("aten::addmm", key="addmm", category=MULTIPLY_ADD)
def addmm_macs(mat1: Shape, mat2: Shape) -> int:
    """``aten::addmm``: rows times inner size times columns (the added matrix is not a MAC)."""
    return int(mat1[0]) * int(mat1[1]) * int(mat2[1])


@register("aten::matmul", key="matmul", category=MULTIPLY_ADD)
def matmul_macs(a: Shape, b: Shape) -> int:
    """``aten::matmul`` and ``aten::mm``: the first operand's elements times the second's columns."""
    return math.prod(a) * (int(b[-1]) if len(b) > 1 else 1)


register("aten::mm", key="mm", category=MULTIPLY_ADD)(matmul_macs)


@register("aten::bmm", key="bmm", category=MULTIPLY_ADD)
def bmm_macs(a: Shape, b: Shape) -> int:
    """``aten::bmm``: batch times rows times inner size times columns."""
    n, c, t = (int(d) for d in a)
    return n * c * t * int(b[-1])


@register("aten::einsum", key="einsum", category=MULTIPLY_ADD)
def einsum_macs(equation: str, shapes: Sequence[Shape]) -> int:
    """``aten::einsum``: half numpy's optimal-path FLOP count, as fvcore reads it (four digits)."""
    import numpy as np

    equation = equation.replace(" ", "")
    letters = dict.fromkeys(c for c in equation if c.isalpha())
    equation = equation.translate({ord(c): 97 + i for i, c in enumerate(letters)})
    if equation == "abc,abd->acd":
        n, c, t = shapes[0]
        return int(n) * int(c) * int(t) * int(shapes[-1][-1])
    if equation == "abc,adc->adb":
        n, t, g = shapes[0]
        return int(n) * int(t) * int(g) * int(shapes[-1][1])
    operands = [np.broadcast_to(np.zeros(()), tuple(int(d) for d in s)) for s in shapes]
    report = np.einsum_path(equation, *operands, optimize="optimal")[1]
    for line in report.split("\n"):
        if "optimized flop" in line.lower():
            return math.floor(float(line.split(":")[-1]) / 2)
    raise NotImplementedError(f"einsum {equation!r}: numpy gives no FLOP count")


@register("aten::cdist", key="cdist", category=MULTIPLY_ADD)
def cdist_macs(x1: Shape, out: Shape) -> int:
    """``aten::cdist``: one per coordinate of every pair of points (archstats' handle)."""
    return math.prod(out) * int(x1[-1])


@register("aten::baddbmm", key="baddbmm", category=MULTIPLY_ADD, conventions=("macs", "flops", "flops-all"))
def baddbmm_macs(a: Shape, b: Shape) -> int:
    """``aten::baddbmm``: as ``bmm`` (the added batch is not a MAC); fvcore has no handle for it."""
    return bmm_macs(a, b)
