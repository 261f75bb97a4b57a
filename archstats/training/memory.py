"""The memory of a training step: what it holds, the predicted peak, the largest batch that fits.

A step holds the weights (and buffers), the optimizer's state, the input batch and, from
the forward pass until each layer's backward has run, what autograd saved for it; the
gradients of the weights appear as backward reaches each layer. The peak is predicted by
walking the backward pass in the order it ran: at each layer, the saved storages still
needed, the weight gradients made so far and the gradients in flight (of the layer's
output and of its input). Everything but the weights, their gradients and the optimizer's
state grows with the batch, which is how the largest batch that fits is found.
"""

from __future__ import annotations

from dataclasses import dataclass

from archstats.trace.step import StepTrace

OPTIMIZERS: dict[str, int] = {"sgd": 0, "momentum": 1, "adam": 2}  # state tensors per parameter
# What the per-tensor optimizer allocates on top, in parameters of the largest tensor:
# Adam's denominator (a square root, then its quotient); SGD and momentum update in place.
_TEMPORARIES: dict[str, int] = {"sgd": 0, "momentum": 0, "adam": 2}


@dataclass(frozen=True)
class LayerMemory:
    """Bytes one layer holds in a training step."""

    name: str
    weights: int
    gradients: int
    optimizer_state: int
    saved: int  # what autograd keeps for its backward (storages it saved first)


@dataclass(frozen=True)
class Memory:
    """A training step's memory: the parts, the predicted peak and when it falls."""

    batch: int
    weights: int  # every parameter (trainable and frozen)
    buffers: int
    gradients: int
    optimizer_state: int
    saved: int  # unique storages autograd saved for backward, weights excluded
    input: int
    predicted_peak: int
    peak_at: str  # when the peak falls ("backward of fc6", "end of forward", "optimizer step")
    layers: tuple[LayerMemory, ...]

    @property
    def fixed(self) -> int:
        """Bytes that do not grow with the batch."""
        return self.weights + self.buffers + self.gradients + self.optimizer_state


@dataclass(frozen=True)
class _Parts:
    """The step's bytes, those that scale with the batch apart."""

    static: int  # weights, buffers, optimizer state
    largest_param: int
    grads_total: int
    per_batch_static: int  # input batch
    logits: int
    saved: int
    timeline: tuple[tuple[str, int, int, int], ...]  # (layer, saved alive, weight gradients so far, in flight)
    temporaries: int


def _timeline(trace: StepTrace) -> tuple[tuple[str, int, int, int], ...]:
    """Each layer's backward in the order it ran, with the bytes alive while it runs."""
    order = {layer.name: layer.order for layer in trace.layers}
    ran = sorted((layer for layer in trace.layers if layer.order >= 0), key=lambda layer: layer.order)
    last = len(ran)
    # A saved storage is freed once every layer that saved it has run its backward.
    freed_after = {
        key: max(order[name] if order[name] >= 0 else last for name in trace.savers.get(key, [saver]))
        for key, (_, saver) in trace.saved_by_storage.items()
    }
    # Bytes freed after each layer's backward, summed from the last: what is alive while it runs.
    freed = [0] * (last + 2)
    for key, (n, _) in trace.saved_by_storage.items():
        freed[freed_after[key]] += n
    alive_from = [0] * (last + 2)
    for position in range(last, -1, -1):
        alive_from[position] = alive_from[position + 1] + freed[position]
    rows = []
    grads = 0
    for layer in ran:
        grads += layer.param_bytes
        alive = alive_from[layer.order]
        # In flight: the gradients of its output and of its input.
        rows.append((layer.name, alive, grads, layer.output_bytes + layer.input_bytes))
    return tuple(rows)


def _parts(trace: StepTrace, optimizer: str, weights: int, buffers: int) -> _Parts:
    trainable = sum(layer.param_bytes for layer in trace.layers)
    largest = max((layer.param_bytes for layer in trace.layers), default=0)
    root = next((layer for layer in trace.layers if layer.name == "(root)"), None)
    return _Parts(
        static=weights + buffers + OPTIMIZERS[optimizer] * trainable,
        largest_param=largest,
        grads_total=trainable,
        per_batch_static=trace.input_bytes,
        logits=root.output_bytes if root else 0,
        saved=trace.saved_bytes,
        timeline=_timeline(trace),
        temporaries=_TEMPORARIES[optimizer] * largest,
    )


def _peak(parts: _Parts, scale: float) -> tuple[int, str]:
    """The predicted peak and when it falls, with the batch-sized parts scaled by ``scale``."""
    base = parts.static + parts.per_batch_static * scale
    candidates = [(base + (parts.saved + parts.logits) * scale, "end of forward")]
    for name, alive, grads, in_flight in parts.timeline:
        candidates.append((base + (alive + in_flight) * scale + grads, f"backward of {name}"))
    candidates.append((parts.static + parts.grads_total + parts.temporaries, "optimizer step"))
    value, where = max(candidates, key=lambda c: c[0])
    return round(value), where


def memory(trace: StepTrace, optimizer: str, weights: int, buffers: int) -> Memory:
    """The memory of the watched step under ``optimizer``.

    Args:
        trace: a watched training step.
        optimizer: ``sgd``, ``momentum`` or ``adam``.
        weights: bytes of every parameter of the network.
        buffers: bytes of its buffers (BatchNorm statistics).

    Returns:
        The parts, per layer and in total, and the predicted peak.
    """
    parts = _parts(trace, optimizer, weights, buffers)
    peak, where = _peak(parts, 1.0)
    per_state = OPTIMIZERS[optimizer]
    layers = tuple(
        LayerMemory(layer.name, layer.param_bytes, layer.param_bytes, per_state * layer.param_bytes, layer.saved_bytes)
        for layer in trace.layers
        if layer.param_bytes or layer.saved_bytes
    )
    return Memory(
        batch=trace.batch, weights=weights, buffers=buffers, gradients=parts.grads_total,
        optimizer_state=per_state * parts.grads_total, saved=trace.saved_bytes, input=trace.input_bytes,
        predicted_peak=peak, peak_at=where, layers=layers,
    )  # fmt: skip


def predicted_peak(trace: StepTrace, optimizer: str, weights: int, buffers: int, batch: int) -> int:
    """The predicted peak at another batch size: the batch-sized parts scaled from the watched step."""
    return peak_and_place(trace, optimizer, weights, buffers, batch)[0]


def peak_and_place(trace: StepTrace, optimizer: str, weights: int, buffers: int, batch: int) -> tuple[int, str]:
    """The predicted peak at another batch size and when it falls ("backward of fc6", "optimizer step")."""
    return _peak(_parts(trace, optimizer, weights, buffers), batch / trace.batch)


def largest_batch(trace: StepTrace, optimizer: str, weights: int, buffers: int, capacity: int) -> int:
    """The largest batch whose predicted peak fits ``capacity`` bytes (0 if not even one sample fits)."""
    parts = _parts(trace, optimizer, weights, buffers)

    def fits(batch: int) -> bool:
        return _peak(parts, batch / trace.batch)[0] <= capacity

    if not fits(1):
        return 0
    low, high = 1, 2
    while fits(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low
