"""A real training step on the device: weights, optimizer state and batch made, one step run and measured.

The step is the one :func:`archstats.trace.step.watch_step` counts, followed by the
optimizer's update, so that counting costs one step. Its peak is measured as the device
shows it: on CUDA the caching allocator's peak of allocated bytes above what it held
before the weights were made; on the CPU the process's peak resident set (``VmHWM``, reset
through ``/proc/self/clear_refs`` before the step) above its resident set after the step,
plus the tensors that outlive the step.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from archstats.trace.step import StepTrace, watch_step

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float64": torch.float64,
}


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number


@dataclass(frozen=True)
class Measured:
    """The peak a real step reached on the device, and how it was read."""

    peak: int | None  # bytes above the process's (or the allocator's) holding before the weights
    how: str


def make_optimizer(model: nn.Module, name: str) -> torch.optim.Optimizer:
    """``sgd``, ``momentum`` (0.9) or ``adam``, one tensor at a time, its state already made.

    The state is made before the step, as it stands in every step after the first;
    updating one tensor at a time (``foreach=False``) keeps the update's temporaries to
    the size of one tensor.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer: torch.optim.Optimizer
    if name == "adam":
        optimizer = torch.optim.Adam(params, lr=1e-3, foreach=False)
        for p in params:
            optimizer.state[p] = {
                "step": torch.tensor(0.0),
                "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format),
            }
        return optimizer
    momentum = 0.9 if name == "momentum" else 0.0
    optimizer = torch.optim.SGD(params, lr=0.01, momentum=momentum, foreach=False)
    if momentum:
        for p in params:
            optimizer.state[p] = {"momentum_buffer": torch.zeros_like(p, memory_format=torch.preserve_format)}
    return optimizer


def _status(field: str) -> int | None:
    """A ``/proc/self/status`` size in bytes (``VmRSS``, ``VmHWM``), or ``None`` where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_cpu_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _baseline(device: torch.device) -> int:
    """The CUDA allocator's bytes before the weights are made."""
    gc.collect()
    torch.cuda.synchronize(device)
    return torch.cuda.memory_allocated(device)


def _return_freed_memory() -> None:
    """Have glibc map every block of 64 KiB or more on its own, so that freeing one unmaps it.

    Without this, blocks freed during backward stay in the process's heaps and its
    resident set no longer follows the bytes that are live; other C libraries lack
    ``mallopt`` and keep their own behaviour.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name).mallopt(_M_MMAP_THRESHOLD, 1 << 16)


def step(
    build: Callable[[torch.device], nn.Module],
    batch_shape: tuple[int, ...],
    optimizer: str,
    device: torch.device,
    dtype: torch.dtype = torch.float32,
    measure: bool = True,
) -> tuple[StepTrace, nn.Module, Measured]:
    """Make the network, its optimizer and a batch on ``device``; run one watched step and measure it.

    Args:
        build: makes the network with storage on the device.
        batch_shape: the input batch's shape.
        optimizer: ``sgd``, ``momentum`` or ``adam``.
        device: where to run.
        dtype: the weights' and the batch's dtype.
        measure: whether to measure the peak; on the CPU measuring tells glibc to map large
            blocks on their own for the rest of the process, which slows its later allocations.

    Returns:
        The watched step, the network (in training mode) and the measured peak.
    """
    if not measure:
        return _unmeasured(build, batch_shape, device, dtype)
    if device.type == "cpu":
        _return_freed_memory()
    before = _baseline(device) if device.type == "cuda" else 0
    model = build(device).to(dtype).train()
    opt = make_optimizer(model, optimizer)
    batch = torch.zeros(batch_shape, device=device, dtype=dtype)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        how = "torch.cuda.max_memory_allocated over the step, above the allocator's bytes before the weights"
        reset = True
    else:
        reset = _reset_cpu_peak()
        how = (
            "the process's peak resident set (VmHWM) over the step above its resident set after it, plus the "
            "tensors that outlive the step (weights, buffers, optimizer state, batch)"
        )
    trace = watch_step(model, batch)
    opt.step()
    opt.zero_grad(set_to_none=True)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        peak: int | None = torch.cuda.max_memory_allocated(device)
    else:
        # Measured down from the end of the step rather than up from its start: what the
        # runtime keeps for itself after its first step (thread pools, kernel caches) cancels.
        gc.collect()
        hwm, end = _status("VmHWM"), _status("VmRSS")
        peak = hwm - end + _persistent(model, opt, batch) if reset and hwm is not None and end is not None else None
    if peak is None:
        return trace, model, Measured(None, "not measurable here: this system shows no peak of the process")
    return trace, model, Measured(peak - before, how)


def _unmeasured(
    build: Callable[[torch.device], nn.Module],
    batch_shape: tuple[int, ...],
    device: torch.device,
    dtype: torch.dtype,
) -> tuple[StepTrace, nn.Module, Measured]:
    """The forward and backward pass, counted: no update runs, no peak is measured (the optimizer's state is counted)."""
    model = build(device).to(dtype).train()
    trace = watch_step(model, torch.zeros(batch_shape, device=device, dtype=dtype))
    return trace, model, Measured(None, "not measured")


def _persistent(model: nn.Module, optimizer: torch.optim.Optimizer, batch: torch.Tensor) -> int:
    """Bytes of the tensors that live on after a step: weights, buffers, optimizer state and the batch."""
    tensors = [*model.parameters(), *model.buffers(), batch]
    tensors += [t for state in optimizer.state.values() for t in state.values() if isinstance(t, torch.Tensor)]
    return sum(t.numel() * t.element_size() for t in tensors)
