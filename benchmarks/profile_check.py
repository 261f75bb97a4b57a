"""Check ``archstats profile`` against clocks of its own: the layers' sum against an independent whole pass, the roof against an independent GEMM.

Run from the repository root on a quiet machine::

    python benchmarks/profile_check.py [--network resnet-18] [--device cpu] [--repeats 20]

It prints a Markdown table of the checks and exits 1 if one does not hold:

1. the per-layer times of ``profile`` add up to within +/-50% of a whole forward pass
   timed here, independently, with nothing hooked;
2. the peak FLOP/s that ``profile`` measured (and cached) is within a factor of 4 of a
   GEMM of another size timed here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch

from archstats import roofline, timing
from archstats.analysis import build, resolve_device
from archstats.zoo import spec


def _seconds(device: torch.device, work: object, repeats: int) -> list[float]:
    """Seconds of each call after two warm-ups, synchronised on CUDA."""
    assert callable(work)
    for _ in range(2):
        work()
    found = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        work()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        found.append(time.perf_counter() - t0)
    return found


def main() -> int:
    """Run both checks and print them; 1 if one fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="resnet-18")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--gemm", type=int, default=1024, help="side of the independent GEMM")
    args = parser.parse_args()
    device = resolve_device(args.device)
    data = timing.as_dict(timing.profile_network(args.network, args.device, repeats=args.repeats))
    layers = data["whole"]["layers_forward_sum_s"]

    model = timing.randomise(build(spec(args.network).builder, device)).eval()
    x = torch.randn(tuple(data["input_shape"]), device=device)
    with torch.no_grad():
        whole = statistics.median(_seconds(device, lambda: model(x), args.repeats))
    n = args.gemm
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    gemm = 2 * n**3 / statistics.median(_seconds(device, lambda: a @ b, args.repeats))
    peak = data["machine"]["peak_flops"]

    ratio_time, ratio_peak = layers / whole, peak / gemm
    ok_time, ok_peak = 0.5 <= ratio_time <= 1.5, 0.25 <= ratio_peak <= 4
    m = data["machine"]
    print(f"## profile check: {args.network} on {m['name']} ({m['kind']}, {m['threads']} threads)\n")
    print("| check | profile | independent | ratio | bound | holds |\n|---|---|---|---|---|---|")
    print(
        f"| layers' sum against a whole forward | {layers * 1e3:.2f} ms | {whole * 1e3:.2f} ms | "
        f"{ratio_time:.2f} | 0.5–1.5 | {'yes' if ok_time else 'no'} |"
    )
    print(
        f"| measured peak against a {n}×{n} GEMM | {peak / 1e9:.1f} GFLOP/s | {gemm / 1e9:.1f} GFLOP/s | "
        f"{ratio_peak:.2f} | 0.25–4 | {'yes' if ok_peak else 'no'} |"
    )
    print(f"\nroofline cache: {roofline.cache_dir() / roofline.CACHE_FILE}; whole forward with hooks "
          f"×{data['whole']['overhead']:.2f} of the one without")  # fmt: skip
    return 0 if ok_time and ok_peak else 1


if __name__ == "__main__":
    sys.exit(main())
