"""The fvcore engine: fvcore's jit-traced count, plus handles for the ops fvcore does not count.

The default engine (:mod:`archstats.engines.dispatch`) gives the same figures without the trace;
this one is selectable (``--engine fvcore``) and is the reference the tests compare it with.

Convention: one fused multiply-add is one MAC (fvcore's convention). fvcore's default
handles count convolutions, linear maps, matrix products, einsum, BatchNorm, the other
normalisations, upsampling and adaptive average pooling. archstats adds one MAC handle:

- ``aten::cdist``: a Euclidean distance over ``M`` coordinates is ``M``
  subtract-square-accumulate steps, counted as ``M`` MACs (LeNet-5's RBF output);
- ``aten::_convolution_mode``: a convolution with ``padding='same'`` or ``'valid'``,
  counted as fvcore counts any other convolution.

For the conventions that count every matrix product (``macs``, ``flops``), this engine
adds handles for ``aten::scaled_dot_product_attention`` and ``aten::baddbmm`` by the rules
of :mod:`archstats.rules`; fvcore's own convention leaves them out, as fvcore does. It
differs from the dispatch engine on two things: a recurrent layer (``aten::lstm``, ``gru``,
``rnn_*``) is listed as uncounted, as jit's graph carries no shapes for its weights; and
the linear maps of ``nn.MultiheadAttention`` stay in the attention module, as jit's
scopes put them, where the dispatch engine moves ``out_proj``'s to ``out_proj``'s row.

fvcore silently ignores some ops that do arithmetic (``relu``, ``clamp``, ``max``) and
reports others as unsupported (max-pooling, LRN's elementwise steps, ``tanh``, additions).
archstats lists all of them per layer as *uncounted*, with how often each ran, so that
no op is silently zero.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import torch
from fvcore.nn import FlopCountAnalysis
from fvcore.nn.jit_handles import get_shape
from torch import nn

from archstats import rules
from archstats.engines.dispatch import SILENT_ARITHMETIC
from archstats.rules.weighted import conv_macs
from archstats.trace.forward import ForwardError, Instrumented, RunTrace

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


def attention_macs(inputs: list[Any], outputs: list[Any]) -> Counter[str]:
    """``aten::scaled_dot_product_attention``: its two matrix products (:mod:`archstats.rules.attention`)."""
    shapes = [get_shape(v) for v in inputs[:3]]
    if any(s is None for s in shapes):
        return Counter()
    return Counter({"attention": rules.TABLE["aten::scaled_dot_product_attention"].formula(*shapes)})


def baddbmm_macs(inputs: list[Any], outputs: list[Any]) -> Counter[str]:
    """``aten::baddbmm(input, batch1, batch2)``: as ``bmm`` (:mod:`archstats.rules.weighted`)."""
    a, b = get_shape(inputs[1]), get_shape(inputs[2])
    if a is None or b is None:
        return Counter()
    return Counter({"baddbmm": rules.TABLE["aten::baddbmm"].formula(a, b)})


def _occurrence(op: str) -> Callable[[list[Any], list[Any]], Counter[str]]:
    def handle(inputs: list[Any], outputs: list[Any]) -> Counter[str]:
        return Counter({UNCOUNTED_PREFIX + op: 1})

    return handle


def flop_analysis(model: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> FlopCountAnalysis:
    """fvcore's analysis of ``model`` on ``inputs`` with archstats' extra handles, quiet."""
    analysis = FlopCountAnalysis(model, inputs)
    analysis.set_op_handle("aten::cdist", cdist_macs)
    analysis.set_op_handle("aten::_convolution_mode", conv_mode_macs)
    # Counted by archstats' rules for the conventions that count every matrix product; fvcore's
    # own convention leaves them out (rules.counted_under), as fvcore does.
    analysis.set_op_handle("aten::scaled_dot_product_attention", attention_macs)
    analysis.set_op_handle("aten::baddbmm", baddbmm_macs)
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


def run(model: nn.Module, x: torch.Tensor, extra: Sequence[torch.Tensor] = ()) -> RunTrace:
    """The run as fvcore's jit trace, under the recorder; should fvcore fail where a plain forward pass works
    (an op or an output its tracer cannot take), the model is run once more without it:
    every figure but the MACs still comes out, and the MACs are those of the weighted ops
    the recorder saw (convolutions, linear maps, matrix products), with a note saying so.
    """
    run_ = Instrumented(model, x, tracing=True)
    analysis = flop_analysis(model, (x, *extra))
    try:
        with run_.recorder, torch.no_grad():
            counts = analysis.by_module_and_operator()
            unsupported = {name: analysis.unsupported_ops(name) for name in run_.traces}
    except Exception as error:
        traced_failure: ForwardError | None = run_.failure(error)
    else:
        traced_failure = None
    finally:
        run_.remove()
    if traced_failure is not None:
        return _run_without_fvcore(model, x, traced_failure, extra)
    traces = run_.traces

    # fvcore attributes an op to its module and every ancestor; keep each module's own.
    own_counts = {name: Counter(counts.get(name, Counter())) for name in traces}
    own_unsupported = {name: Counter(unsupported.get(name, Counter())) for name in traces}
    for name in traces:
        if name:
            parent = name.rpartition(".")[0]
            if parent in traces:
                own_counts[parent].subtract(counts.get(name, Counter()))
                own_unsupported[parent].subtract(unsupported.get(name, Counter()))
    macs: dict[str, dict[str, int]] = {}
    uncounted: dict[str, dict[str, int]] = {}
    for name in traces:
        own_macs, own_uncounted = split_counts(+own_counts[name])
        for op, n in (+own_unsupported[name]).items():
            own_uncounted[op] = own_uncounted.get(op, 0) + int(n)
        macs[name] = own_macs
        uncounted[name] = own_uncounted
    return RunTrace(traces, macs, uncounted, traces[""].output_fields, run_.batch)


def _run_without_fvcore(
    model: nn.Module, x: torch.Tensor, traced_failure: ForwardError, extra: Sequence[torch.Tensor] = ()
) -> RunTrace:
    run_ = Instrumented(model, x)
    try:
        with run_.recorder, torch.no_grad():
            model(x, *extra)
    except Exception as error:  # the model's own failure: report where it happened
        raise run_.failure(error) from error
    finally:
        run_.remove()
    where = f" in {traced_failure.module}" if traced_failure.module else ""
    cause = (
        str(traced_failure).strip().splitlines()[0]
        if str(traced_failure).strip()
        else type(traced_failure.cause).__name__
    )
    note = (
        f"fvcore could not trace this model ({type(traced_failure.cause).__name__}{where}: {cause}); "
        "MACs are those of convolutions, linear maps and matrix products only"
    )
    macs: dict[str, dict[str, int]] = {}
    for name, t in run_.traces.items():
        for op in t.ops:
            macs.setdefault(name, {})[op.kind] = macs.get(name, {}).get(op.kind, 0) + op.macs * run_.batch
    return RunTrace(
        run_.traces, macs, {name: {} for name in run_.traces}, run_.traces[""].output_fields, run_.batch, [note]
    )
