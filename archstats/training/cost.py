"""What a training step of a network costs: work per layer forward and backward, and memory.

Counts are multiply-adds of the weighted ops (convolutions, linear maps, matrix
products), per sample, as the ``macs`` convention counts the forward pass; the backward
pass is split into the gradient of each layer's input and of its weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

import archstats.training.memory as mem
from archstats.trace.step import StepTrace
from archstats.training.run import DTYPES, Measured, step


class TrainingError(ValueError):
    """The network cannot run a training step as asked; the message is one sentence."""


@dataclass(frozen=True)
class LayerStep:
    """One layer's work (multiply-adds per sample) and memory (bytes at the step's batch)."""

    name: str
    type: str
    forward: int
    input_grad: int
    weight_grad: int
    params: int
    weights: int
    gradients: int
    optimizer_state: int
    saved: int

    @property
    def backward(self) -> int:
        """Multiply-adds of its backward pass, per sample."""
        return self.input_grad + self.weight_grad


@dataclass(frozen=True)
class StepCost:
    """A training step of one network at one batch size, counted and measured on a device."""

    network: str
    device: str
    dtype: str
    batch: int
    input_shape: tuple[int, ...]  # of one batch
    optimizer: str
    layers: tuple[LayerStep, ...]
    memory: mem.Memory
    measured: Measured
    trace: StepTrace

    @property
    def forward(self) -> int:
        """Multiply-adds of the forward pass per sample."""
        return sum(layer.forward for layer in self.layers)

    @property
    def input_grad(self) -> int:
        """Multiply-adds of the input gradients per sample."""
        return sum(layer.input_grad for layer in self.layers)

    @property
    def weight_grad(self) -> int:
        """Multiply-adds of the weight gradients per sample."""
        return sum(layer.weight_grad for layer in self.layers)

    @property
    def backward(self) -> int:
        """Multiply-adds of the backward pass per sample."""
        return self.input_grad + self.weight_grad

    @property
    def ratio(self) -> float:
        """Backward over forward multiply-adds."""
        return self.backward / self.forward if self.forward else float("nan")

    @property
    def step_flops(self) -> int:
        """FLOPs of one sample's forward and backward passes (2 per multiply-add)."""
        return 2 * (self.forward + self.backward)

    def peak_at(self, batch: int) -> int:
        """The predicted peak at another batch size."""
        return mem.predicted_peak(self.trace, self.optimizer, self.memory.weights, self.memory.buffers, batch)

    def peak_place_at(self, batch: int) -> str:
        """When the predicted peak at another batch size falls."""
        return mem.peak_and_place(self.trace, self.optimizer, self.memory.weights, self.memory.buffers, batch)[1]

    def largest_batch(self, capacity: int) -> int:
        """The largest batch whose predicted peak fits ``capacity`` bytes."""
        return mem.largest_batch(self.trace, self.optimizer, self.memory.weights, self.memory.buffers, capacity)


def _per_sample(count: int, batch: int) -> int:
    return count // batch


def measure_step(
    network: str,
    build: Callable[[torch.device], nn.Module],
    input_shape: tuple[int, ...],
    batch: int,
    optimizer: str = "sgd",
    dtype: str = "float32",
    device: torch.device | None = None,
    measure: bool = True,
) -> StepCost:
    """Run one real training step of a network and count and measure it.

    Args:
        network: its name, for the record.
        build: makes the network with storage on a device.
        input_shape: one sample's shape with a leading batch dimension (its size is replaced).
        batch: the batch size.
        optimizer: ``sgd``, ``momentum`` or ``adam``.
        dtype: one of :data:`archstats.training.run.DTYPES`.
        device: where to run (default: the CPU).
        measure: whether to measure the step's peak on the device.

    Returns:
        The step's cost per layer and in total, its memory predicted and measured.

    Raises:
        TrainingError: the network fails in training mode at this batch.
    """
    dev = device or torch.device("cpu")
    shape = (batch, *input_shape[1:])
    try:
        trace, model, measured = step(build, shape, optimizer, dev, DTYPES[dtype], measure)
    except (RuntimeError, ValueError, TypeError, IndexError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TrainingError(f"{network} fails in training mode at batch {batch}: {first}") from None
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    buffers = sum(b.numel() * b.element_size() for b in model.buffers())
    memory = mem.memory(trace, optimizer, weights, buffers)
    state = mem.OPTIMIZERS[optimizer]
    layers = tuple(
        LayerStep(
            layer.name, layer.type, _per_sample(layer.forward, batch), _per_sample(layer.input_grad, batch),
            _per_sample(layer.weight_grad, batch), layer.params, layer.param_bytes, layer.param_bytes,
            state * layer.param_bytes, layer.saved_bytes,
        )
        for layer in trace.layers
        if layer.forward or layer.input_grad or layer.weight_grad or layer.param_bytes or layer.saved_bytes
    )  # fmt: skip
    return StepCost(network, str(dev), dtype, batch, shape, optimizer, layers, memory, measured, trace)
