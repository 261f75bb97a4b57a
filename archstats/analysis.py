"""The per-layer records and totals of one traced network, and ``analyze``."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import operator
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from archstats import conventions

# Defined with the columns; public here as well.
from archstats.columns import DEFINITIONS as DEFINITIONS
from archstats.columns import ROOT as ROOT
from archstats.counts import (
    WeightedOp,
    fmt_int,
    neurons_formula,
    output_size_formula,
    params_formula,
    sum_formula,
)
from archstats.engines import ENGINES, run
from archstats.trace.forward import ForwardError, ModuleTrace, RunTrace, Window

if TYPE_CHECKING:
    import pandas as pd


# The dtypes an input may have, by the names ``--input 1x128:int64`` takes.
DTYPES: Mapping[str, torch.dtype] = MappingProxyType(
    {
        "float32": torch.float32,
        "float64": torch.float64,
        "float16": torch.float16,
        "bfloat16": torch.bfloat16,
        "int64": torch.int64,
        "int32": torch.int32,
        "bool": torch.bool,
    }
)


@dataclass(frozen=True)
class InputSpec:
    """One positional input of the forward pass: its shape, batch first, and its dtype's name.

    The tensor is all zeros: integer tokens are 0, masks are False.
    """

    shape: tuple[int, ...]
    dtype: str = "float32"  # a name of DTYPES; a torch.dtype among them is taken too

    def __post_init__(self) -> None:
        if isinstance(self.dtype, torch.dtype):
            names = {v: k for k, v in DTYPES.items()}
            object.__setattr__(self, "dtype", names.get(self.dtype, str(self.dtype)))
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype {self.dtype!r} is not one of {', '.join(DTYPES)}")
        if not self.shape or any(int(d) < 1 for d in self.shape):
            raise ValueError(f"input shape {tuple(self.shape)} has a size below 1; every dimension must be at least 1")
        object.__setattr__(self, "shape", tuple(int(d) for d in self.shape))

    @property
    def text(self) -> str:
        """``1x128:int64``, the way ``--input`` writes it (no dtype for float32)."""
        shape = "x".join(str(d) for d in self.shape)
        return shape if self.dtype == "float32" else f"{shape}:{self.dtype}"

    @property
    def floating(self) -> bool:
        """Whether the input holds real values (an image, features) rather than token ids or a mask."""
        return DTYPES[self.dtype].is_floating_point

    def zeros(self, device: torch.device) -> torch.Tensor:
        """The input itself: zeros of this shape and dtype on ``device``."""
        return torch.zeros(self.shape, dtype=DTYPES[self.dtype], device=device)


def parse_input(text: str) -> InputSpec:
    """``1x3x224x224`` or ``1x128:int64`` (``×`` or ``,`` between sizes) as an :class:`InputSpec`.

    Raises:
        ValueError: one sentence naming the bad shape or dtype and what would be right.
    """
    shape_text, colon, dtype = text.strip().partition(":")
    parts = re.split(r"[x×,]", shape_text.strip().lower())
    if not all(p.strip().isdigit() for p in parts):
        raise ValueError(
            f"--input {text!r} is not a shape; write it like 1x3x227x227 (batch x channels x height x width), "
            "with a dtype after a colon for other inputs, e.g. 1x128:int64"
        )
    shape = tuple(int(p) for p in parts)
    if any(d <= 0 for d in shape):
        raise ValueError(f"--input {text!r} has a size of 0; every dimension must be at least 1")
    dtype = dtype.strip().lower()
    if colon and dtype not in DTYPES:
        named = f"dtype {dtype!r}" if dtype else "no dtype after the colon"
        raise ValueError(f"--input {text!r} has {named}; write one of {', '.join(DTYPES)}, e.g. 1x128:int64")
    return InputSpec(shape, dtype if colon else "float32")


InputsLike = Sequence[int] | Sequence[InputSpec]


def input_specs(inputs: InputsLike) -> tuple[InputSpec, ...]:
    """A shape (one float32 input) or a sequence of :class:`InputSpec` as a tuple of specs.

    Raises:
        ValueError: neither, or an empty sequence.
    """
    items = list(inputs)
    if items and all(isinstance(i, InputSpec) for i in items):
        return tuple(i for i in items if isinstance(i, InputSpec))
    if items and not any(isinstance(i, InputSpec) for i in items):
        try:
            return (InputSpec(tuple(operator.index(i) for i in items)),)  # type: ignore[arg-type]
        except TypeError:
            pass
    raise ValueError("inputs must be a shape such as (1, 3, 224, 224) or a sequence of InputSpec")


@dataclass(frozen=True)
class Layer:
    """One row of an analysis: a module that holds tensors or does work of its own.

    Counts are per sample; ``macs_by_op`` splits the MACs by fvcore's operator names
    (``conv``, ``linear``, ``batch_norm`` ...). ``receptive_field`` and ``jump`` are per spatial dimension
    (``None`` for a layer without spatial output); ``rf_global`` marks a layer whose
    units see the whole input.
    """

    index: int
    name: str
    type: str
    called: bool
    calls: int
    input_shape: tuple[int, ...] | None
    output_shape: tuple[int, ...] | None
    params: int
    trainable_params: int
    buffers: int
    connections: int
    neurons: int
    fvcore_macs: int
    macs_by_op: Mapping[str, int]
    receptive_field: tuple[int, ...] | None
    jump: tuple[int, ...] | None
    rf_global: bool
    depth: int | None
    formulas: Mapping[str, str]
    uncounted_ops: Mapping[str, int]
    ops: tuple[WeightedOp, ...]
    windows: tuple[Window, ...]
    # Elementwise ops per sample by category (``archstats.rules.elementwise``), and
    # the functions with no elementwise rule with their calls: for the flops-all convention.
    arith: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    unpriced: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def frozen_params(self) -> int:
        """Parameter elements with ``requires_grad`` off."""
        return self.params - self.trainable_params

    @property
    def multiply_adds(self) -> int:
        """The MACs of the weighted ops alone (convolutions, linear maps, matrix products, distances)."""
        return conventions.multiply_adds(self)

    @property
    def flops(self) -> int:
        return 2 * self.multiply_adds

    @property
    def costs(self) -> dict[str, int]:
        """The layer's cost under each named convention, in :data:`archstats.conventions.NAMES` order."""
        return {name: conventions.of_layer(self, name) for name in conventions.NAMES}

    @property
    def weighted(self) -> bool:
        return bool(self.ops)


@dataclass(frozen=True)
class Totals:
    """Sums of the rows (params and buffers once per tensor), the input's units and the depth.

    ``inference_params`` leaves out the layers that never ran in a trace in eval mode (an
    auxiliary head); it is ``None`` for a trace in training mode, which cannot tell.
    """

    params: int
    trainable_params: int
    buffers: int
    connections: int
    neurons: int
    input_units: int
    fvcore_macs: int
    multiply_adds: int
    depth: int
    inference_params: int | None

    @property
    def frozen_params(self) -> int:
        """Parameter elements with ``requires_grad`` off."""
        return self.params - self.trainable_params

    @property
    def neurons_with_input(self) -> int:
        return self.neurons + self.input_units

    @property
    def flops(self) -> int:
        return 2 * self.multiply_adds


@dataclass(frozen=True)
class Analysis:
    """A network traced once: its layers in execution order and their totals."""

    network: str
    input_shape: tuple[int, ...]
    device: str
    layers: tuple[Layer, ...]
    totals: Totals
    uncounted_ops: Mapping[str, int]
    output_shape: tuple[int, ...] | None
    notes: tuple[str, ...] = field(default=())
    # Every positional input of the forward pass, in order; the first is ``input_shape``.
    inputs: tuple[InputSpec, ...] = field(default=())

    def layer(self, name: str) -> Layer:
        """The layer called ``name``; raises ``KeyError`` when there is none."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def dataframe(self) -> pd.DataFrame:
        """The layers as a pandas DataFrame, one row per layer, indexed by name: the CSV's columns."""
        from archstats.render.exports import layers_frame

        return layers_frame(self)


_HOLDERS = (nn.ParameterList, nn.ParameterDict)


def _direct_tensors(module: nn.Module) -> tuple[list[nn.Parameter], list[torch.Tensor]]:
    """Parameters and buffers of a module, those of its ParameterList/Dict holders included.

    Read from the module's own dicts: ``parameters(recurse=False)`` walks a generator
    chain per call, and this runs for every module of a 1,202-layer network. A tensor
    registered twice is listed twice; the callers count each once.
    """
    holders = [module, *(c for c in module._modules.values() if isinstance(c, _HOLDERS))]
    params = [p for h in holders for p in h._parameters.values() if p is not None]
    buffers = [b for h in holders for b in h._buffers.values() if b is not None]
    return params, buffers


def _own_tensors(module: nn.Module, seen: set[int]) -> tuple[list[nn.Parameter], list[torch.Tensor]]:
    """A module's own parameters and floating-point buffers, skipping those counted already."""
    params, buffers = _direct_tensors(module)
    own_params: list[nn.Parameter] = []
    own_buffers: list[torch.Tensor] = []
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            own_params.append(p)
    for b in buffers:
        if id(b) not in seen and b.is_floating_point():
            seen.add(id(b))
            own_buffers.append(b)
    return own_params, own_buffers


def _window_formula(windows: Sequence[Window]) -> str:
    if not windows:
        return ""
    w = windows[0]
    totals = w.pad_total or (None,) * len(w.kernel)
    parts = [
        output_size_formula(size, k, s, p, d, w.ceil_mode, t)
        for size, k, s, p, d, t in zip(w.in_spatial, w.kernel, w.stride, w.padding, w.dilation, totals)
    ]
    if all(str(p) == str(parts[0]) for p in parts):
        return str(parts[0])
    return "; ".join(str(p) for p in parts)


def _layer(index: int, trace: ModuleTrace, run_: RunTrace, seen: set[int]) -> Layer:
    by_op = {op: n // run_.batch for op, n in run_.macs.get(trace.name, {}).items()}
    params, buffers = _own_tensors(trace.module, seen)
    own = sum(p.numel() for p in params)
    ops = tuple(trace.ops)
    out_per_sample = trace.output_shape[1:] if trace.output_shape else None
    neurons = sum(op.units for op in ops)
    connections = sum(op.connections for op in ops)
    formulas: dict[str, str] = {}
    if own:
        from_ops = sum_formula([op.params_formula() for op in ops]) if ops else None
        if from_ops is not None and from_ops.value == own:
            formulas["params"] = str(from_ops)
        else:
            formulas["params"] = str(params_formula([tuple(p.shape) for p in params]))
    if buffers:
        formulas["buffers"] = str(params_formula([tuple(b.shape) for b in buffers]))
    if ops:
        formulas["connections"] = str(sum_formula([op.connections_formula() for op in ops]))
        if out_per_sample and trace.calls == 1 and neurons == math.prod(out_per_sample):
            formulas["neurons"] = str(neurons_formula(out_per_sample))
        else:
            formulas["neurons"] = fmt_int(neurons)
    if trace.windows:
        formulas["output"] = _window_formula(trace.windows)
    f = trace.output_field
    spatial_out = (
        trace.output_shape is not None
        and f is not None
        and len(f.size) > 0
        and (f.is_global or len(trace.output_shape) >= 2 + len(f.size))
    )
    return Layer(
        index=index,
        name=trace.name or ROOT,
        type=type(trace.module).__name__,
        called=trace.calls > 0,
        calls=trace.calls,
        input_shape=trace.input_shape,
        output_shape=trace.output_shape,
        params=own,
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        buffers=sum(b.numel() for b in buffers),
        connections=connections,
        neurons=neurons,
        fvcore_macs=conventions.of_ops(by_op, "fvcore"),
        macs_by_op=MappingProxyType(by_op),
        receptive_field=f.size if (f is not None and spatial_out) else None,
        jump=f.jump if (f is not None and spatial_out and not f.is_global) else None,
        rf_global=bool(f is not None and f.is_global),
        depth=f.depth if f is not None else None,
        formulas=MappingProxyType(formulas),
        uncounted_ops=MappingProxyType(dict(run_.uncounted.get(trace.name, {}))),
        ops=ops,
        windows=tuple(trace.windows),
        arith=MappingProxyType({k: n // run_.batch for k, n in sorted(trace.arith.items())}),
        unpriced=MappingProxyType(dict(sorted(trace.unpriced.items()))),
    )


def _is_row(trace: ModuleTrace, run_: RunTrace) -> bool:
    """Leaves are rows; a container is a row when it owns tensors or does work itself.

    Its own work includes a concatenation, which fvcore ignores: an Inception module
    whose forward only concatenates its branches still has a row, with its output shape.
    """
    module = trace.module
    if isinstance(module, _HOLDERS):
        return False  # folded into the module that holds it
    if not any(c is not None and not isinstance(c, _HOLDERS) for c in module._modules.values()):
        return True
    params, buffers = _direct_tensors(module)
    owns = bool(params) or any(b.is_floating_point() for b in buffers)
    return (
        owns
        or bool(trace.ops)
        or trace.joins > 0
        or bool(run_.macs.get(trace.name))
        or bool(run_.uncounted.get(trace.name))
        or bool(+trace.arith)
        or bool(trace.unpriced)
    )


def _traced_in_training(run_: RunTrace) -> bool:
    """Whether the run was in training mode (read before ``analyze`` restores the model's modes)."""
    return run_.modules[""].module.training


def from_run(network: str, run_: RunTrace, input_shape: tuple[int, ...], device: str) -> Analysis:
    """Apply the per-layer rules to a run: the frozen records and their totals."""
    traces = [t for t in run_.modules.values() if _is_row(t, run_)]
    # In order of completion: a container's own work (a residual addition, a
    # concatenation) comes after its children's.
    called = sorted((t for t in traces if t.calls), key=lambda t: t.first_end)
    uncalled = [t for t in traces if not t.calls]
    seen: set[int] = set()
    layers = tuple(_layer(i, t, run_, seen) for i, t in enumerate([*called, *uncalled]))
    uncounted: dict[str, int] = {}
    for layer in layers:
        for op, n in layer.uncounted_ops.items():
            uncounted[op] = uncounted.get(op, 0) + n
    depth = max((f.depth for f in run_.output_fields), default=0)
    totals = Totals(
        params=sum(layer.params for layer in layers),
        trainable_params=sum(layer.trainable_params for layer in layers),
        buffers=sum(layer.buffers for layer in layers),
        connections=sum(layer.connections for layer in layers),
        neurons=sum(layer.neurons for layer in layers),
        input_units=math.prod(input_shape[1:]),
        fvcore_macs=sum(layer.fvcore_macs for layer in layers),
        multiply_adds=sum(layer.multiply_adds for layer in layers),
        depth=depth,
        # A tied tensor is in the row of its first owner to run (called rows come first),
        # so a weight shared with a head that never runs is counted where it runs.
        inference_params=None if _traced_in_training(run_) else sum(x.params for x in layers if x.called),
    )
    notes = list(run_.notes)
    if uncalled:
        notes.append("never called (params counted, no activity): " + ", ".join(t.name for t in uncalled))
    return Analysis(
        network=network,
        input_shape=input_shape,
        device=device,
        layers=layers,
        totals=totals,
        uncounted_ops=MappingProxyType(uncounted),
        output_shape=run_.modules[""].output_shape,
        notes=tuple(notes),
    )


def materialize(model: nn.Module, device: torch.device) -> nn.Module:
    """Give a model built on the meta device real, zero-filled storage on ``device``.

    Counts do not depend on weight values, so no initialiser runs. Zeros rather than the
    uninitialised memory ``to_empty`` leaves: garbage values (denormals, NaNs) make the
    trace several times slower, a memset does not. Each tensor is made with ``torch.zeros``
    rather than ``to_empty``: ``empty_like`` of a meta tensor runs torch's Python reference,
    whose first call imports sympy, a third of a second of the command's start.
    """
    with torch.no_grad():
        model._apply(lambda t: torch.zeros(t.shape, dtype=t.dtype, device=device))  # type: ignore[no-untyped-call]
    return model


# Inputs with more elements than this have their activation memory estimated first.
ESTIMATE_ABOVE = 1 << 24


class TooLargeError(ValueError):
    """The run would need more memory than the device has; the message says how much."""


def _gigabytes(n: int) -> str:
    return f"{n / 1e9:.1f} GB"


def available_bytes(device: torch.device) -> int | None:
    """Memory free for a run on ``device`` (None where it cannot be read)."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:  # Linux's estimate counts the page cache it would drop; the free pages alone do not
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def weight_bytes(model: nn.Module) -> int:
    """Bytes of a model's parameters and buffers, read from their shapes (a meta model takes none)."""
    return sum(t.numel() * t.element_size() for t in (*model.parameters(), *model.buffers()))


def forward_bytes_bound(model: nn.Module, inputs: InputsLike, train: bool = False) -> int:
    """Bytes of the inputs, the weights and every leaf module's output, from a run on the meta device.

    An upper bound of what the real run holds at once: it sums outputs that the real
    run frees along the way.

    Raises:
        ForwardError: the shapes do not go through the network (found without computing).
    """
    specs = input_specs(inputs)
    meta = torch.device("meta")
    xs = [spec.zeros(meta) for spec in specs]
    total = sum(x.numel() * x.element_size() for x in xs) + weight_bytes(model)
    outputs = [0]
    running: list[tuple[str, nn.Module, tuple[int, ...] | None]] = []

    def pre(name: str) -> Any:
        def hook(module: nn.Module, args: Any) -> None:
            first = next((a for a in args if isinstance(a, torch.Tensor)), None)
            running.append((name, module, tuple(first.shape) if first is not None else None))

        return hook

    def post(module: nn.Module, args: Any, output: Any) -> None:
        running.pop()
        if any(True for _ in module.children()):
            return
        stack = [output]
        while stack:
            item = stack.pop()
            if isinstance(item, torch.Tensor):
                outputs[0] += item.numel() * item.element_size()
            elif isinstance(item, (list, tuple)):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(item.values())

    handles = []
    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(pre(name)))
        handles.append(module.register_forward_hook(post))
    modes = {m: m.training for m in model.modules()}
    model.train(train)
    try:
        with torch.no_grad():
            model(*xs)
    except Exception as error:
        name, module, received = running[-1] if running else ("", model, specs[0].shape)
        raise ForwardError(name, type(module).__name__, received, error) from error
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes.items():
            module.training = mode
    return total + outputs[0]


# What each refusal of check_fits ends with: counting needs none of the memory.
_META_HINT = "--device meta (device='meta' in Python) counts it without allocating anything"


def check_fits(model: nn.Module, inputs: InputsLike, device: torch.device, train: bool = False) -> None:
    """Refuse, before any memory is taken, a run of a meta-built model that will not fit.

    The weights are checked always (their size is read from the shapes); the
    activations only for an input above ``ESTIMATE_ABOVE`` elements.

    Raises:
        TooLargeError: the estimate exceeds the memory available on ``device``.
        ForwardError: the input's shape does not go through the network.
    """
    specs = input_specs(inputs)
    free = available_bytes(device)
    if free is None:
        return
    weights = weight_bytes(model)
    if weights > free:
        raise TooLargeError(
            f"the weights need {_gigabytes(weights)} on {device}, but about {_gigabytes(free)} is available; "
            f"{_META_HINT}"
        )
    elements = sum(math.prod(spec.shape) for spec in specs)
    if elements <= ESTIMATE_ABOVE:
        return
    text = ", ".join(spec.text for spec in specs)
    held = sum(spec.zeros(torch.device("meta")).element_size() * math.prod(spec.shape) for spec in specs)
    if held > free:
        raise TooLargeError(
            f"input {text} alone needs {_gigabytes(held)} on {device}, "
            f"but about {_gigabytes(free)} is available; try a smaller --input"
        )
    needed = forward_bytes_bound(model, specs, train)
    if needed > free:
        raise TooLargeError(
            f"input {text} needs about {_gigabytes(needed)} of activation memory on {device}, "
            f"but about {_gigabytes(free)} is available; try a smaller --input, or {_META_HINT}"
        )


def build(builder: Callable[[], nn.Module], device: torch.device) -> nn.Module:
    """Build a network without running its weight initialisation, on ``device`` (left on meta for meta)."""
    with torch.device("meta"):
        model = builder()
    return model if device.type == "meta" else materialize(model, device)


def resolve_device(device: str | torch.device) -> torch.device:
    """``auto`` is CUDA where available, else the CPU; ``cuda`` without CUDA raises; ``meta`` allocates nothing."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise ValueError(f"device {str(device)!r} is not one of cpu, cuda, meta or auto") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but this machine has no CUDA device; use --device cpu or auto")
    return resolved


def analyze(
    model: nn.Module,
    inputs: InputsLike,
    device: str | torch.device = "auto",
    name: str | None = None,
    train: bool = False,
    engine: str = "dispatch",
) -> Analysis:
    """Trace ``model`` once on zero inputs and count every layer.

    Args:
        model: any ``nn.Module``; a model on the meta device is materialised without
            initialisation (or left there for ``device="meta"``), any other is moved to
            ``device``.
        inputs: the input's shape, batch first (``(1, 3, 227, 227)``), for one float32
            input; or a sequence of :class:`InputSpec` (shape and dtype), one per
            positional argument of ``forward`` in order
            (``[InputSpec((1, 128), "int64")]``). Every input is zeros (tokens 0, masks
            False); counts are per sample of the first input's batch.
        device: ``cpu``, ``cuda``, ``auto`` (CUDA where available) or ``meta``: shapes
            only, no parameter or activation ever allocated; every count, shape and
            receptive field is the same, since all are read from shapes.
        name: the network's name in reports (default: the model's class name).
        train: run in training mode (auxiliary heads, dropout); the default is eval
            mode. The model's own modes are restored afterwards.
        engine: how MACs are counted: ``dispatch`` (the default) from the calls of the
            forward pass, ``fvcore`` by fvcore's ``torch.jit`` trace; the figures are the same.

    Returns:
        The frozen per-layer records and totals.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
    dev = resolve_device(device)
    specs = input_specs(inputs)
    with _collector_paused():
        modules = list(model.modules())
        model = _placed_model(model, modules, specs, dev, train)
        xs = [spec.zeros(dev) for spec in specs]
        modes = {m: m.training for m in modules}
        if any(mode != train for mode in modes.values()):
            model.train(train)
        try:
            run_ = run(model, xs[0], engine, extra=xs[1:])
            analysis = from_run(name or type(model).__name__, run_, specs[0].shape, str(dev))
        finally:
            for module, mode in modes.items():
                if module.training != mode:
                    module.training = mode
    if not specs[0].floating:
        # Token ids or a mask have no spatial grid: a field keyed on their dimensions would be nonsense.
        layers = tuple(
            dataclasses.replace(x, receptive_field=None, jump=None, rf_global=False) for x in analysis.layers
        )
        analysis = dataclasses.replace(analysis, layers=layers)
    return dataclasses.replace(analysis, inputs=specs, notes=(*analysis.notes, *_input_notes(specs, dev)))


def _placed_model(
    model: nn.Module, modules: list[nn.Module], specs: tuple[InputSpec, ...], dev: torch.device, train: bool
) -> nn.Module:
    """The model with its tensors on ``dev``: materialised from meta once it is known to fit."""
    tensors = [t for m in modules for t in (*m._parameters.values(), *m._buffers.values()) if t is not None]
    if dev.type == "meta":
        if any(not t.is_meta for t in tensors):
            model = model.to(dev)
        return model
    target = _placed(dev)
    if any(t.is_meta for t in tensors):
        check_fits(model, specs, dev, train)
        return materialize(model, dev)
    if any(t.device != target for t in tensors):  # .to() walks every module even when none moves
        return model.to(dev)
    return model


def _input_notes(specs: Sequence[InputSpec], device: torch.device) -> list[str]:
    """What a reader must know about the inputs and the device that the figures do not say."""
    notes = []
    if len(specs) > 1 or any(spec.dtype != "float32" for spec in specs):
        listed = ", ".join(spec.text for spec in specs)
        notes.append(f"inputs {listed}, in the forward's order; all zeros (integer tokens 0, masks False)")
    if device.type == "meta":
        notes.append(
            "traced on the meta device: shapes only, no parameter or activation allocated, so no memory "
            "was measured; counts, shapes and receptive fields are read from shapes as on a real device"
        )
    return notes


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off during a run. Each of its full collections
    walks every object of the model, and a run allocates enough to set off many: on a
    1,202-layer ResNet they took as long as the rest of the analysis."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _placed(device: torch.device) -> torch.device:
    """Where ``.to(device)`` puts a tensor: ``cuda`` means the current CUDA device."""
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", torch.cuda.current_device())
    return device


def as_dict(analysis: Analysis) -> dict[str, Any]:
    """The analysis in the JSON contract's shape (claims are added by the caller)."""
    from archstats.render.exports import analysis_dict

    return analysis_dict(analysis)
