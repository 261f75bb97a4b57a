"""Backward ops: the multiply-adds of the gradients a training step computes.

A weighted op's backward computes up to two products, each as large as its forward: the
gradient of its input (skipped where the input needs none, as the network's input) and
the gradient of its weight. Counts are multiply-adds for the whole batch, as the forward
rules count them.

The matrix products of a backward pass are the forward's ``aten::mm``, ``aten::addmm`` and
``aten::bmm`` run again; they are registered here under ``backward:`` names so that the
forward table keeps one rule per op and a backward count never reaches a forward
convention (``conventions`` is empty: the training count reads these rules alone).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from archstats.rules.table import MULTIPLY_ADD, Shape, register


def convolution_backward_parts(
    grad_output: Shape, input: Shape, weight: Shape, transposed: bool, output_mask: Sequence[bool]
) -> tuple[int, int]:
    """Input-gradient and weight-gradient multiply-adds of one convolution's backward.

    Each is the forward's count: every output element (every input element of a
    transposed convolution) times the weight elements of one output channel, which for a
    grouped convolution already holds only ``in_channels / groups`` channels.
    ``torch.utils.flop_counter`` counts a grouped weight gradient as if it were ungrouped.

    Args:
        grad_output: shape of the gradient arriving at the convolution's output.
        input: shape of the convolution's input.
        weight: shape of its weight (``out, in / groups, *kernel``; ``in, out / groups, *kernel``
            when transposed).
        transposed: whether it is a transposed convolution.
        output_mask: which of the input, weight and bias gradients are computed.

    Returns:
        (input-gradient, weight-gradient) multiply-adds.
    """
    positions = math.prod(input) if transposed else math.prod(grad_output)
    per_position = math.prod(weight[1:])
    forward = positions * per_position
    return (forward if output_mask[0] else 0, forward if output_mask[1] else 0)


@register("aten::convolution_backward", key="conv_backward", category=MULTIPLY_ADD, conventions=())
def convolution_backward(
    grad_output: Shape, input: Shape, weight: Shape, transposed: bool, output_mask: Sequence[bool]
) -> int:
    """One forward's multiply-adds for each of the input and weight gradients it computes."""
    return sum(convolution_backward_parts(grad_output, input, weight, transposed, output_mask))


@register("backward:aten::mm", key="mm_backward", category=MULTIPLY_ADD, conventions=())
def mm(a: Shape, b: Shape) -> int:
    """Rows times inner size times columns."""
    return a[0] * a[1] * b[1]


@register("backward:aten::addmm", key="addmm_backward", category=MULTIPLY_ADD, conventions=())
def addmm(bias: Shape, a: Shape, b: Shape) -> int:
    """Rows times inner size times columns; the added term is not a multiply-add."""
    return a[0] * a[1] * b[1]


@register("backward:aten::bmm", key="bmm_backward", category=MULTIPLY_ADD, conventions=())
def bmm(a: Shape, b: Shape) -> int:
    """Batch times rows times inner size times columns."""
    return a[0] * a[1] * a[2] * b[2]


@register("backward:aten::baddbmm", key="baddbmm_backward", category=MULTIPLY_ADD, conventions=())
def baddbmm(bias: Shape, a: Shape, b: Shape) -> int:
    """Batch times rows times inner size times columns; the added term is not a multiply-add."""
    return a[0] * a[1] * a[2] * b[2]
