"""Recurrent layers (``nn.RNN``, ``nn.GRU``, ``nn.LSTM``): the gates' matrix products per step.

At every step each gate of a layer forms ``hidden`` weighted sums of the layer's input
(``in`` features) and of its previous hidden state (``hidden`` features, or ``proj`` with
``proj_size``): ``hidden·(in + hidden)`` multiply-adds per gate and step. An LSTM has 4
gates (input, forget, cell, output), a GRU 3 (reset, update, new), an Elman RNN 1. With
``proj_size`` the LSTM's hidden state is projected: ``hidden·proj`` more per step, and
the recurrent input is ``proj`` wide. Layer ``l > 0`` reads the previous layer's output
(``hidden`` or ``proj``, twice that when bidirectional); a bidirectional layer runs both
directions. The biases, the gates' nonlinearities and their elementwise products are not
multiply-adds. Steps times batch elements (``tokens``) multiplies everything; a packed
sequence counts the steps each sequence runs. fvcore has no handle for recurrent cells:
the count belongs to ``macs``, ``flops`` and ``flops-all``, not ``fvcore``.
"""

from __future__ import annotations

from archstats.rules.table import MULTIPLY_ADD, register

MATRIX_PRODUCTS = ("macs", "flops", "flops-all")
GATES = {"aten::lstm": 4, "aten::gru": 3, "aten::rnn_tanh": 1, "aten::rnn_relu": 1}


def recurrent_macs(
    gates: int, tokens: int, input_size: int, hidden: int, num_layers: int = 1,
    bidirectional: bool = False, proj_size: int = 0,
) -> int:  # fmt: skip
    """Σ over layers and directions of gates·hidden·(in + recurrent) + hidden·proj, times steps × batch."""
    out = proj_size or hidden
    directions = 2 if bidirectional else 1
    per_token = 0
    for layer in range(num_layers):
        layer_in = input_size if layer == 0 else out * directions
        per_token += directions * (gates * hidden * (layer_in + out) + hidden * proj_size)
    return tokens * per_token


@register("aten::lstm", key="lstm", category=MULTIPLY_ADD, conventions=MATRIX_PRODUCTS, label="LSTM gates")
def lstm_macs(
    tokens: int, input_size: int, hidden: int, num_layers: int = 1, bidirectional: bool = False, proj_size: int = 0
) -> int:
    """LSTM: 4 gates, each hidden·(in + hidden) per step; proj_size adds hidden·proj."""
    return recurrent_macs(4, tokens, input_size, hidden, num_layers, bidirectional, proj_size)


@register("aten::gru", key="gru", category=MULTIPLY_ADD, conventions=MATRIX_PRODUCTS, label="GRU gates")
def gru_macs(
    tokens: int, input_size: int, hidden: int, num_layers: int = 1, bidirectional: bool = False, proj_size: int = 0
) -> int:
    """GRU: 3 gates, each hidden·(in + hidden) per step."""
    return recurrent_macs(3, tokens, input_size, hidden, num_layers, bidirectional, proj_size)


@register("aten::rnn_tanh", "aten::rnn_relu", key="rnn", category=MULTIPLY_ADD, conventions=MATRIX_PRODUCTS,
          label="RNN cells")  # fmt: skip
def rnn_macs(
    tokens: int, input_size: int, hidden: int, num_layers: int = 1, bidirectional: bool = False, proj_size: int = 0
) -> int:
    """Elman RNN: 1 gate, hidden·(in + hidden) per step."""
    return recurrent_macs(1, tokens, input_size, hidden, num_layers, bidirectional, proj_size)
