"""The recorder of one forward pass: module hooks and a torch-function mode, in the same run.

One run of the model on real tensors feeds:

- forward pre/post hooks on every module: which module is running, its input and
  output shapes, how often it is called;
- a ``TorchFunctionMode``: every torch function called, attributed to the innermost
  running module. It records the weighted ops (convolutions, linear maps, matrix
  products with a weight, distances to fixed prototypes) with the shapes that the
  counting rules need, and carries a receptive field and a weighted depth along every
  tensor, so branches and shortcuts are followed whether or not a module wraps them;
- the MAC count, by one of the engines of :mod:`archstats.engines`, which run the model
  under this recorder: ``dispatch`` (the default) counts the calls the recorder sees;
  ``fvcore`` runs the forward pass as fvcore's ``torch.jit`` trace.
"""

from __future__ import annotations

import functools
import math
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from archstats.counts import WeightedOp, cdist_op, conv_op, linear_op
from archstats.rules.elementwise import DROPOUT, elementwise_ops
from archstats.trace.receptive import Field, expand, merge


class CallCounter(Protocol):
    """What the recorder needs of an engine's counter: it runs each call and counts it."""

    def call(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class Window:
    """A convolution or pooling window as one call applied it, for the output-size derivation."""

    op: str
    in_spatial: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    ceil_mode: bool
    pad_total: tuple[int, ...] | None = None  # both sides' sum where they differ


@dataclass
class ModuleTrace:
    """What one module did during the run (all its calls)."""

    name: str
    module: nn.Module
    first_call: int = -1
    first_end: int = -1
    calls: int = 0  # its calls, and the calls of other modules that used its weights (functional use)
    input_shape: tuple[int, ...] | None = None
    output_shape: tuple[int, ...] | None = None
    output_field: Field | None = None
    input_field: Field | None = None
    output_fields: list[Field] = field(default_factory=list)
    ops: list[WeightedOp] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    joins: int = 0  # concatenations and elementwise merges made by this module's own forward
    arith: Counter[str] = field(default_factory=Counter)  # elementwise ops by category, whole batch
    unpriced: Counter[str] = field(default_factory=Counter)  # functions with no elementwise rule: calls


@dataclass
class RunTrace:
    """The raw result of a run, before the per-layer rules are applied."""

    modules: dict[str, ModuleTrace]
    macs: dict[str, dict[str, int]]  # module -> fvcore's operator key -> MACs, whole batch
    uncounted: dict[str, dict[str, int]]
    output_fields: list[Field]
    batch: int
    notes: list[str] = field(default_factory=list)


class ForwardError(RuntimeError):
    """The forward pass failed inside ``module`` (a qualified name, ``""`` for the root)."""

    def __init__(self, module: str, module_type: str, input_shape: tuple[int, ...] | None, cause: BaseException):
        super().__init__(str(cause))
        self.module = module
        self.module_type = module_type
        self.input_shape = input_shape
        self.cause = cause


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def _tensor_list(value: Any) -> list[torch.Tensor]:
    """``list(_tensors(value))`` without a generator per level: it runs for every call."""
    if isinstance(value, torch.Tensor):
        return [value]
    found: list[torch.Tensor] = []
    if isinstance(value, (list, tuple, dict)):
        _collect(value, found)
    return found


def _collect(value: Any, found: list[torch.Tensor]) -> None:
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, torch.Tensor):
            found.append(item)
        elif item and isinstance(item, (list, tuple, dict)):
            _collect(item, found)


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, tuple) and value and isinstance(value[0], torch.Tensor):
        return value[0]  # a module's positional inputs
    return next(_tensors(value), None)


def _arg(args: Sequence[Any], kwargs: dict[str, Any], index: int, name: str, default: Any) -> Any:
    if name in kwargs:
        return kwargs[name]
    if len(args) > index:
        return args[index]
    return default


def _func_name(func: Any) -> str:
    name = getattr(func, "__name__", "")
    return name.strip("_").removesuffix("_with_indices")


_CONV = {"conv1d": 1, "conv2d": 2, "conv3d": 3}
_MAX_POOL = {"max_pool1d": 1, "max_pool2d": 2, "max_pool3d": 3}
_AVG_POOL = {"avg_pool1d": 1, "avg_pool2d": 2, "avg_pool3d": 3}
_ADAPTIVE = {
    "adaptive_avg_pool1d": 1, "adaptive_avg_pool2d": 2, "adaptive_avg_pool3d": 3,
    "adaptive_max_pool1d": 1, "adaptive_max_pool2d": 2, "adaptive_max_pool3d": 3,
}  # fmt: skip
_MATMUL = {"matmul", "mm", "bmm"}
# Functions that merge tensors: a container calling them does work of its own (a row).
_JOINS = {
    "cat",
    "concat",
    "concatenate",
    "stack",
    "add",
    "add_",
    "iadd",
    "radd",
    "mul",
    "mul_",
    "imul",
    "rmul",
    "sub",
    "isub",
}


F = TypeVar("F", bound=Callable[..., None])


def _outside_trace(fn: F) -> F:
    """Run ``fn`` with jit tracing off: inside the trace every shape read becomes a graph
    node, and on a 1,202-layer network those nodes cost the tracer six times its own work."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        state = torch._C._get_tracing_state()
        torch._C._set_tracing_state(None)  # type: ignore[attr-defined]
        try:
            fn(*args, **kwargs)
        finally:
            torch._C._set_tracing_state(state)  # type: ignore[attr-defined]

    return wrapper  # type: ignore[return-value]


class _Recorder(TorchFunctionMode):
    """Attributes torch functions to the running module; carries fields along tensors."""

    def __init__(self, input_spatial: tuple[int, ...], batch: int, tracing: bool = False) -> None:
        super().__init__()
        self.input_spatial = input_spatial
        self.batch = batch
        self.stack: list[ModuleTrace] = []
        # Each module's own parameters, by id: a weight used by another module's forward
        # (nn.MultiheadAttention's out_proj) makes its owner's row.
        self.owners: dict[int, tuple[weakref.ref[torch.Tensor], list[ModuleTrace]]] = {}
        self.tick: Callable[[], int] = lambda: 0
        self._fields: dict[int, tuple[weakref.ref[torch.Tensor], Field]] = {}
        self.counter: CallCounter | None = None  # the dispatch engine's, when it counts this run
        # Under jit's tracer every shape read in _observe would become a graph node.
        self._observe_call = _outside_trace(self._observe) if tracing else self._observe

    # -- fields along tensors ------------------------------------------------------
    def field_of(self, tensor: torch.Tensor) -> Field | None:
        entry = self._fields.get(id(tensor))
        if entry is None or entry[0]() is not tensor:
            return None
        return entry[1]

    def set_field(self, tensor: torch.Tensor, value: Field) -> None:
        self._fields[id(tensor)] = (weakref.ref(tensor), value)

    # -- the mode ------------------------------------------------------------------
    def __torch_function__(self, func: Any, types: Any, args: Sequence[Any] = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs) if self.counter is None else self.counter.call(func, args, kwargs)
        outputs = _tensor_list(out)
        if outputs:
            self._observe_call(func, args, kwargs, outputs)
        return out

    def _observe(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any], outputs: list[torch.Tensor]) -> None:
        inputs = _tensor_list((args, kwargs))
        fields = [(t, f) for t in inputs if (f := self.field_of(t)) is not None]
        if not fields:
            return  # an op on weights alone (a view of a parameter, an index buffer)
        name = _func_name(func)
        if self.stack and name in _JOINS:
            self.stack[-1].joins += 1
        x, x_field = fields[0]
        if name in _CONV:
            result = self._conv(_CONV[name], args, kwargs, x, x_field, outputs[0])
        elif name in _MAX_POOL or name in _AVG_POOL:
            result = self._pool(name, args, kwargs, x, x_field)
        elif name in _ADAPTIVE:
            result = self._adaptive(_ADAPTIVE[name], x, x_field, outputs[0])
        elif name == "linear":
            result = self._linear(args, kwargs, x, x_field, outputs[0])
        elif name == "cdist":
            result = self._cdist(args, x_field, outputs[0])
        elif name in _MATMUL or name == "addmm":
            result = self._matmul(name, args, fields, outputs[0])
        elif name in _COMPOSED:
            _COMPOSED[name](self, args, kwargs, x, outputs[0])
            result = x_field.whole(self.input_spatial, True)  # attention mixes every position
        elif name in _RECURRENT:
            result = self._recurrent(_RECURRENT[name], args, x, x_field)
        else:
            result = self._generic(fields, outputs[0])
        for t in outputs:
            self.set_field(t, result)
        if self.stack:
            self._tally(name, args, kwargs, x, outputs[0])

    def _tally(self, name: str, args: Sequence[Any], kwargs: dict[str, Any], x: torch.Tensor,
               out: torch.Tensor) -> None:  # fmt: skip
        """The elementwise arithmetic of one call, for the ``flops-all`` convention."""
        top = self.stack[-1]
        if name in _MAX_POOL or name in _AVG_POOL:
            n = _MAX_POOL.get(name) or _AVG_POOL[name]
            kernel = expand(_arg(args, kwargs, 1, "kernel_size", 1), n)
            cost = elementwise_ops(name, int(x.numel()), int(out.numel()), window=math.prod(kernel))
        elif name == "local_response_norm":
            cost = elementwise_ops(name, int(x.numel()), int(out.numel()), window=int(_arg(args, kwargs, 1, "size", 1)))
        elif name == "batch_norm" or name in DROPOUT:
            training = bool(_arg(args, kwargs, 5 if name == "batch_norm" else 2, "training", False))
            cost = elementwise_ops(name, int(x.numel()), int(out.numel()), training=training)
        else:
            cost = elementwise_ops(name, int(x.numel()), int(out.numel()))
        if cost is None:
            top.unpriced[name] += 1
        elif cost[1]:
            top.arith[cost[0]] += cost[1]

    def owner_of(self, tensor: Any) -> ModuleTrace | None:
        """The module that holds ``tensor`` as its own parameter when none of its holders is running."""
        entry = self.owners.get(id(tensor)) if isinstance(tensor, torch.Tensor) else None
        if entry is None or entry[0]() is not tensor:
            return None
        holders = entry[1]
        if any(holder in self.stack for holder in holders):
            return None
        return holders[0]

    def idle_owner(self, tensor: Any) -> str | None:
        """:meth:`owner_of`'s name, for the dispatch engine's counter."""
        owner = self.owner_of(tensor)
        return owner.name if owner is not None else None

    def _record_weighted(self, weight: Any, op: WeightedOp, x: torch.Tensor, out: torch.Tensor) -> None:
        """A weighted op in the module whose weight it uses: the running one, or an idle owner,
        which then counts as called (with this call's shapes, the first time)."""
        owner = self.owner_of(weight)
        if owner is None:
            self._record(op=op)
            return
        self.use(owner, x, out)
        owner.ops.append(op)

    def use(self, owner: ModuleTrace, x: torch.Tensor, out: torch.Tensor) -> None:
        """``owner``'s weights were used by the running module: one call of ``owner``.

        Its shapes are the running module's where the widths agree: a function such as
        ``F.multi_head_attention_forward`` works sequence first, its module batch first.
        """
        owner.calls += 1
        if owner.first_call < 0:
            owner.first_call = self.tick()
            owner.first_end = self.tick()
            owner.input_shape = self._batch_first(tuple(int(d) for d in x.shape))
            owner.output_shape = self._batch_first(tuple(int(d) for d in out.shape))

    def _batch_first(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        running = self.stack[-1].input_shape if self.stack else None
        if running is not None and len(running) == len(shape) and sorted(running[:-1]) == sorted(shape[:-1]):
            return (*running[:-1], shape[-1])
        return shape

    def _record(self, op: WeightedOp | None = None, window: Window | None = None) -> None:
        if not self.stack:
            return
        top = self.stack[-1]
        if op is not None:
            top.ops.append(op)
        if window is not None and top.calls == 1:
            top.windows.append(window)

    def _per_sample(self, t: torch.Tensor) -> tuple[int, ...]:
        return tuple(int(d) for d in t.shape[1:])

    def _conv(self, n: int, args: Sequence[Any], kwargs: dict[str, Any], x: torch.Tensor,
              x_field: Field, out: torch.Tensor) -> Field:  # fmt: skip
        weight = _arg(args, kwargs, 1, "weight", None)
        bias = _arg(args, kwargs, 2, "bias", None)
        stride = expand(_arg(args, kwargs, 3, "stride", 1), n)
        padding_arg = _arg(args, kwargs, 4, "padding", 0)
        dilation = expand(_arg(args, kwargs, 5, "dilation", 1), n)
        kernel = tuple(int(k) for k in weight.shape[2:])
        pad_total: tuple[int, ...] | None = None
        if isinstance(padding_arg, str):  # 'valid' or 'same' (stride 1): the left side gets the smaller half
            pad_total = tuple(0 if padding_arg == "valid" else d * (k - 1) for k, d in zip(kernel, dilation))
            padding = tuple(t // 2 for t in pad_total)
        else:
            padding = expand(padding_arg, n)
        weighted = self.field_of(weight) is None
        if weighted:
            self._record(op=conv_op(weight.shape, bias is not None, self._per_sample(out)))
        spatial = tuple(int(d) for d in x.shape[-n:])
        self._record(window=Window("conv", spatial, kernel, stride, padding, dilation, False, pad_total))
        return x_field.window(kernel, stride, padding, dilation, weighted)

    def _pool(self, name: str, args: Sequence[Any], kwargs: dict[str, Any], x: torch.Tensor, x_field: Field) -> Field:
        n = _MAX_POOL.get(name) or _AVG_POOL[name]
        kernel = expand(_arg(args, kwargs, 1, "kernel_size", 1), n)
        stride_arg = _arg(args, kwargs, 2, "stride", None)
        stride = kernel if stride_arg is None or stride_arg == [] else expand(stride_arg, n)
        padding = expand(_arg(args, kwargs, 3, "padding", 0), n)
        if name in _MAX_POOL:
            dilation = expand(_arg(args, kwargs, 4, "dilation", 1), n)
            ceil_mode = bool(_arg(args, kwargs, 5, "ceil_mode", False))
        else:
            dilation = (1,) * n
            ceil_mode = bool(_arg(args, kwargs, 4, "ceil_mode", False))
        spatial = tuple(int(d) for d in x.shape[-n:])
        self._record(window=Window(name, spatial, kernel, stride, padding, dilation, ceil_mode))
        return x_field.window(kernel, stride, padding, dilation, False)

    def _adaptive(self, n: int, x: torch.Tensor, x_field: Field, out: torch.Tensor) -> Field:
        in_sp = [int(d) for d in x.shape[-n:]]
        out_sp = [int(d) for d in out.shape[-n:]]
        if all(o == 1 for o in out_sp):
            return x_field.whole(self.input_spatial, False)
        # Windows of an adaptive pool vary; the widest one bounds the field.
        kernel = tuple(-(-i // o) for i, o in zip(in_sp, out_sp))
        stride = tuple(max(i // o, 1) for i, o in zip(in_sp, out_sp))
        return x_field.window(kernel, stride, (0,) * n, (1,) * n, False)

    def _linear(self, args: Sequence[Any], kwargs: dict[str, Any], x: torch.Tensor, x_field: Field,
                out: torch.Tensor) -> Field:  # fmt: skip
        weight = _arg(args, kwargs, 1, "weight", None)
        bias = _arg(args, kwargs, 2, "bias", None)
        weighted = self.field_of(weight) is None
        if weighted:
            in_features = int(weight.shape[-1])
            out_features = int(weight.shape[0])
            positions = int(out.numel()) // self.batch // out_features
            self._record_weighted(weight, linear_op(in_features, out_features, bias is not None, positions), x, out)
        return self._after_mixing(x, x_field, out, weighted)

    def _cdist(self, args: Sequence[Any], x_field: Field, out: torch.Tensor) -> Field:
        x1, x2 = args[0], args[1]
        weighted = self.field_of(x2) is None
        if weighted:
            units = int(out.numel()) // self.batch
            prototypes = int(x2.shape[-2])
            self._record(op=cdist_op(units // prototypes, prototypes, int(x1.shape[-1])))
        return x_field.deeper(weighted)

    def _matmul(self, name: str, args: Sequence[Any], fields: list[tuple[torch.Tensor, Field]],
                out: torch.Tensor) -> Field:  # fmt: skip
        operands = args[1:3] if name == "addmm" else args[:2]
        a, b = operands[0], operands[1]
        weighted = len([t for t, _ in fields if t is a or t is b]) == 1
        if weighted:
            inner = int(a.shape[-1])
            units = int(out.numel()) // self.batch
            maps = int(b.shape[-1]) if self.field_of(b) is None else int(a.shape[-2])
            self._record(op=linear_op(inner, maps, name == "addmm", units // maps, kind="matmul"))
        merged = merge(f for _, f in fields)
        assert merged is not None
        return merged.deeper(weighted)

    def _recurrent(self, gates: int, args: Sequence[Any], x: torch.Tensor, x_field: Field) -> Field:
        """``torch.lstm``, ``gru``, ``rnn_*``: per layer and direction, the gate units of every step
        (``gates·hidden`` per step, fan-in ``in + recurrent``, one bias link) and the projection's
        (``proj`` per step, fan-in ``hidden``); see :mod:`archstats.rules.recurrent`."""
        packed = not isinstance(args[3], bool)
        params = args[3] if packed else args[2]
        has_bias = bool(args[4] if packed else args[3])
        num_layers, bidirectional = (int(args[5]), bool(args[8])) if packed else (int(args[4]), bool(args[7]))
        tokens = int(x.shape[0]) if packed or x.dim() == 2 else int(x.shape[0]) * int(x.shape[1])
        steps = max(tokens // self.batch, 1)
        hidden = int(params[0].shape[0]) // gates
        recurrent_in = int(params[1].shape[1])
        proj = recurrent_in if recurrent_in != hidden else 0
        directions = 2 if bidirectional else 1
        field = x_field
        for layer in range(num_layers):
            layer_in = int(x.shape[-1]) if layer == 0 else recurrent_in * directions
            for _ in range(directions):
                self._record(op=linear_op(layer_in + recurrent_in, gates * hidden, has_bias, steps, kind="recurrent"))
                if proj:
                    self._record(op=linear_op(hidden, proj, False, steps, kind="recurrent"))
            field = field.deeper(True)
        return field

    def _after_mixing(self, x: torch.Tensor, x_field: Field, out: torch.Tensor, weighted: bool) -> Field:
        spatial = len(x_field.size)
        if x_field.is_global or x.dim() < 2 + spatial:
            return x_field.deeper(weighted)
        return x_field.whole(self.input_spatial, weighted)

    def _generic(self, fields: list[tuple[torch.Tensor, Field]], out: torch.Tensor) -> Field:
        merged = merge(f for _, f in fields)
        assert merged is not None
        x = fields[0][0]
        n = len(merged.size)
        if merged.is_global or (out.dim() == x.dim() and out.shape[-n:] == x.shape[-n:]):
            return merged
        if out.dim() < x.dim():  # flatten, a mean over positions: every position mixed
            return merged.whole(self.input_spatial, False)
        return merged


def _attention_projections(recorder: _Recorder, args: Sequence[Any], kwargs: dict[str, Any], x: torch.Tensor,
                           out: torch.Tensor) -> None:  # fmt: skip
    """``F.multi_head_attention_forward``: its input and output projections as linear maps, the
    output projection in the module that holds its weight (``out_proj``)."""
    query, key = args[0], args[1]
    width = int(query.shape[-1])
    queries = int(query.numel()) // recorder.batch // width
    keys = int(key.numel()) // recorder.batch // int(key.shape[-1])
    in_bias = _arg(args, kwargs, 6, "in_proj_bias", None) is not None
    if _arg(args, kwargs, 17, "use_separate_proj_weight", False):
        weights = [_arg(args, kwargs, 18 + i, name, None) for i, name in enumerate(("q_proj_weight", "k_proj_weight",
                                                                                    "v_proj_weight"))]  # fmt: skip
        sizes = [int(w.shape[-1]) for w in weights]
    else:
        weights = [_arg(args, kwargs, 5, "in_proj_weight", None)] * 3
        sizes = [width, int(key.shape[-1]), int(args[2].shape[-1])]
    for weight, size, positions in zip(weights, sizes, (queries, keys, keys)):
        recorder._record_weighted(weight, linear_op(size, width, in_bias, positions), x, out)
    out_weight = _arg(args, kwargs, 11, "out_proj_weight", None)
    out_bias = _arg(args, kwargs, 12, "out_proj_bias", None) is not None
    recorder._record_weighted(out_weight, linear_op(width, width, out_bias, queries), query, query)


def _encoder_layer(recorder: _Recorder, args: Sequence[Any], kwargs: dict[str, Any], x: torch.Tensor,
                   out: torch.Tensor) -> None:  # fmt: skip
    """``torch._transformer_encoder_layer_fwd`` (the fused fast path): its four linear maps,
    each in the module that holds its weight."""
    width = int(x.shape[-1])
    positions = int(x.numel()) // recorder.batch // width
    for weight, bias in ((args[3], args[4]), (args[5], args[6]), (args[14], args[15]), (args[16], args[17])):
        op = linear_op(int(weight.shape[-1]), int(weight.shape[0]), bias is not None, positions)
        recorder._record_weighted(weight, op, x, out)
    for norm in (args[10], args[12]):
        owner = recorder.owner_of(norm)
        if owner is not None:
            recorder.use(owner, x, out)


_COMPOSED: dict[str, Callable[[_Recorder, Sequence[Any], dict[str, Any], torch.Tensor, torch.Tensor], None]] = {
    "multi_head_attention_forward": _attention_projections,
    "transformer_encoder_layer_fwd": _encoder_layer,
}
_RECURRENT = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


class Instrumented:
    """Hooks on every module and a recorder, for one run; ``remove`` takes the hooks off."""

    def __init__(self, model: nn.Module, x: torch.Tensor, tracing: bool = False) -> None:
        self.batch = int(x.shape[0])
        spatial = tuple(int(d) for d in x.shape[2:])
        self.recorder = _Recorder(spatial, self.batch, tracing)
        self._tracing = tracing
        self.traces: dict[str, ModuleTrace] = {}
        self._order = 0
        self._handles: list[Any] = []
        for name, module in model.named_modules():
            trace = ModuleTrace(name=name, module=module)
            self.traces[name] = trace
            self._handles.append(module.register_forward_pre_hook(self._pre_hook(trace)))
            self._handles.append(module.register_forward_hook(self._post_hook(trace)))
        self.recorder.set_field(x, Field.of_input(spatial))
        self.recorder.tick = self._tick
        for trace in self.traces.values():
            for tensor in trace.module._parameters.values():
                if tensor is not None:
                    entry = self.recorder.owners.setdefault(id(tensor), (weakref.ref(tensor), []))
                    entry[1].append(trace)

    def _tick(self) -> int:
        self._order += 1
        return self._order

    def _pre_hook(self, trace: ModuleTrace) -> Any:
        recorder = self.recorder

        def hook(module: nn.Module, args: Any) -> None:
            trace.calls += 1
            if trace.first_call < 0:
                trace.first_call = self._tick()
                t = _first_tensor(args)
                if t is not None:
                    trace.input_shape = tuple(int(d) for d in t.shape)
                    trace.input_field = recorder.field_of(t)
            recorder.stack.append(trace)

        return _outside_trace(hook) if self._tracing else hook

    def _post_hook(self, trace: ModuleTrace) -> Any:
        recorder = self.recorder

        def hook(module: nn.Module, args: Any, output: Any) -> None:
            recorder.stack.pop()
            if trace.first_end < 0:
                trace.first_end = self._tick()
            if trace.output_shape is None:
                t = _first_tensor(output)
                if t is not None:
                    trace.output_shape = tuple(int(d) for d in t.shape)
                    trace.output_field = recorder.field_of(t)
                trace.output_fields = [f for t in _tensor_list(output) if (f := recorder.field_of(t)) is not None]

        return _outside_trace(hook) if self._tracing else hook

    def failure(self, error: BaseException) -> ForwardError:
        """The error, with the innermost module that was running when it happened."""
        failing = self.recorder.stack[-1] if self.recorder.stack else self.traces[""]
        return ForwardError(failing.name, type(failing.module).__name__, failing.input_shape, error)

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
