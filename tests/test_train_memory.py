"""Memory of a training step: closed forms for state and saved tensors, prediction against measurement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from archstats.training import train_network
from archstats.training.cost import measure_step
from archstats.training.towers import split

ROOT = Path(__file__).resolve().parents[1]
ALEXNET_PARAMS = 60_965_224  # Krizhevsky et al. 2012's layer shapes, as the zoo's tests derive them


@pytest.mark.parametrize(("optimizer", "buffers"), [("sgd", 0), ("momentum", 1), ("adam", 2)])
def test_optimizer_state(optimizer: str, buffers: int) -> None:
    cost = train_network("alexnet", 1, optimizer, device="cpu")
    assert cost.memory.weights == cost.memory.gradients == 4 * ALEXNET_PARAMS
    assert cost.memory.optimizer_state == buffers * 4 * ALEXNET_PARAMS


def _tiny(device: torch.device) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3),  # N x 8 x 30 x 30
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),  # N x 8 x 15 x 15
        nn.Flatten(),
        nn.Linear(8 * 15 * 15, 10),
    ).to(device)


def test_saved_tensors_closed_form() -> None:
    n = 4
    cost = measure_step("tiny", _tiny, (1, 3, 32, 32), n)
    conv_out = n * 8 * 30 * 30 * 4  # saved once: by the in-place ReLU and by max-pool (its input)
    indices = n * 8 * 15 * 15 * 8  # max-pool's int64 indices
    pooled = n * 8 * 15 * 15 * 4  # the linear layer's input, through Flatten's view
    assert cost.memory.saved == conv_out + indices + pooled
    assert cost.memory.input == n * 3 * 32 * 32 * 4  # the batch, reported apart though conv saves it
    layers = {layer.name: layer for layer in cost.layers}
    assert layers["0"].input_grad == 0 and layers["0"].weight_grad == 8 * 30 * 30 * 27


def test_largest_batch_is_the_boundary() -> None:
    cost = train_network("alexnet", 2, "momentum", device="cpu")
    capacity = 3 * 2**30
    largest = cost.largest_batch(capacity)
    assert cost.peak_at(largest) <= capacity < cost.peak_at(largest + 1)
    # Everything but the weights, their gradients and the state grows with the batch.
    fixed = cost.memory.weights + cost.memory.gradients + cost.memory.optimizer_state
    assert cost.peak_at(10) - fixed < cost.peak_at(20) - fixed


def test_alexnet_towers() -> None:
    tower = split(train_network("alexnet", 2, "momentum", device="cpu"))
    assert tower.params == ALEXNET_PARAMS // 2
    # Each GPU sends its half of the input of conv3 (pool2: 256 x 13 x 13), fc6 (256 x 6 x 6),
    # fc7 and fc8 (4096 each) to the other, and the gradients come back: float32.
    assert [(c.layer, c.forward) for c in tower.crossings] == [
        ("conv3", 256 * 13 * 13 * 4), ("fc6", 256 * 6 * 6 * 4), ("fc7", 4096 * 4), ("fc8", 4096 * 4),
    ]  # fmt: skip
    assert tower.crossing_bytes == 2 * 4 * (256 * 13 * 13 + 256 * 6 * 6 + 4096 + 4096)


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc to read the peak")
def test_predicted_peak_within_ten_percent_of_measured() -> None:
    # A fresh interpreter, so that no earlier test's memory sits in the process.
    done = subprocess.run(
        [sys.executable, "-m", "archstats.cli", "train", "resnet-20", "--batch", "64", "--device", "cpu", "--json", "-"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    memory = json.loads(done.stdout)["memory"]
    assert memory["measured_peak"] is not None
    assert memory["measured_peak"] == pytest.approx(memory["predicted_peak"], rel=0.10)
