"""A training step on CUDA: the same counts as on the CPU, the allocator's peak near the prediction."""

from __future__ import annotations

import pytest
import torch

from archstats.training import train_network

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine"),
]


@pytest.mark.parametrize("name", ["alexnet", "resnet-50"])
def test_cuda_step(name: str) -> None:
    cpu = train_network(name, 2, "momentum", device="cpu")
    cuda = train_network(name, 32, "momentum", device="cuda")
    assert cuda.device.startswith("cuda")
    assert (cuda.forward, cuda.input_grad, cuda.weight_grad) == (cpu.forward, cpu.input_grad, cpu.weight_grad)
    assert cuda.measured.peak is not None
    assert cuda.measured.peak == pytest.approx(cuda.memory.predicted_peak, rel=0.10)
