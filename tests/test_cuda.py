"""On a CUDA device every count equals the CPU's (skipped where there is no CUDA)."""

from __future__ import annotations

import pytest
import torch

from archstats.analysis import as_dict
from archstats.zoo import analyze_network
from archstats_zoo import REGISTRY

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine"),
]


@pytest.mark.parametrize("name", REGISTRY.names())
def test_cuda_counts_equal_cpu_counts(name: str) -> None:
    cpu = as_dict(analyze_network(name, device="cpu"))
    cuda = as_dict(analyze_network(name, device="cuda"))
    assert cuda["device"].startswith("cuda")
    for data in (cpu, cuda):
        data.pop("device")
    assert cuda == cpu
