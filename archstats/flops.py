"""The fvcore engine: fvcore's jit-traced count, plus handles for the ops fvcore does not count.

The default engine (:mod:`archstats.dispatch`) gives the same figures without the trace;
this one is selectable (``--engine fvcore``) and is the reference the tests compare it with.

Convention: one fused multiply-add is one MAC (fvcore's convention). fvcore's default
handles count convolutions, linear maps, matrix products, einsum, BatchNorm, the other
normalisations, upsampling and adaptive average pooling. archstats adds one MAC handle:

- ``aten::cdist``: a Euclidean distance over ``M`` coordinates is ``M``
  subtract-square-accumulate steps, counted as ``M`` MACs (LeNet-5's RBF output);
- ``aten::_convolution_mode``: a convolution with ``padding='same'`` or ``'valid'``,
  counted as fvcore counts any other convolution.

fvcore silently ignores some ops that do arithmetic (``relu``, ``clamp``, ``max``) and
reports others as unsupported (max-pooling, LRN's elementwise steps, ``tanh``, additions).
archstats lists all of them per layer as *uncounted*, with how often each ran, so that
no op is silently zero.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import torch
from fvcore.nn import FlopCountAnalysis
from fvcore.nn.jit_handles import get_shape

from archstats.dispatch import SILENT_ARITHMETIC, conv_macs

UNCOUNTED_PREFIX = "~"


def cdist_macs(inputs: list[Any], outputs: list[Any]) -> Counter[str]:
    """MACs of ``torch.cdist(x1, x2)``: one per coordinate of every pair of points."""
    x1 = get_shape(inputs[0])
    x2 = get_shape(inputs[1])
    if x1 is None or x2 is None:
        return Counter()
    out = get_shape(outputs[0])
    pairs = math.prod(out) if out is not None else math.prod(x1[:-1]) * x2[-2]
    return Counter({"cdist": pairs * int(x1[-1])})


def conv_mode_macs(inputs: list[Any], outputs: list[Any]) -> Counter[str]:
    """MACs of a convolution with string padding (``'same'``, ``'valid'``), as fvcore counts ``conv``."""
    x, w, out = get_shape(inputs[0]), get_shape(inputs[1]), get_shape(outputs[0])
    if x is None or w is None or out is None:
        return Counter()
    return Counter({"conv": conv_macs(x, w, out)})


def _occurrence(op: str) -> Callable[[list[Any], list[Any]], Counter[str]]:
    def handle(inputs: list[Any], outputs: list[Any]) -> Counter[str]:
        return Counter({UNCOUNTED_PREFIX + op: 1})

    return handle


def flop_analysis(model: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> FlopCountAnalysis:
    """fvcore's analysis of ``model`` on ``inputs`` with archstats' extra handles, quiet."""
    analysis = FlopCountAnalysis(model, inputs)
    analysis.set_op_handle("aten::cdist", cdist_macs)
    analysis.set_op_handle("aten::_convolution_mode", conv_mode_macs)
    for op in sorted(SILENT_ARITHMETIC):
        analysis.set_op_handle(op, _occurrence(op))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings("none")
    return analysis


def split_counts(counter: Counter[str]) -> tuple[dict[str, int], dict[str, int]]:
    """fvcore's per-module counter as ({op: MACs}, {uncounted op: occurrences})."""
    macs: dict[str, int] = {}
    uncounted: dict[str, int] = {}
    for key, value in counter.items():
        if key.startswith(UNCOUNTED_PREFIX):
            uncounted[key[len(UNCOUNTED_PREFIX) :]] = int(value)
        else:
            macs[key] = int(value)
    return macs, uncounted
