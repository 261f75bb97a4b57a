"""The rules table: each registered formula against its closed form, and the table's own contract.

Adding an op is one decorated function in archstats/rules/ and one case here: a test
below fails for a formula no case covers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from archstats import rules
from archstats.rules import attention, backward, elementwise, fvcore_extras, recurrent, weighted

# (formula, arguments, expected) with the expected value as a closed form.
CASES: list[tuple[Callable[..., int], tuple[Any, ...], int]] = [
    # conv: every weight once per output position; transposed: per input position.
    (weighted.conv_macs, ((2, 3, 8, 8), (4, 3, 3, 3), (2, 4, 6, 6)), 2 * (4 * 3 * 3 * 3) * 6 * 6),
    (weighted.conv_macs, ((2, 3, 8, 8), (3, 4, 3, 3), (2, 4, 10, 10), True), 2 * (3 * 4 * 3 * 3) * 8 * 8),
    (weighted.linear_macs, ((2, 5, 7), (3, 7)), 2 * 5 * 7 * 3),
    (weighted.addmm_macs, ((4, 5), (5, 6)), 4 * 5 * 6),
    (weighted.matmul_macs, ((2, 4, 5), (5, 6)), 2 * 4 * 5 * 6),
    (weighted.bmm_macs, ((3, 4, 5), (3, 5, 6)), 3 * 4 * 5 * 6),
    (weighted.baddbmm_macs, ((3, 4, 5), (3, 5, 6)), 3 * 4 * 5 * 6),
    (weighted.einsum_macs, ("nct,ncp->ntp", [(2, 3, 4), (2, 3, 5)]), 2 * 3 * 4 * 5),
    (weighted.cdist_macs, ((1, 84), (1, 10)), 10 * 84),
    (fvcore_extras.norm_macs, ((2, 4, 5), True), 5 * 2 * 4 * 5),
    (fvcore_extras.batch_norm_macs, ((2, 4, 5, 5), True, False), 2 * 2 * 4 * 5 * 5),
    (fvcore_extras.batch_norm_macs, ((2, 4, 5, 5), True, True), 5 * 2 * 4 * 5 * 5),
    (fvcore_extras.input_elements, ((2, 4, 7, 7),), 2 * 4 * 7 * 7),
    (fvcore_extras.output_elements, ((1, 3, 8, 8),), 3 * 8 * 8),
    (fvcore_extras.bilinear_elements, ((1, 3, 8, 8),), 4 * 3 * 8 * 8),
    # attention: L·S·(E + Ev) per head and batch element; 2·L·S·d when E = Ev = d.
    (attention.attention_macs, ((2, 12, 197, 64), (2, 12, 197, 64), (2, 12, 197, 64)), 2 * 12 * 2 * 197 * 197 * 64),
    (attention.attention_macs, ((3, 10, 16), (3, 12, 16), (3, 12, 8)), 3 * 10 * 12 * (16 + 8)),
    # recurrent: gates·h·(in + h) per layer and step; proj adds h·proj and narrows the recurrent input.
    (recurrent.lstm_macs, (20, 32, 64, 2), 20 * (4 * 64 * (32 + 64) + 4 * 64 * (64 + 64))),
    (recurrent.gru_macs, (7, 10, 20), 7 * 3 * 20 * (10 + 20)),
    (recurrent.rnn_macs, (7, 10, 20, 1, True), 7 * 2 * 20 * (10 + 20)),
    (
        recurrent.lstm_macs,
        (5, 8, 16, 2, True, 4),
        5 * 2 * ((4 * 16 * (8 + 4) + 16 * 4) + (4 * 16 * (2 * 4 + 4) + 16 * 4)),
    ),
    # flops-all's elementwise rules: (in elements, out elements, window, training).
    (elementwise.moves, (10, 10, 1, False), 0),
    (elementwise.max_pool, (16, 4, 4, False), 4 * (4 - 1)),
    (elementwise.avg_pool, (16, 4, 4, False), 4 * 4),
    (elementwise.adaptive_avg_pool, (16, 1, 1, False), 16),
    (elementwise.adaptive_max_pool, (16, 4, 1, False), 16 - 4),
    (elementwise.batch_norm, (10, 10, 1, False), 2 * 10),
    (elementwise.batch_norm, (10, 10, 1, True), 8 * 10),
    (elementwise.statistic_norm, (10, 10, 1, False), 8 * 10),
    (elementwise.local_response_norm, (10, 10, 5, False), (5 + 4) * 10),
    (elementwise.activation, (10, 10, 1, False), 10),
    (elementwise.softmax, (10, 10, 1, False), 3 * 10),
    (elementwise.dropout, (10, 10, 1, True), 10),
    (elementwise.dropout, (10, 10, 1, False), 0),
    (elementwise.binary, (10, 10, 1, False), 10),
    # backward: each gradient a convolution computes costs its forward (grouped: in / groups per output).
    (
        backward.convolution_backward,
        ((2, 8, 6, 6), (2, 4, 8, 8), (8, 2, 3, 3), False, (True, True, False)),
        2 * (2 * 8 * 6 * 6 * 2 * 3 * 3),
    ),
    (
        backward.convolution_backward,
        ((2, 8, 6, 6), (2, 4, 8, 8), (8, 2, 3, 3), False, (False, True, False)),
        2 * 8 * 6 * 6 * 2 * 3 * 3,
    ),
    (backward.mm, ((4, 5), (5, 6)), 4 * 5 * 6),
    (backward.addmm, ((6,), (4, 5), (5, 6)), 4 * 5 * 6),
    (backward.bmm, ((3, 4, 5), (3, 5, 6)), 3 * 4 * 5 * 6),
    (backward.baddbmm, ((3, 4, 6), (3, 4, 5), (3, 5, 6)), 3 * 4 * 5 * 6),
]


@pytest.mark.parametrize(("formula", "args", "expected"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_each_formula_against_its_closed_form(
    formula: Callable[..., int], args: tuple[Any, ...], expected: int
) -> None:
    assert formula(*args) == expected


def test_every_registered_formula_has_a_case() -> None:
    covered = {formula for formula, _, _ in CASES}
    missing = {r.formula.__qualname__ for r in rules.TABLE.values()} - {f.__qualname__ for f in covered}
    assert not missing


def test_every_rule_states_its_formula_in_one_line() -> None:
    assert all(r.doc for r in rules.TABLE.values())


def test_an_op_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="aten::linear has a rule already"):
        rules.register("aten::linear", key="linear", category=rules.MULTIPLY_ADD)(weighted.linear_macs)


def test_conventions_read_from_the_table() -> None:
    # fvcore's handles are fvcore's alone; the weighted ops belong to every counting convention;
    # attention and recurrent cells to those that count matrix products, not fvcore's.
    assert rules.counted_under("batch_norm", "fvcore") and not rules.counted_under("batch_norm", "macs")
    assert all(rules.counted_under("conv", c) for c in ("macs", "fvcore", "flops", "flops-all"))
    for key in ("attention", "lstm", "gru", "rnn", "baddbmm"):
        assert rules.counted_under(key, "macs") and not rules.counted_under(key, "fvcore")
    assert rules.counted_under("an fvcore key archstats does not know", "fvcore")
    assert rules.label("batch_norm") == "BatchNorm"


def test_elementwise_ops_reads_the_table() -> None:
    assert elementwise.elementwise_ops("relu", 10, 10) == (rules.ACTIVATION, 10)
    assert elementwise.elementwise_ops("conv2d", 10, 10) == ("", 0)
    assert elementwise.elementwise_ops("view", 10, 10) == ("", 0)
    assert elementwise.elementwise_ops("a function with no rule", 10, 10) is None
    assert elementwise.elementwise_ops("max_pool2d", 16, 4, window=math.prod((2, 2))) == (rules.POOLING, 4 * 3)
