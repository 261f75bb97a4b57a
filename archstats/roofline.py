"""A device's roofline: its peak FLOP/s from large GEMMs and its bandwidth from large copies, measured once and cached.

The roofline model (Williams, Waterman & Patterson, CACM 2009): a kernel of arithmetic
intensity ``I`` FLOP/byte attains at most ``min(peak, I x bandwidth)`` FLOP/s. The
measurements are what this machine gives at float32 with torch's own kernels, so they are
an attainable roof, not the vendor's datasheet figure.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

# float32 throughout: the zoo's weights and activations.
DTYPE = "float32"
DTYPE_BYTES = 4

# Sizes of the measurements: a GEMM large enough to reach the peak, a copy far beyond the caches.
CPU_GEMM, CUDA_GEMM = 1536, 8192
CPU_COPY_BYTES, CUDA_COPY_BYTES = 128 << 20, 1 << 30
CACHE_FILE = "roofline.json"


@dataclass(frozen=True)
class Machine:
    """A device and its measured roof: peak FLOP/s, bandwidth in bytes/s, and how they were measured."""

    name: str
    kind: str  # "cpu" or "cuda"
    peak_flops: float
    bandwidth: float
    threads: int
    dtype: str = DTYPE
    gemm_size: int = 0
    copy_bytes: int = 0
    torch_version: str = ""

    @property
    def ridge(self) -> float:
        """The arithmetic intensity (FLOP/byte) where the memory roof meets the compute roof."""
        return self.peak_flops / self.bandwidth

    @property
    def key(self) -> str:
        """The cache key: one roofline per device, thread count and dtype."""
        return f"{self.kind}|{self.name}|threads={self.threads}|{self.dtype}"


def roof(intensity: float, machine: Machine) -> float:
    """The attainable FLOP/s at ``intensity`` FLOP/byte: ``min(peak, intensity x bandwidth)``.

    Args:
        intensity: FLOPs per byte moved.
        machine: the measured roof.

    Returns:
        FLOP/s.
    """
    return min(machine.peak_flops, intensity * machine.bandwidth)


def roof_seconds(flops: float, nbytes: float, machine: Machine) -> float:
    """The least time the roofline allows for ``flops`` over ``nbytes``: ``max(flops / peak, bytes / bandwidth)``."""
    return max(flops / machine.peak_flops, nbytes / machine.bandwidth)


def bound(intensity: float, machine: Machine) -> str:
    """``memory`` left of the ridge point, ``compute`` at or right of it."""
    return "memory" if intensity < machine.ridge else "compute"


def as_dict(machine: Machine) -> dict[str, Any]:
    """The machine in the JSON contract's shape (``ridge`` added)."""
    return {**dataclasses.asdict(machine), "ridge": machine.ridge}


def cache_dir() -> Path:
    """Where rooflines are kept: ``$ARCHSTATS_CACHE_DIR``, else ``$XDG_CACHE_HOME/archstats``, else ``~/.cache/archstats``."""
    if os.environ.get("ARCHSTATS_CACHE_DIR"):
        return Path(os.environ["ARCHSTATS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "archstats"


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's processor string elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_name(device: torch.device) -> str:
    """The device's name: the CPU model, or the CUDA device's name."""
    import torch

    if device.type == "cuda":
        return str(torch.cuda.get_device_name(device))
    return cpu_name()


def _seconds(device: torch.device, work: Any, repeats: int) -> list[float]:
    """Times of ``repeats`` calls of ``work`` after one warm-up: CUDA events on a GPU, a perf_counter on the CPU."""
    import torch

    work()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
            start.record()
            work()
            end.record()
            torch.cuda.synchronize(device)
            times.append(start.elapsed_time(end) / 1e3)
        else:
            t0 = time.perf_counter()
            work()
            times.append(time.perf_counter() - t0)
    return times


def measure(device: torch.device, gemm: int | None = None, copy_bytes: int | None = None, repeats: int = 5) -> Machine:
    """Measure the device's roof: the fastest of ``repeats`` square GEMMs and of as many copies.

    Args:
        device: a CPU or CUDA device.
        gemm: the GEMM's side (default: 1536 on the CPU, 8192 on CUDA); 2 n^3 FLOPs each.
        copy_bytes: the copied tensor's size (default: 128 MiB on the CPU, 1 GiB on CUDA);
            each copy reads and writes it, 2 x copy_bytes moved.
        repeats: timed runs of each, after one warm-up; the fastest counts (the peak is what the device can do).

    Returns:
        The machine with its measured peak FLOP/s and bandwidth.
    """
    import torch

    cuda = device.type == "cuda"
    n = gemm or (CUDA_GEMM if cuda else CPU_GEMM)
    size = copy_bytes or (CUDA_COPY_BYTES if cuda else CPU_COPY_BYTES)
    generator = torch.Generator(device="cpu").manual_seed(0)
    a = torch.randn(n, n, generator=generator).to(device)
    b = torch.randn(n, n, generator=generator).to(device)
    out = torch.empty(n, n, device=device)
    gemm_times = _seconds(device, lambda: torch.mm(a, b, out=out), repeats)
    src = torch.ones(size // DTYPE_BYTES, device=device)
    dst = torch.empty_like(src)
    copy_times = _seconds(device, lambda: dst.copy_(src), repeats)
    return Machine(
        name=device_name(device), kind=device.type, peak_flops=2 * n**3 / min(gemm_times),
        bandwidth=2 * size / min(copy_times), threads=torch.get_num_threads(), gemm_size=n,
        copy_bytes=size, torch_version=torch.__version__,
    )  # fmt: skip


def _read_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no cache yet, or an unreadable one: measure again
    return data if isinstance(data, dict) else {}


def machine(device: torch.device, remeasure: bool = False) -> Machine:
    """The device's roofline from the cache, measured (and cached) the first time or when ``remeasure``.

    Args:
        device: a CPU or CUDA device.
        remeasure: measure again even if the cache holds this device.

    Returns:
        The measured machine.
    """
    import torch

    path = cache_dir() / CACHE_FILE
    key = Machine(device_name(device), device.type, 1.0, 1.0, torch.get_num_threads()).key
    cached = _read_cache(path)
    entry = cached.get(key)
    fields = {f.name for f in dataclasses.fields(Machine)}
    if not remeasure and isinstance(entry, dict) and set(entry) == fields:
        return Machine(**entry)
    found = measure(device)
    cached[key] = dataclasses.asdict(found)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{CACHE_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cached, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache costs a measurement next time, nothing else
    return found
