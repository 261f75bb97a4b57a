"""One registration per op: how each operator is counted, in one table.

A rule is a pure function of shapes (and of the flags that change the count), registered
under the names the engines see for the op, with its category and the named conventions
(:mod:`archstats.conventions`) whose figure takes its count. The dispatch engine, the
fvcore engine, the conventions and the backward count all read this one table; adding an
op is one decorated function and one test.

    @register("aten::mm", key="mm", category=MULTIPLY_ADD)
    def mm(a: Shape, b: Shape) -> int:
        \"\"\"Rows times inner size times columns.\"\"\"
        return a[0] * a[1] * b[1]

Registering an op twice raises: a reader finds the rule for an op in one place.

Two kinds of names are registered: ATen operators (``aten::linear``), which the engines
count under ``key`` (fvcore's operator names, where fvcore has one), and the names of torch
functions as the forward pass calls them (``relu``, ``max_pool2d``), whose scalar operations
the ``flops-all`` convention adds. The families live in modules named for them:
:mod:`~archstats.rules.weighted` (multiply-adds), :mod:`~archstats.rules.attention`,
:mod:`~archstats.rules.recurrent`, :mod:`~archstats.rules.fvcore_extras` (what fvcore adds
to the multiply-adds) and :mod:`~archstats.rules.elementwise` (the ``flops-all`` rules).
"""

from __future__ import annotations

from archstats.rules.table import (
    ACTIVATION,
    ELEMENTWISE,
    MULTIPLY_ADD,
    NORMALISATION,
    POOLING,
    RESAMPLING,
    TABLE,
    WEIGHTED,
    Category,
    Rule,
    Shape,
    counted_under,
    label,
    register,
    rule,
)

__all__ = [
    "ACTIVATION", "ELEMENTWISE", "MULTIPLY_ADD", "NORMALISATION", "POOLING", "RESAMPLING", "TABLE", "WEIGHTED",
    "Category", "Rule", "Shape", "attention", "backward", "counted_under", "elementwise", "fvcore_extras", "label",
    "recurrent", "register", "rule", "weighted",
]  # fmt: skip

# The families register themselves on import, after the names above exist: a family may
# import them from this package or from archstats.rules.table.
from archstats.rules import attention, backward, elementwise, fvcore_extras, recurrent, weighted
