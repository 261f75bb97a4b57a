"""AlexNet's two GPUs: what each tower holds and computes, and what crosses between them.

Krizhevsky et al. (2012, Sec. 3.2) put half of every layer's units on each GPU: "the
GPUs communicate only in certain layers". Each tower therefore owns half of each layer's
weights and does half of its multiply-adds. Where a layer reads units of both towers
(conv3, fc6, fc7 and fc8; conv2, conv4 and conv5 read only their own tower's maps), each
GPU sends its half of that layer's input to the other in the forward pass, and the
gradient of that half comes back in the backward pass. Every figure here is taken from
the watched training step.
"""

from __future__ import annotations

from dataclasses import dataclass

from archstats.training.cost import StepCost

COMMUNICATING = ("conv3", "fc6", "fc7", "fc8")  # Sec. 3.2 and Fig. 2: layers that read both towers
TOWERS = 2


@dataclass(frozen=True)
class Crossing:
    """Bytes one image sends between the GPUs at one layer (both directions together)."""

    layer: str
    forward: int  # activations: each GPU's half of the layer's input, sent to the other
    backward: int  # their gradients, sent back


@dataclass(frozen=True)
class TowerSplit:
    """One tower of AlexNet in a training step at the step's batch."""

    params: int  # per tower
    forward_macs: int  # per tower, per image
    backward_macs: int  # per tower, per image
    memory: int  # predicted peak bytes of one GPU at the step's batch
    crossings: tuple[Crossing, ...]

    @property
    def crossing_bytes(self) -> int:
        """Bytes per image that cross between the GPUs in one training step."""
        return sum(c.forward + c.backward for c in self.crossings)


def split(cost: StepCost, batch: int | None = None) -> TowerSplit:
    """AlexNet's step divided between its two towers.

    Each GPU holds half of the step's memory, plus the full input batch (conv1's two
    halves both read every pixel) and the other tower's half of every communicating
    layer's input, which it keeps for its own backward pass.

    Args:
        cost: a watched training step of the two-tower AlexNet.
        batch: the batch whose memory per tower to predict (default: the watched step's).

    Returns:
        One tower's params, work and memory, and the bytes that cross per image.
    """
    layers = {layer.name: layer for layer in cost.trace.layers}
    missing = [name for name in COMMUNICATING if name not in layers]
    if missing:
        raise ValueError(f"{cost.network} has no layer {missing[0]}: the two-tower split is AlexNet's")
    crossings = tuple(
        Crossing(name, layers[name].input_bytes // cost.batch, layers[name].input_bytes // cost.batch)
        for name in COMMUNICATING
    )
    at = cost.batch if batch is None else batch
    received = sum(layers[name].input_bytes for name in COMMUNICATING) * at // cost.batch // TOWERS
    peak = cost.memory.predicted_peak if at == cost.batch else cost.peak_at(at)
    memory = peak // TOWERS + cost.memory.input * at // cost.batch // TOWERS + received
    return TowerSplit(
        params=sum(layer.params for layer in cost.layers) // TOWERS,
        forward_macs=cost.forward // TOWERS,
        backward_macs=cost.backward // TOWERS,
        memory=memory,
        crossings=crossings,
    )
