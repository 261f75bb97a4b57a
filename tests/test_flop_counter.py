"""On every zoo network, the multiply-add MACs (fvcore's keys) equal torch's FlopCounterMode / 2.

The MACs come from archstats' own run (per layer, by operator; the default engine, equal to
fvcore's: tests/test_engines.py); FlopCounterMode runs the network once more, plainly. Both count 1 MAC = 2 FLOPs for convolutions and
matrix products and leave the rest out.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from archstats.analysis import materialize
from archstats.zoo import Report, spec
from archstats_zoo import REGISTRY

# fvcore's operator keys for multiply-add ops.
MULTIPLY_ADD = ("conv", "linear", "addmm", "matmul", "mm", "bmm", "einsum")


@pytest.mark.parametrize("name", REGISTRY.names())
def test_fvcore_macs_equal_flop_counter(name: str, zoo_report: Callable[[str], Report]) -> None:
    analysis = zoo_report(name).analysis
    fvcore_macs = sum(n for layer in analysis.layers for op, n in layer.macs_by_op.items() if op in MULTIPLY_ADD)
    recorded = sum(op.macs for layer in analysis.layers for op in layer.ops if op.kind != "cdist")
    model_spec = spec(name)
    with torch.device("meta"):
        model = model_spec.builder()
    model = materialize(model, torch.device("cpu")).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(model_spec.input_shape))
    assert fvcore_macs > 0
    assert 2 * fvcore_macs * model_spec.input_shape[0] == counter.get_total_flops()  # per sample vs batch
    assert recorded == fvcore_macs
    # the flops convention is FlopCounterMode's: 2 per multiply-add, plus archstats' distances
    distances = sum(n for layer in analysis.layers for op, n in layer.macs_by_op.items() if op == "cdist")
    assert analysis.totals.flops == 2 * (fvcore_macs + distances)
