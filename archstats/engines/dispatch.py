"""MACs and uncounted ops from a plain forward pass: fvcore's figures without its tracer.

fvcore traces the model with ``torch.jit`` and applies a handle to every node of the
graph; the tracer is most of its cost. The nodes it records are the calls that Python
code makes into torch, before PyTorch decomposes them: ``F.linear`` is one
``aten::linear``, not the ``t`` and ``addmm`` that run. This engine counts those same
calls in an ordinary forward pass.

The recorder's ``TorchFunctionMode`` (:mod:`archstats.trace.forward`) sees each call and hands it
to :class:`OpCounter`, which names it as jit would (``F.relu(x, inplace=True)`` is
``aten::relu_``, ``torch.conv2d`` is ``aten::_convolution``, ``F.batch_norm`` is
``aten::batch_norm``) and counts it by its rule in :mod:`archstats.rules`: fvcore's
formula, a pure function of shapes, for every operator that fvcore gives a handle (and
archstats' own rules: ``aten::cdist``, ``aten::_convolution_mode``, attention, recurrent
layers). Ops fvcore ignores (shape and memory ops)
are not counted; every other op, and the arithmetic ops that fvcore ignores although
they compute (``relu``, ``clamp``, ``max``), is *uncounted*, with how often it ran.
A Python function that the call table (:data:`CALLS`) does not know (a loss, an attention helper)
runs under a ``TorchDispatchMode`` instead, and each ATen op it dispatches is named
back to the node jit records for it (``_softmax`` is ``aten::softmax``,
``constant_pad_nd`` is ``aten::pad``). Attribution is the recorder's: the innermost
running module, as in fvcore's scopes.

On every zoo network, in training mode too (auxiliary heads, dropout, BatchNorm's batch
statistics), and on the user-style models of ``tests/test_engines.py``, the counts equal
fvcore's module by module, in fvcore's order. A call whose operands a rule does not take
is listed as uncounted, with a note; the forward pass goes on. By construction the counts
differ where jit records what a forward pass does not show, or drops what it does:

- jit records Python arithmetic on tensor sizes (``x.view(n, x.size(1) * 2)`` adds an
  ``aten::mul``); sizes are plain integers here, and no op is listed for them;
- jit drops ops whose result is never used; here every op that ran is listed;
- inside a composition that the call table does not know, ops are seen after PyTorch's
  decompositions, so a linear map there is keyed ``linear`` only when its weight went
  through ``t`` (else ``addmm`` or ``mm``), and a matrix product that broadcasts its
  first operand counts every product made, where fvcore's ``matmul`` formula counts
  the first operand's elements times the columns of the second;
- fvcore's ``matmul`` handle fails on a vector as second operand (and then fvcore on the
  whole model); here each element of the first operand counts once.
"""

from __future__ import annotations

import math
import types
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from archstats.rules import TABLE
from archstats.trace.forward import Instrumented, RunTrace

# Ops that do no arithmetic (shapes, copies, integer ops), as fvcore lists them; the
# arithmetic it also lists (relu, relu_, clamp, clamp_, max) is uncounted instead.
IGNORED = frozenset(
    "aten::" + name
    for name in (
        "Int", "ScalarImplicit", "__and__", "arange", "bitwise_not", "cat", "chunk", "constant_pad_nd",
        "contiguous", "copy_", "detach", "dropout", "empty", "eq", "expand", "flatten", "floor",
        "floor_divide", "full", "full_like", "gather", "ge", "gt", "index", "index_put_", "masked_fill",
        "narrow", "new_empty", "new_full", "new_zeros", "nonzero", "ones", "permute", "remainder", "reshape",
        "roll", "select", "size", "slice", "split", "split_with_sizes", "squeeze", "stack", "t", "to",
        "transpose", "type_as", "unbind", "unsqueeze", "unsqueeze_", "view", "zeros", "zeros_like",
    )
)  # fmt: skip

# Arithmetic that fvcore's list hides; archstats lists it as uncounted, like any other op.
SILENT_ARITHMETIC = frozenset({"aten::relu", "aten::relu_", "aten::clamp", "aten::clamp_", "aten::max"})


# -- the counter ----------------------------------------------------------------------------


class _Frame(Protocol):
    """What the counter needs of a running module: its name (a ModuleTrace is one)."""

    @property
    def name(self) -> str: ...


Handler = Callable[["OpCounter", Sequence[Any], dict[str, Any], Any], None]


class OpCounter:
    """Counts the calls of one forward pass as jit's nodes, per innermost running module.

    Args:
        stack: the running modules, innermost last (the recorder's stack); each has a ``name``.
    """

    def __init__(self, stack: Sequence[_Frame], owner: Callable[[Any], str | None] | None = None) -> None:
        self.stack = stack
        # The module a tensor belongs to when that module is not running (nn.MultiheadAttention's
        # out_proj, whose weight the attention function uses): its count goes there.
        self.owner = owner or (lambda tensor: None)
        self.macs: dict[str, dict[str, int]] = {}  # module -> key -> MACs, whole batch
        self.uncounted: dict[str, dict[str, int]] = {}  # module -> op -> calls
        self._handlers: dict[Any, Handler | None] = {}
        self._mode: _Decomposed | None = None
        self._first: dict[tuple[str, str], int] = {}  # (module, key or op) -> first occurrence
        self.notes: list[str] = []  # calls that could not be counted, once each

    def call(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        """Run ``func`` and count it; returns its result."""
        try:
            handler = self._handlers[func]
        except KeyError:
            handler = self._handlers[func] = _handler(func)
        except TypeError:  # an unhashable callable
            handler = _handler(func)
        if handler is _decomposed:
            return self._decomposed(func, args, kwargs)
        out = func(*args, **kwargs)
        if handler is not None:
            try:
                handler(self, args, kwargs, out)
            except Exception as error:  # counting never stops a forward pass that works
                self._note(getattr(func, "__name__", repr(func)), error)
        return out

    def count(self, op: str, *shapes: Any, weight: Any = None) -> None:
        """One call of ``op`` in the running module, with its rule's arguments if it has one.

        With ``weight``, a module that holds that tensor and is not running takes the count.
        """
        module = self.owner(weight) if weight is not None else None
        if module is None:
            module = self.stack[-1].name if self.stack else ""
        rule = TABLE.get(op)
        if rule is not None:
            try:
                value = int(rule.formula(*shapes))
            except Exception as error:  # operands the rule does not take (fvcore would fail here)
                self._note(op, error)
                rule = None
        if rule is not None:
            own = self.macs.get(module)
            if own is None:
                own = self.macs[module] = {}
            key = rule.key
            if key not in own:
                self._first[module, key] = len(self._first)
                own[key] = 0
            own[key] += value
        elif op not in IGNORED:
            own = self.uncounted.get(module)
            if own is None:
                own = self.uncounted[module] = {}
            if op not in own:
                self._first[module, op] = len(self._first)
                own[op] = 0
            own[op] += 1

    def _note(self, what: str, error: Exception) -> None:
        note = f"{what} ran on operands its MAC rule does not take ({type(error).__name__}: {error}); not counted"
        if note not in self.notes:
            self.notes.append(note)

    def results(self, modules: Iterable[str]) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        """Each module's own MACs by key and uncounted ops, in fvcore's order.

        fvcore lists a module's ops in the order they first ran anywhere in its subtree,
        and its uncounted arithmetic (relu, clamp, max) before the ops it has no handle for.
        """
        # Occurrences come in order: the first to reach an ancestor is its first there, and
        # an ancestor reached before has had all of its own ancestors reached too.
        first: dict[tuple[str, str], int] = {}
        for (module, key), index in self._first.items():
            name = module
            while (name, key) not in first:
                first[name, key] = index
                if not name:
                    break
                name = name.rpartition(".")[0]
        macs: dict[str, dict[str, int]] = {}
        uncounted: dict[str, dict[str, int]] = {}
        for module in modules:
            own = self.macs.get(module)
            macs[module] = {k: own[k] for k in sorted(own, key=lambda k: first[module, k]) if own[k] > 0} if own else {}
            ops = self.uncounted.get(module)
            uncounted[module] = (
                {op: ops[op] for op in sorted(ops, key=lambda op: (op not in SILENT_ARITHMETIC, first[module, op]))}
                if ops
                else {}
            )
        return macs, uncounted

    def _decomposed(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        if self._mode is not None:  # already inside one: its ops are being counted
            return func(*args, **kwargs)
        self._mode = _Decomposed(self)
        try:
            with self._mode:
                return func(*args, **kwargs)
        finally:
            self._mode = None


# -- calls as jit records them ------------------------------------------------------------


def _arg(args: Sequence[Any], kwargs: dict[str, Any], index: int, name: str, default: Any = None) -> Any:
    if name in kwargs:
        return kwargs[name]
    if len(args) > index:
        return args[index]
    return default


def _shape(value: Any) -> tuple[int, ...] | None:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def _first(out: Any) -> torch.Tensor:
    return out if isinstance(out, torch.Tensor) else out[0]


def _decomposed(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    """Marks a call that runs under the dispatch mode (never called)."""


def _named(*ops: str) -> Handler:
    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        for op in ops:
            counter.count(op)

    return handler


def _local_response_norm(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    """``F.local_response_norm`` as jit records its body: a square, a pad, an average over the
    channel window, then ``mul``, ``add``, ``pow`` and the division.

    A rule rather than the dispatch mode: LRN is in AlexNet, GoogLeNet and VGG-A-LRN, and
    the first use of a dispatch mode in a process imports about 800 modules (a second).
    """
    x = _arg(args, kwargs, 0, "input")
    if x.numel() == 0:
        return
    pool = "aten::avg_pool2d" if x.dim() == 3 else "aten::avg_pool3d"
    for op in ("aten::mul", "aten::pad", pool, "aten::mul", "aten::add", "aten::pow", "aten::div"):
        counter.count(op)


def _in_place(op: str, index: int) -> Handler:
    """A function with an ``inplace`` flag: ``aten::op_`` when set, else ``aten::op``."""

    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        counter.count(f"aten::{op}_" if _arg(args, kwargs, index, "inplace", False) else f"aten::{op}")

    return handler


def _conv(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    x, w = args[0], _arg(args, kwargs, 1, "weight")
    op = "aten::_convolution_mode" if isinstance(_arg(args, kwargs, 4, "padding", 0), str) else "aten::_convolution"
    counter.count(op, x.shape, w.shape, out.shape)


def _conv_transpose(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    counter.count("aten::_convolution", args[0].shape, _arg(args, kwargs, 1, "weight").shape, out.shape, True)


def _convolution(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    transposed = bool(_arg(args, kwargs, 6, "transposed", False))
    counter.count("aten::_convolution", args[0].shape, _arg(args, kwargs, 1, "weight").shape, out.shape, transposed)


def _linear(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    weight = _arg(args, kwargs, 1, "weight")
    counter.count("aten::linear", _arg(args, kwargs, 0, "input").shape, weight.shape, weight=weight)


def _attention(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    """``F.scaled_dot_product_attention``: its two matrix products, whichever kernel ran."""
    q, k, v = args[0], _arg(args, kwargs, 1, "key"), _arg(args, kwargs, 2, "value")
    counter.count("aten::scaled_dot_product_attention", q.shape, k.shape, v.shape)


def _multi_head_attention(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    """``F.multi_head_attention_forward`` as the ops it runs: the input projections, attention
    (``scaled_dot_product_attention``, or with ``need_weights`` the ``bmm`` / ``baddbmm`` pair
    that also returns the weights) and the output projection, in ``out_proj``'s row.

    Counted from its arguments: under the dispatch mode the math kernel's products would be
    seen as plain ``bmm`` after PyTorch's decomposition, not as attention.
    """
    query, key, value = args[0], args[1], args[2]
    heads = int(_arg(args, kwargs, 4, "num_heads"))
    width = int(query.shape[-1])
    batch = (int(query.shape[1]),) if query.dim() == 3 else ()
    length, source = int(query.shape[0]), int(key.shape[0])
    static_k = _arg(args, kwargs, 21, "static_k")
    if static_k is not None:
        source = int(static_k.shape[1])
    source += int(_arg(args, kwargs, 7, "bias_k") is not None) + int(bool(_arg(args, kwargs, 9, "add_zero_attn")))
    count = counter.count
    if _arg(args, kwargs, 17, "use_separate_proj_weight", False):
        for x, name, index in ((query, "q_proj_weight", 18), (key, "k_proj_weight", 19), (value, "v_proj_weight", 20)):
            weight = _arg(args, kwargs, index, name)
            count("aten::linear", x.shape, weight.shape, weight=weight)
    else:
        weight = _arg(args, kwargs, 5, "in_proj_weight")
        for x in (query, key, value):
            count("aten::linear", x.shape, (width, int(x.shape[-1])), weight=weight)
    d = width // heads
    if _arg(args, kwargs, 15, "need_weights", True):
        masked = (
            _arg(args, kwargs, 16, "attn_mask") is not None or _arg(args, kwargs, 14, "key_padding_mask") is not None
        )
        n = math.prod(batch) * heads
        count("aten::baddbmm" if masked else "aten::bmm", (n, length, d), (n, d, source))
        count("aten::bmm", (n, length, source), (n, source, d))
    else:
        count("aten::scaled_dot_product_attention", (*batch, heads, length, d), (*batch, heads, source, d),
              (*batch, heads, source, d))  # fmt: skip
    out_weight = _arg(args, kwargs, 11, "out_proj_weight")
    count("aten::linear", (math.prod(batch) * length, width), out_weight.shape, weight=out_weight)


def _recurrent(op: str, gates: int) -> Handler:
    """``torch.lstm``, ``gru``, ``rnn_tanh``, ``rnn_relu`` (what nn.LSTM, GRU and RNN call).

    Two overloads: ``(input, hx, params, has_biases, num_layers, dropout, train,
    bidirectional, batch_first)`` and, for a packed sequence, ``(data, batch_sizes, hx,
    params, has_biases, num_layers, dropout, train, bidirectional)``.
    """

    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        x = args[0]
        packed = not isinstance(args[3], bool)
        params = args[3] if packed else args[2]
        num_layers, bidirectional = (int(args[5]), bool(args[8])) if packed else (int(args[4]), bool(args[7]))
        tokens = int(x.shape[0]) if packed or x.dim() == 2 else int(x.shape[0]) * int(x.shape[1])
        hidden = int(params[0].shape[0]) // gates
        recurrent_in = int(params[1].shape[1])
        proj = recurrent_in if recurrent_in != hidden else 0
        counter.count(op, tokens, int(x.shape[-1]), hidden, num_layers, bidirectional, proj, weight=params[0])

    return handler


def _encoder_layer(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    """``torch._transformer_encoder_layer_fwd``, nn.TransformerEncoderLayer's fused fast path:
    its linear maps, attention and the two layer norms, each in the module whose weights it uses.

    Its arguments: ``(src, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight,
    proj_bias, use_gelu, norm_first, eps, norm_weight_1, norm_bias_1, norm_weight_2,
    norm_bias_2, ffn_weight_1, ffn_bias_1, ffn_weight_2, ffn_bias_2, mask, mask_type)``.
    """
    src, heads = args[0], int(args[2])
    qkv, proj, ffn1, ffn2 = args[3], args[5], args[14], args[16]
    count = counter.count
    count("aten::linear", src.shape, qkv.shape, weight=qkv)
    *batch, length, width = (int(d) for d in src.shape)
    per_head = (*batch, heads, length, width // heads)
    count("aten::scaled_dot_product_attention", per_head, per_head, per_head, weight=qkv)
    count("aten::linear", src.shape, proj.shape, weight=proj)
    for norm in (args[10], args[12]):
        count("aten::layer_norm", src.shape, norm is not None, weight=norm)
    count("aten::linear", src.shape, ffn1.shape, weight=ffn1)
    count("aten::linear", (*batch, length, int(ffn1.shape[0])), ffn2.shape, weight=ffn2)


def _addmm(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    counter.count("aten::addmm", _arg(args, kwargs, 1, "mat1").shape, _arg(args, kwargs, 2, "mat2").shape)


def _product(op: str) -> Handler:
    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        counter.count(op, args[0].shape, _arg(args, kwargs, 1, "other" if op == "aten::matmul" else "mat2").shape)

    return handler


def _rmatmul(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    counter.count("aten::matmul", args[1].shape, args[0].shape)


def _einsum(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    if isinstance(args[0], str):
        equation = args[0]
        operands = list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:  # the sublist form: operand, indices, operand, indices, ..., [output indices]
        equation, operands = _sublist_equation(args)
    counter.count("aten::einsum", equation, [t.shape for t in operands])


def _sublist_equation(args: Sequence[Any]) -> tuple[str, list[torch.Tensor]]:
    def letters(indices: Iterable[Any]) -> str:
        return "".join("..." if i is Ellipsis else chr((65 if i < 26 else 71) + i) for i in indices)

    operands = list(args[0::2])
    subscripts = list(args[1::2])
    if len(args) % 2:  # an output sublist at the end
        output = "->" + letters(args[-1])
        operands = operands[:-1]
    else:
        output = ""
    return ",".join(letters(s) for s in subscripts[: len(operands)]) + output, operands


def _batch_norm(weight_index: int, training_index: int) -> Handler:
    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        affine = _arg(args, kwargs, weight_index, "weight") is not None
        training = bool(_arg(args, kwargs, training_index, "training", False))
        counter.count("aten::batch_norm", args[0].shape, affine, training)

    return handler


def _norm(op: str, weight_index: int) -> Handler:
    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        counter.count(op, args[0].shape, _arg(args, kwargs, weight_index, "weight") is not None)

    return handler


_UPSAMPLE = {
    ("nearest", 1): "upsample_nearest1d", ("nearest", 2): "upsample_nearest2d", ("nearest", 3): "upsample_nearest3d",
    ("nearest-exact", 1): "_upsample_nearest_exact1d", ("nearest-exact", 2): "_upsample_nearest_exact2d",
    ("nearest-exact", 3): "_upsample_nearest_exact3d", ("linear", 1): "upsample_linear1d",
    ("bilinear", 2): "upsample_bilinear2d", ("bicubic", 2): "upsample_bicubic2d",
    ("trilinear", 3): "upsample_trilinear3d", ("area", 1): "adaptive_avg_pool1d",
    ("area", 2): "adaptive_avg_pool2d", ("area", 3): "adaptive_avg_pool3d",
}  # fmt: skip


def _interpolate(mode_index: int) -> Handler:
    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        x = args[0]
        mode = _arg(args, kwargs, mode_index, "mode", "nearest")
        op = _UPSAMPLE.get((mode, x.dim() - 2), f"upsample_{mode}")
        if _arg(args, kwargs, 6, "antialias", False) and mode in ("bilinear", "bicubic"):
            op = f"_upsample_{mode}2d_aa"
        _count_upsample(counter, "aten::" + op, x, out)

    return handler


def _fixed_upsample(mode: str) -> Handler:
    """``F.upsample_nearest`` and ``F.upsample_bilinear`` (align_corners=True)."""

    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        x = args[0]
        _count_upsample(counter, "aten::" + _UPSAMPLE.get((mode, x.dim() - 2), f"upsample_{mode}"), x, out)

    return handler


def _count_upsample(counter: OpCounter, op: str, x: torch.Tensor, out: Any) -> None:
    if op == "aten::adaptive_avg_pool2d":
        counter.count(op, x.shape)
    elif op in TABLE:
        counter.count(op, out.shape)
    else:
        counter.count(op)


def _upsample_builtin(op: str) -> Handler:
    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        counter.count(op, out.shape)

    return handler


def _adaptive_avg_pool2d(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    counter.count("aten::adaptive_avg_pool2d", args[0].shape)


def _grid_sample(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    counter.count("aten::grid_sampler", out.shape)


def _cdist(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    counter.count("aten::cdist", args[0].shape, out.shape)


def _max_pool(n: int, with_indices: bool) -> Handler:
    op = f"aten::max_pool{n}d_with_indices" if with_indices else f"aten::max_pool{n}d"

    def handler(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        indices = with_indices or bool(_arg(args, kwargs, 6, "return_indices", False))
        counter.count(f"aten::max_pool{n}d_with_indices" if indices else op)

    return handler


def _dropout1d(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    inplace = bool(_arg(args, kwargs, 3, "inplace", False))
    counter.count("aten::feature_dropout_" if inplace else "aten::feature_dropout")
    if args[0].dim() == 2 and inplace:  # an unbatched input is unsqueezed, then squeezed back
        counter.count("aten::squeeze_")


def _normalize(counter: OpCounter, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
    into = _arg(args, kwargs, 4, "out")
    for op in ("linalg_vector_norm", "clamp_min" if into is None else "clamp_min_", "expand_as", "div"):
        counter.count("aten::" + op)


def _python_calls() -> dict[Any, Handler | None]:
    """Python functions of torch whose calls jit records as known nodes (checked against
    fvcore in tests/test_engines.py); ``None`` where every node they make is ignored."""
    calls: dict[Any, Handler | None] = {
        F.relu: _in_place("relu", 1), F.relu6: _in_place("relu6", 1), F.elu: _in_place("elu", 2),
        F.selu: _in_place("selu", 1), F.celu: _in_place("celu", 2), F.leaky_relu: _in_place("leaky_relu", 2),
        F.hardtanh: _in_place("hardtanh", 3), F.silu: _in_place("silu", 1), F.hardswish: _in_place("hardswish", 1),
        F.hardsigmoid: _in_place("hardsigmoid", 1), F.mish: _in_place("mish", 1),
        F.threshold: _in_place("threshold", 3), F.rrelu: _in_place("rrelu", 4),
        F.dropout: _in_place("dropout", 3), F.alpha_dropout: _in_place("alpha_dropout", 3),
        F.dropout2d: _in_place("feature_dropout", 3), F.dropout3d: _in_place("feature_dropout", 3),
        F.feature_alpha_dropout: _in_place("feature_alpha_dropout", 3), F.dropout1d: _dropout1d,
        F.sigmoid: _named("aten::sigmoid"), F.tanh: _named("aten::tanh"), F.glu: _named("aten::glu"),
        F.softmax: _named("aten::softmax"), F.log_softmax: _named("aten::log_softmax"),
        F.softmin: _named("aten::neg", "aten::softmax"), F.softsign: _named("aten::abs", "aten::add", "aten::div"),
        F.tanhshrink: _named("aten::tanh", "aten::sub"), F.pad: _named("aten::pad"),
        F.embedding: _named("aten::embedding"), F.unfold: _named("aten::im2col"), F.fold: _named("aten::col2im"),
        F.normalize: _normalize, F.local_response_norm: _local_response_norm,
        F.batch_norm: _batch_norm(3, 5), F.layer_norm: _norm("aten::layer_norm", 2),
        F.group_norm: _norm("aten::group_norm", 2), F.instance_norm: _norm("aten::instance_norm", 3),
        F.max_pool1d: _max_pool(1, False), F.max_pool2d: _max_pool(2, False), F.max_pool3d: _max_pool(3, False),
        F.max_pool1d_with_indices: _max_pool(1, True), F.max_pool2d_with_indices: _max_pool(2, True),
        F.max_pool3d_with_indices: _max_pool(3, True),
        F.adaptive_max_pool1d: _named("aten::adaptive_max_pool1d"),
        F.adaptive_max_pool1d_with_indices: _named("aten::adaptive_max_pool1d"),
        F.adaptive_max_pool2d: _named("aten::adaptive_max_pool2d"),
        F.adaptive_max_pool2d_with_indices: _named("aten::adaptive_max_pool2d"),
        F.adaptive_max_pool3d: _named("aten::adaptive_max_pool3d"),
        F.adaptive_max_pool3d_with_indices: _named("aten::adaptive_max_pool3d"),
        F.adaptive_avg_pool2d: _adaptive_avg_pool2d, F.adaptive_avg_pool3d: _named("aten::adaptive_avg_pool3d"),
        F.interpolate: _interpolate(4), F.upsample: _interpolate(3),
        F.upsample_nearest: _fixed_upsample("nearest"), F.upsample_bilinear: _fixed_upsample("bilinear"),
        F.grid_sample: _grid_sample,
        torch.einsum: _einsum, torch.cdist: _cdist,
        torch.split: None, torch.Tensor.split: None, torch.Tensor.__iter__: None, torch.Tensor.__len__: None,
        torch.Tensor.__format__: None, torch.Tensor.__repr__: None, torch.Tensor.__hash__: None,
        torch.Tensor.__array__: None, torch.Tensor.__rsub__: _named("aten::rsub"),
        torch.Tensor.__rdiv__: _named("aten::reciprocal", "aten::mul"),
        torch.Tensor.__rtruediv__: _named("aten::reciprocal", "aten::mul"),
        torch.Tensor.__floordiv__: None, torch.Tensor.__rfloordiv__: None,
        torch.Tensor.__rmod__: _named("aten::remainder"), torch.Tensor.__rmatmul__: _rmatmul,
        torch.Tensor.unflatten: _named("aten::unflatten"), torch.Tensor.__pow__: _named("aten::pow"),
        torch.Tensor.__ipow__: _named("aten::pow_"), torch.Tensor.__rpow__: _named("aten::pow"),
    }  # fmt: skip
    if hasattr(F, "rms_norm"):
        calls[F.rms_norm] = _named("aten::rms_norm")
    return calls


def _builtin_calls() -> dict[Any, Handler | None]:
    """Builtins whose node is not simply ``aten::`` and their name, or that have a MAC rule."""
    nn_c: Any = torch._C._nn
    calls: dict[Any, Handler | None] = {
        torch.conv1d: _conv, torch.conv2d: _conv, torch.conv3d: _conv,
        torch.conv_transpose1d: _conv_transpose, torch.conv_transpose2d: _conv_transpose,
        torch.conv_transpose3d: _conv_transpose, torch.convolution: _convolution, torch._convolution: _convolution,
        nn_c.linear: _linear, torch.addmm: _addmm, torch.Tensor.addmm: _addmm,
        torch.matmul: _product("aten::matmul"), torch.Tensor.matmul: _product("aten::matmul"),
        torch.Tensor.__matmul__: _product("aten::matmul"),
        torch.mm: _product("aten::mm"), torch.Tensor.mm: _product("aten::mm"),
        torch.bmm: _product("aten::bmm"), torch.Tensor.bmm: _product("aten::bmm"),
        torch.batch_norm: _batch_norm(1, 5), torch.layer_norm: _norm("aten::layer_norm", 2),
        torch.group_norm: _norm("aten::group_norm", 2), torch.instance_norm: _norm("aten::instance_norm", 1),
        nn_c.upsample_nearest2d: _upsample_builtin("aten::upsample_nearest2d"),
        nn_c.upsample_bilinear2d: _upsample_builtin("aten::upsample_bilinear2d"),
        nn_c.adaptive_avg_pool2d: _adaptive_avg_pool2d, torch.grid_sampler: _grid_sample,
        torch.Tensor.__getitem__: None, torch.Tensor.__setitem__: None,
    }  # fmt: skip
    return calls


# Builtins that jit records as another node, or as none.
_RENAMED = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add_", "__sub__": "sub", "__isub__": "sub_",
    "__mul__": "mul", "__rmul__": "mul", "__imul__": "mul_", "__truediv__": "div", "__div__": "div",
    "__itruediv__": "div_", "__idiv__": "div_", "__neg__": "neg", "__abs__": "abs", "__invert__": "bitwise_not",
    "__pow__": "pow", "__ipow__": "pow_", "__mod__": "remainder", "__imod__": "remainder_",
    "__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
    "__or__": "__or__", "__ror__": "__or__", "__xor__": "__xor__", "__rxor__": "__xor__", "__rand__": "__and__",
    "__lshift__": "__lshift__", "__rshift__": "__rshift__",
}  # fmt: skip
# Conversions are ``aten::to``; metadata reads record no node that counts.
_NO_NODE = frozenset(
    (
        "dim", "ndimension", "size", "numel", "nelement", "stride", "storage_offset", "is_contiguous",
        "is_floating_point", "is_complex", "element_size", "data_ptr", "get_device", "__len__", "__bool__",
        "__int__", "__float__", "__index__", "__format__", "__repr__", "__hash__", "__nonzero__",
        "__complex__", "tolist", "numpy", "untyped_storage", "has_names", "is_nonzero", "is_set_to", "float",
        "double", "half", "bfloat16", "int", "long", "short", "char", "byte", "bool", "cpu", "cuda", "type",
        "to", "contiguous", "detach", "requires_grad_", "retain_grad", "__get__", "is_pinned", "is_shared",
        "dim_order",
    )
)  # fmt: skip
_GETTERS = {"T": "aten::numpy_T"}
_DECOMPOSED_GETTERS = frozenset({"mT", "mH", "H", "real", "imag"})


def _fused_calls() -> dict[Any, Handler]:
    """Calls that one rule counts whole, whatever kernel runs them: attention (and the attention
    function of nn.MultiheadAttention, which calls it), recurrent layers, the fused encoder layer."""
    calls: dict[Any, Handler] = {
        F.scaled_dot_product_attention: _attention, F.multi_head_attention_forward: _multi_head_attention,
        torch.lstm: _recurrent("aten::lstm", 4), torch.gru: _recurrent("aten::gru", 3),
        torch.rnn_tanh: _recurrent("aten::rnn_tanh", 1), torch.rnn_relu: _recurrent("aten::rnn_relu", 1),
    }  # fmt: skip
    if hasattr(torch, "_transformer_encoder_layer_fwd"):
        calls[torch._transformer_encoder_layer_fwd] = _encoder_layer
    return calls


FUSED: dict[Any, Handler] = _fused_calls()

# The call table: how each known torch callable is counted (None: it makes no node that counts).
CALLS: dict[Any, Handler | None] = {**_builtin_calls(), **_python_calls(), **FUSED}


def _handler(func: Any) -> Handler | None:
    """How a call of ``func`` is counted: a handler, ``None`` (no node), or ``_decomposed``."""
    try:
        if func in CALLS:
            return CALLS[func]
    except TypeError:
        pass
    name = getattr(func, "__name__", "")
    if name == "__get__":  # a property of a tensor: x.T, x.shape
        attribute = getattr(getattr(func, "__self__", None), "__name__", "")
        if attribute in _GETTERS:
            return _named(_GETTERS[attribute])
        return _decomposed if attribute in _DECOMPOSED_GETTERS else None
    if isinstance(func, (types.FunctionType, types.MethodType)) or not name:
        return _decomposed  # a Python composition: count the ops it dispatches
    name = _RENAMED.get(name, name)
    if name in _NO_NODE or not hasattr(torch.ops.aten, name):  # not an operator: grad mode, a property
        return None
    if "aten::" + name in TABLE:  # a MAC op the table does not bind: take it from its ATen ops
        return _decomposed
    return _named("aten::" + name)


# -- compositions, op by op below PyTorch's decompositions ---------------------------------

# ATen ops as dispatched, named as the call that jit records for them.
_DISPATCHED_AS = {
    "convolution": "aten::_convolution", "max_pool2d_with_indices": "aten::max_pool2d",
    "max_pool3d_with_indices": "aten::max_pool3d", "native_batch_norm": "aten::batch_norm",
    "_native_batch_norm_legit": "aten::batch_norm", "_native_batch_norm_legit_no_training": "aten::batch_norm",
    "_batch_norm_with_update": "aten::batch_norm", "_batch_norm_no_update": "aten::batch_norm",
    "cudnn_batch_norm": "aten::batch_norm", "miopen_batch_norm": "aten::batch_norm",
    "native_layer_norm": "aten::layer_norm", "native_group_norm": "aten::group_norm",
    "_adaptive_avg_pool2d": "aten::adaptive_avg_pool2d", "_cdist_forward": "aten::cdist",
    "_euclidean_dist": "aten::cdist", "_softmax": "aten::softmax", "_log_softmax": "aten::log_softmax",
    "constant_pad_nd": "aten::pad", "_to_copy": "aten::to", "_unsafe_view": "aten::view",
    "grid_sampler_2d": "aten::grid_sampler", "_reshape_alias": "aten::view",
    "clone": "aten::contiguous",  # what .contiguous() and .reshape() dispatch when they copy
    "_scaled_dot_product_flash_attention_for_cpu": "aten::scaled_dot_product_attention",
    "_scaled_dot_product_flash_attention": "aten::scaled_dot_product_attention",
    "_scaled_dot_product_efficient_attention": "aten::scaled_dot_product_attention",
    "_scaled_dot_product_cudnn_attention": "aten::scaled_dot_product_attention",
    "_scaled_dot_product_attention_math": "aten::scaled_dot_product_attention",
}  # fmt: skip
# Ops that decompositions make but that no call of Python code corresponds to.
_DISPATCH_ONLY = frozenset(
    (
        "empty", "empty_like", "empty_strided", "alias", "lift_fresh", "lift_fresh_copy",
        "_local_scalar_dense", "detach",
    )
)  # fmt: skip
_TRAINING_FLAG = {"native_batch_norm", "_native_batch_norm_legit", "cudnn_batch_norm", "miopen_batch_norm"}


class _Decomposed(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """Counts the ATen ops of a Python composition the call table does not know."""

    def __init__(self, counter: OpCounter) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.counter = counter
        # t() outputs, by id, and what they transpose: a weight on its way into a linear map
        self._transposed: dict[int, tuple[weakref.ref[torch.Tensor], weakref.ref[torch.Tensor]]] = {}

    def __torch_dispatch__(self, func: Any, types: Any, args: Sequence[Any] = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        try:
            self._count(func, args, kwargs, out)
        except Exception as error:  # counting never stops a forward pass that works
            self.counter._note(str(func), error)
        return out

    def _count(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        name = func.overloadpacket.__name__
        if name in _DISPATCH_ONLY:
            return
        op = _DISPATCHED_AS.get(name, "aten::" + name)
        count = self.counter.count
        if name == "t":
            self._transposed[id(out)] = (weakref.ref(out), weakref.ref(args[0]))
        if op == "aten::_convolution":
            count(op, args[0].shape, args[1].shape, out.shape, bool(args[6]))
        elif name in ("addmm", "mm"):
            a, b = (args[1], args[2]) if name == "addmm" else (args[0], args[1])
            ref, source = self._transposed.get(id(b), (None, None))
            if ref is not None and source is not None and ref() is args[2 if name == "addmm" else 1]:
                count("aten::linear", a.shape, (b.shape[1], b.shape[0]), weight=source())
            else:
                count(op, a.shape, b.shape)
        elif name == "bmm":
            count(op, args[0].shape, args[1].shape)
        elif op == "aten::batch_norm":
            training = name in ("_batch_norm_with_update",) or (name in _TRAINING_FLAG and bool(_training(args)))
            count(op, args[0].shape, args[1] is not None, training)
        elif name == "native_layer_norm":
            count(op, args[0].shape, _arg(args, kwargs, 2, "weight") is not None)
        elif name == "native_group_norm":
            count(op, args[0].shape, _arg(args, kwargs, 1, "weight") is not None)
        elif op == "aten::adaptive_avg_pool2d":
            count(op, args[0].shape)
        elif op == "aten::cdist":
            count(op, args[0].shape, _first(out).shape)
        elif op == "aten::scaled_dot_product_attention":  # a kernel's op: (query, key, value, ...)
            count(op, args[0].shape, args[1].shape, args[2].shape)
        elif name == "baddbmm":
            count(op, args[1].shape, args[2].shape)
        elif op in TABLE:  # upsampling, grid sampling: by the output
            count(op, _first(out).shape)
        else:
            count(op)


def _training(args: Sequence[Any]) -> Any:
    # native_batch_norm(input, weight, bias, running_mean, running_var, training, ...); the
    # stats-free overload of _native_batch_norm_legit has ``training`` third from the end.
    return args[5] if len(args) > 6 else args[3]


def run(model: nn.Module, x: torch.Tensor, extra: Sequence[torch.Tensor] = ()) -> RunTrace:
    """Run ``model`` once on ``x``, counting its calls as jit's nodes (see the module's docstring).

    Args:
        model: the network, in the mode (train or eval) to count.
        x: its input, batch first.
        extra: the forward's further positional inputs.

    Returns:
        Each module's own record, MACs by operator key and uncounted ops.

    Raises:
        ForwardError: the forward pass itself failed; names the innermost running module.
    """
    run_ = Instrumented(model, x)
    counter = run_.recorder.counter = OpCounter(run_.recorder.stack, run_.recorder.idle_owner)
    try:
        # Quiet, as fvcore's trace is: the model's warnings are not the analysis's.
        with warnings.catch_warnings(), run_.recorder, torch.no_grad():
            warnings.simplefilter("ignore")
            model(x, *extra)
    except Exception as error:
        raise run_.failure(error) from error
    finally:
        run_.remove()
    traces = run_.traces
    macs, uncounted = counter.results(traces)
    return RunTrace(traces, macs, uncounted, traces[""].output_fields, run_.batch, list(counter.notes))
