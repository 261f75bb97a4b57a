"""Measured time per layer beside its counts: the forward (and backward) pass timed layer by layer and whole.

Each leaf module that runs is timed between a forward pre-hook and a forward hook: CUDA
events on a GPU, ``time.perf_counter`` on the CPU (where every op has finished when it
returns). The whole forward pass is timed the same way without hooks, so what timing layer
by layer costs is stated beside the layers' sum. With ``train`` the backward pass is timed
too, per layer on the autograd node that produced the layer's output.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from archstats import roofline
from archstats.roofline import DTYPE_BYTES, Machine

if TYPE_CHECKING:
    import torch
    from torch import nn

    from archstats.analysis import Analysis, Layer

DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "time_s": "median over the repeats, after the warm-up runs, of the seconds between a layer's forward "
        "pre-hook and forward hook (summed over its calls); CUDA events on a GPU, a perf_counter on the CPU",
        "backward_s": "with --train: the median seconds of the autograd node that produced the layer's output "
        "(a convolution's, linear map's or normalisation's whole backward; for a layer of several ops, its last)",
        "flops": "2 per multiply-add of the weighted ops, for the whole batch (the 'flops' convention)",
        "bytes": "a lower bound of the bytes moved: the layer's weights and buffers once, its inputs and outputs "
        "at each call, at float32; caches, re-reads and workspace are not in it",
        "arithmetic_intensity": "flops / bytes (FLOP per byte)",
        "attained_flops": "flops / time_s",
        "fraction_of_roof": "the roofline's least time, max(flops / peak, bytes / bandwidth), over time_s: 1 is "
        "at the roof; above 1 where the data sit in a cache faster than the memory the bandwidth was measured on "
        "(or, on CUDA, where cuDNN's TF32 convolutions outrun the float32 GEMM of the peak)",
        "time_share": "the layer's time_s over the sum of every timed layer's",
        "macs_share": "the layer's multiply-adds over the whole network's",
        "bound": "memory where the intensity is below the machine's ridge point (peak / bandwidth), else compute",
        "overhead": "the whole forward pass timed with the per-layer hooks over the same pass timed without them",
    }
)


@dataclass(frozen=True)
class Spread:
    """Seconds over the repeats: median, fastest and slowest."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The spread of ``values`` (at least one)."""
        return cls(statistics.median(values), min(values), max(values))


@dataclass(frozen=True)
class LayerTime:
    """One timed layer: its time and, for the whole batch, its counts."""

    name: str
    type: str
    calls: int
    forward: Spread
    backward: Spread | None
    flops: int
    multiply_adds: int
    bytes: int
    weighted: bool


@dataclass(frozen=True)
class Profile:
    """A network timed layer by layer and whole on one device, with the device's roofline."""

    network: str
    input_shape: tuple[int, ...]
    train: bool
    repeats: int
    warmup: int
    machine: Machine
    forward: Spread  # the whole pass without hooks
    hooked_forward: Spread  # the whole pass with the per-layer hooks
    backward: Spread | None
    layers: tuple[LayerTime, ...]
    untimed: Mapping[str, int]  # rows with work of their own that no hook isolates: their multiply-adds
    total_multiply_adds: int


class _Clock:
    """Marks in time: CUDA events (read after a synchronisation) or perf_counter readings."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.cuda = device.type == "cuda"

    def mark(self) -> Any:
        import torch

        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
            event.record()
            return event
        return time.perf_counter()

    def sync(self) -> None:
        import torch

        if self.cuda:
            torch.cuda.synchronize(self.device)

    def seconds(self, start: Any, end: Any) -> float:
        if self.cuda:
            return float(start.elapsed_time(end)) / 1e3
        return float(end - start)


def _loss(output: Any) -> torch.Tensor:
    """The sum of every floating-point tensor in the output (auxiliary heads included): what backward starts from."""
    import torch

    stack, parts = [output], []
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor) and item.is_floating_point():
            parts.append(item.sum())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return torch.stack(parts).sum()


class _Recorder:
    """The hooks of every timed module, and the marks they leave in one pass."""

    def __init__(self, clock: _Clock, train: bool) -> None:
        self.clock, self.train = clock, train
        self.open: dict[str, list[Any]] = {}
        self.marks: list[tuple[str, str, Any, Any]] = []

    def pre(self, name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: Any) -> None:
            self.open.setdefault(name, []).append(self.clock.mark())

        return hook

    def post(self, name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            self.marks.append((name, "forward", self.open[name].pop(), self.clock.mark()))
            node = getattr(output, "grad_fn", None)
            if self.train and node is not None:
                self._backward(name, node)

        return hook

    def _backward(self, name: str, node: Any) -> None:
        # The node is taken now: an in-place activation after the layer replaces the tensor's grad_fn.
        started: list[Any] = []

        def before(grad_outputs: Any) -> None:
            started.append(self.clock.mark())

        def after(grad_inputs: Any, grad_outputs: Any) -> None:
            self.marks.append((name, "backward", started.pop(), self.clock.mark()))

        node.register_prehook(before)
        node.register_hook(after)

    def sums(self) -> dict[tuple[str, str], float]:
        """Seconds per (layer, pass) of the pass just run; call after a synchronisation."""
        found: dict[tuple[str, str], float] = {}
        for name, kind, start, end in self.marks:
            found[name, kind] = found.get((name, kind), 0.0) + self.clock.seconds(start, end)
        self.marks.clear()
        return found


def _passes(
    model: nn.Module, x: torch.Tensor, clock: _Clock, runs: int, train: bool, after: Callable[[], None]
) -> list[tuple[float, float]]:
    """``runs`` whole passes, each (forward seconds, backward seconds or 0); ``after`` runs once each is synchronised."""
    import torch

    found = []
    for _ in range(runs):
        if train:
            model.zero_grad(set_to_none=True)
        clock.sync()
        with torch.set_grad_enabled(train):
            t0 = clock.mark()
            output = model(x)
            t1 = clock.mark()
            backward = 0.0
            if train:
                loss = _loss(output)
                t2 = clock.mark()
                loss.backward()  # type: ignore[no-untyped-call]
                t3 = clock.mark()
        clock.sync()
        if train:
            backward = clock.seconds(t2, t3)
        found.append((clock.seconds(t0, t1), backward))
        after()
    return found


@contextlib.contextmanager
def _hooked(model: nn.Module, recorder: _Recorder) -> Iterator[None]:
    """The recorder's hooks on every leaf module for the duration of the block."""
    modules = dict(model.named_modules())
    handles = []
    for name in leaf_names(model):
        handles.append(modules[name].register_forward_pre_hook(recorder.pre(name)))
        handles.append(modules[name].register_forward_hook(recorder.post(name)))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def leaf_names(model: nn.Module) -> list[str]:
    """The modules that have no submodules (the ones a hook times on their own), by qualified name."""
    return [name for name, module in model.named_modules() if name and not any(True for _ in module.children())]


def _layer_time(layer: Layer, batch: int, forward: list[float], backward: list[float] | None) -> LayerTime:
    element = DTYPE_BYTES
    ins = math.prod(layer.input_shape) if layer.input_shape else 0
    outs = math.prod(layer.output_shape) if layer.output_shape else 0
    nbytes = element * (layer.params + max(layer.calls, 1) * (ins + outs))
    return LayerTime(
        name=layer.name, type=layer.type, calls=layer.calls, forward=Spread.of(forward),
        backward=Spread.of(backward) if backward else None, flops=layer.flops * batch,
        multiply_adds=layer.multiply_adds * batch, bytes=nbytes, weighted=layer.weighted,
    )  # fmt: skip


def profile_model(
    model: nn.Module, analysis: Analysis, machine: Machine, repeats: int = 10, warmup: int = 2, train: bool = False
) -> Profile:
    """Time a model already on its device, layer by layer and whole, on a random input of the analysis's shape.

    Args:
        model: the network, on the analysis's device.
        analysis: its counts at the same input shape (``analyze`` or ``zoo.analyze_network``).
        machine: the device's roofline (:func:`archstats.roofline.machine`).
        repeats: timed passes of each kind (at least 1); medians and spreads are over these.
        warmup: passes run first and not counted.
        train: training mode, and the backward pass timed too.

    Returns:
        The profile; counts are for the whole batch.
    """
    import torch

    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats must be at least 1 and warmup at least 0, not {repeats} and {warmup}")
    device = torch.device(analysis.device)
    clock = _Clock(device)
    generator = torch.Generator(device="cpu").manual_seed(0)
    x = torch.randn(analysis.input_shape, generator=generator).to(device)
    modes = {m: m.training for m in model.modules()}
    model.train(train)
    recorder = _Recorder(clock, train)
    whole: list[tuple[float, float]] = []
    hooked: list[tuple[float, float]] = []
    per_pass: list[dict[tuple[str, str], float]] = []
    try:
        # Plain and hooked passes alternate, so that a drift of the clock rate touches both alike.
        for _ in range(warmup + repeats):
            whole += _passes(model, x, clock, 1, train, lambda: None)
            with _hooked(model, recorder):
                hooked += _passes(model, x, clock, 1, train, lambda: per_pass.append(recorder.sums()))
    finally:
        for module, mode in modes.items():
            module.training = mode
    return _profile(analysis, machine, repeats, warmup, train, whole[warmup:], hooked[warmup:], per_pass[warmup:])


def _profile(
    analysis: Analysis,
    machine: Machine,
    repeats: int,
    warmup: int,
    train: bool,
    whole: list[tuple[float, float]],
    hooked: list[tuple[float, float]],
    per_pass: list[dict[tuple[str, str], float]],
) -> Profile:
    """The profile from the timed passes: per layer, the seconds of each repeat."""
    from archstats.columns import ROOT

    batch = analysis.input_shape[0]
    timed = {name for p in per_pass for name, kind in p if kind == "forward"}
    layers, untimed = [], {}
    for layer in analysis.layers:
        if layer.called and layer.name in timed:
            forward = [p.get((layer.name, "forward"), 0.0) for p in per_pass]
            backward = [p.get((layer.name, "backward"), 0.0) for p in per_pass] if train else None
            layers.append(_layer_time(layer, batch, forward, backward))
        elif layer.called and (layer.fvcore_macs or layer.uncounted_ops or layer.name == ROOT):
            untimed[layer.name] = layer.multiply_adds * batch
    return Profile(
        network=analysis.network, input_shape=analysis.input_shape, train=train, repeats=repeats, warmup=warmup,
        machine=machine, forward=Spread.of([f for f, _ in whole]), hooked_forward=Spread.of([f for f, _ in hooked]),
        backward=Spread.of([b for _, b in whole]) if train else None, layers=tuple(layers),
        untimed=MappingProxyType(untimed), total_multiply_adds=analysis.totals.multiply_adds * batch,
    )  # fmt: skip


def randomise(model: nn.Module, seed: int = 0) -> nn.Module:
    """Fill every floating-point parameter with small normal values (timing on zeros would flatter some kernels)."""
    import torch

    generator = torch.Generator(device="cpu").manual_seed(seed)
    with torch.no_grad():
        for tensor in model.parameters():
            if tensor.is_floating_point():
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.01)
    return model


def profile_network(
    name: str,
    device: str = "cpu",
    batch: int = 1,
    repeats: int = 10,
    warmup: int = 2,
    train: bool = False,
    remeasure: bool = False,
) -> Profile:
    """Build a zoo network, count it at its default input with ``batch`` samples, and time it.

    Args:
        name: a zoo network.
        device: ``cpu``, ``cuda`` or ``auto``.
        batch: samples per pass.
        repeats: timed passes (after ``warmup``).
        warmup: untimed passes first.
        train: training mode, backward timed too.
        remeasure: measure the device's roofline again rather than read the cache.

    Returns:
        The profile.
    """
    from archstats import zoo
    from archstats.analysis import build, resolve_device

    spec = zoo.spec(name)
    dev = resolve_device(device)
    shape = (batch, *spec.input_shape[1:])
    analysis = zoo.analyze_network(name, shape, str(dev), train)
    machine = roofline.machine(dev, remeasure)
    model = randomise(build(spec.builder, dev))
    return profile_model(model, analysis, machine, repeats, warmup, train)


def _spread(spread: Spread | None) -> dict[str, float] | None:
    return None if spread is None else {"median": spread.median, "min": spread.low, "max": spread.high}


def layer_dict(layer: LayerTime, machine: Machine, forward_s: float, total_multiply_adds: int) -> dict[str, Any]:
    """One layer's row of the JSON: its time, counts and place under the roofline.

    Args:
        layer: the timed layer.
        machine: the device's roofline.
        forward_s: the sum of every timed layer's median, for the time share.
        total_multiply_adds: the network's multiply-adds for the batch, for the MACs share.

    Returns:
        The row; see :data:`DEFINITIONS`.
    """
    seconds = layer.forward.median
    intensity = layer.flops / layer.bytes if layer.bytes else 0.0
    least = roofline.roof_seconds(layer.flops, layer.bytes, machine)
    return {
        "name": layer.name,
        "type": layer.type,
        "calls": layer.calls,
        "weighted": layer.weighted,
        "time_s": seconds,
        "time_min_s": layer.forward.low,
        "time_max_s": layer.forward.high,
        "backward_s": layer.backward.median if layer.backward else None,
        "flops": layer.flops,
        "multiply_adds": layer.multiply_adds,
        "bytes": layer.bytes,
        "arithmetic_intensity": intensity,
        "attained_flops": layer.flops / seconds if seconds > 0 else 0.0,
        "roof_flops": roofline.roof(intensity, machine),
        "fraction_of_roof": least / seconds if seconds > 0 else 0.0,
        "bound": roofline.bound(intensity, machine),
        "time_share": seconds / forward_s if forward_s > 0 else 0.0,
        "macs_share": layer.multiply_adds / total_multiply_adds if total_multiply_adds else 0.0,
    }


def as_dict(profile: Profile) -> dict[str, Any]:
    """The profile in the JSON contract's shape: ``machine``, ``whole``, ``layers`` and the definitions."""
    layers_sum = sum(layer.forward.median for layer in profile.layers)
    backward_sum = sum(layer.backward.median for layer in profile.layers if layer.backward)
    forward = profile.forward.median
    return {
        "network": profile.network,
        "input_shape": list(profile.input_shape),
        "batch": profile.input_shape[0],
        "train": profile.train,
        "repeats": profile.repeats,
        "warmup": profile.warmup,
        "machine": roofline.as_dict(profile.machine),
        "whole": {
            "forward_s": _spread(profile.forward),
            "hooked_forward_s": _spread(profile.hooked_forward),
            "backward_s": _spread(profile.backward),
            "layers_forward_sum_s": layers_sum,
            "layers_backward_sum_s": backward_sum if profile.train else None,
            "layers_over_whole": layers_sum / forward if forward > 0 else None,
            "overhead": profile.hooked_forward.median / forward if forward > 0 else None,
            "multiply_adds": profile.total_multiply_adds,
            "flops": 2 * profile.total_multiply_adds,
            "attained_flops": 2 * profile.total_multiply_adds / forward if forward > 0 else None,
        },
        "layers": [
            layer_dict(layer, profile.machine, layers_sum, profile.total_multiply_adds) for layer in profile.layers
        ],
        "untimed": dict(profile.untimed),
        "definitions": dict(DEFINITIONS),
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f}"


def _si(value: float, unit: str) -> str:
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.1f} {prefix}{unit}"
    return f"{value:.1f} {unit}"


def _row(r: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        r["name"], r["type"], _ms(r["time_s"]), f"{100 * r['time_share']:.1f}", f"{100 * r['macs_share']:.1f}",
        f"{r['arithmetic_intensity']:.1f}", f"{r['attained_flops'] / 1e9:.1f}",
        f"{100 * r['fraction_of_roof']:.0f}%", r["bound"],
    )  # fmt: skip


def render_text(data: Mapping[str, Any]) -> str:
    """The profile as the terminal shows it: the machine, the whole pass, then one row per timed layer."""
    m, w = data["machine"], data["whole"]
    lines = [
        f"{data['network']} at {'x'.join(map(str, data['input_shape']))}, {'train' if data['train'] else 'eval'} "
        f"mode, median of {data['repeats']} after {data['warmup']} warm-up",
        f"machine: {m['name']} ({m['kind']}, {m['threads']} torch threads, {m['dtype']}): peak "
        f"{_si(m['peak_flops'], 'FLOP/s')} (GEMM {m['gemm_size']}), bandwidth {_si(m['bandwidth'], 'B/s')} "
        f"(copy), ridge {m['ridge']:.1f} FLOP/byte",
        f"whole forward {_ms(w['forward_s']['median'])} ms (min {_ms(w['forward_s']['min'])}, max "
        f"{_ms(w['forward_s']['max'])}); with per-layer hooks {_ms(w['hooked_forward_s']['median'])} ms "
        f"(x{w['overhead']:.2f}); layers' sum {_ms(w['layers_forward_sum_s'])} ms "
        f"({100 * w['layers_over_whole']:.0f}% of the whole)",
    ]
    if w["backward_s"]:
        lines.append(
            f"whole backward {_ms(w['backward_s']['median'])} ms; layers' sum {_ms(w['layers_backward_sum_s'])} ms"
        )
    header = ("layer", "type", "ms", "time %", "MACs %", "FLOP/B", "GFLOP/s", "of roof", "bound")
    rows = [_row(r) for r in data["layers"]]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines.append("")
    for row in [header, *rows]:
        cells = [f"{c:<{widths[i]}}" if i < 2 else f"{c:>{widths[i]}}" for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.append(
        "bytes are a lower bound (weights, inputs and outputs at float32), so the fraction of the roof is too."
    )
    return "\n".join(lines) + "\n"
