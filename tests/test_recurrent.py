"""nn.LSTM, GRU and RNN: multiply-adds, neurons and connections per step, against closed forms.

Closed forms (archstats.rules.recurrent): per step each gate forms ``hidden`` sums over the
layer's input and its recurrent state, ``hidden·(in + hidden)`` multiply-adds; LSTM 4 gates,
GRU 3, RNN 1; ``proj_size`` adds ``hidden·proj`` and narrows the recurrent state to ``proj``.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import archstats
from archstats import conventions
from archstats.engines import run


def test_two_layer_lstm_over_20_steps() -> None:
    counted = run(nn.LSTM(32, 64, num_layers=2), torch.zeros(20, 1, 32))  # (steps, batch, features)
    assert counted.macs[""] == {"lstm": 20 * (4 * 64 * (32 + 64) + 4 * 64 * (64 + 64))}


@pytest.mark.parametrize("batch_first", [False, True])
def test_gru_batch_first_or_not(batch_first: bool) -> None:
    steps, batch = 7, 3
    shape = (batch, steps, 10) if batch_first else (steps, batch, 10)
    counted = run(nn.GRU(10, 20, batch_first=batch_first), torch.zeros(shape))
    assert counted.macs[""] == {"gru": batch * steps * 3 * 20 * (10 + 20)}


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_bidirectional_rnn(nonlinearity: str) -> None:
    counted = run(nn.RNN(10, 20, num_layers=2, bidirectional=True, nonlinearity=nonlinearity), torch.zeros(5, 1, 10))
    # layer 2 reads both directions of layer 1: 2·20 features
    assert counted.macs[""] == {"rnn": 5 * 2 * (20 * (10 + 20) + 20 * (2 * 20 + 20))}


def test_bidirectional_lstm_with_projection() -> None:
    lstm = nn.LSTM(8, 16, num_layers=2, bidirectional=True, proj_size=4, batch_first=True)
    counted = run(lstm, torch.zeros(1, 5, 8))
    layer1 = 4 * 16 * (8 + 4) + 16 * 4
    layer2 = 4 * 16 * (2 * 4 + 4) + 16 * 4
    assert counted.macs[""] == {"lstm": 5 * 2 * (layer1 + layer2)}


class Packed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(6, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, torch.tensor([5, 3]))  # two sequences of 5 and 3 steps
        out: torch.Tensor = self.lstm(packed)[1][0]
        return out


def test_a_packed_sequence_counts_the_steps_each_sequence_runs() -> None:
    counted = run(Packed(), torch.zeros(5, 2, 6))
    assert counted.macs["lstm"] == {"lstm": (5 + 3) * 4 * 8 * (6 + 8)}


def test_lstm_neurons_and_connections_per_step() -> None:
    steps = 20
    analysis = archstats.analyze(nn.LSTM(32, 64, batch_first=True), (1, steps, 32), device="cpu")
    layer = analysis.layers[0]
    assert layer.neurons == steps * 4 * 64  # the gate units of every step
    assert layer.connections == steps * 4 * 64 * (32 + 64 + 1)  # fan-in plus one bias link
    assert layer.multiply_adds == steps * 4 * 64 * (32 + 64)
    figures = conventions.figures(analysis)
    assert figures["fvcore"] == 0  # fvcore has no handle for recurrent cells
    assert figures["flops"] == 2 * figures["macs"]
