"""A training step's figures as finished data: the JSON record and the terminal text.

Everything here is computed from a watched step (:class:`~archstats.training.cost.StepCost`);
renderers take the record and import nothing that traces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archstats.training import data
from archstats.training.cost import StepCost

DEFINITIONS: Mapping[str, str] = {
    "multiply_adds": "multiply-accumulates of the weighted ops (convolutions, linear maps, matrix products), "
    "no bias; per sample unless said per batch",
    "input_grad": "multiply-adds of the gradient a layer passes to its input (none for a layer whose input "
    "needs no gradient, as the network's first)",
    "weight_grad": "multiply-adds of the gradient of a layer's weights: a grouped convolution's costs its forward",
    "flops": "2 per multiply-add",
    "saved": "bytes of the storages autograd keeps for backward, each storage once (in-place results, views "
    "and max-pool indices as stored), the weights and the input batch apart",
    "optimizer_state": "SGD none; momentum one buffer per weight; Adam two",
    "predicted_peak": "weights, buffers, optimizer state and input, with the saved storages still needed, the "
    "weight gradients made so far and the gradients in flight, at the worst layer of the backward pass",
    "pf_days": "10^15 FLOP/s for a day: 8.64e19 FLOP",
}


_RESOLUTION = 64 * 2**20  # below this, a CPU step's peak is lost in the resident set's own noise


@dataclass(frozen=True)
class Hardware:
    """A GPU to size the step against: its memory, peak and an assumed utilization."""

    name: str
    memory: int | None  # bytes
    peak: float | None  # FLOP/s
    utilization: float
    source: str


@dataclass(frozen=True)
class Recipe:
    """Samples a whole training sees, and where the figure comes from."""

    samples: int
    epochs: float
    images: int
    source: str


def recipe_for(network: str, epochs: float | None, images: int | None) -> Recipe | None:
    """The paper's recipe, with ``--epochs`` and ``--images`` taking precedence; ``None`` if neither is known."""
    paper = data.RECIPES.get(network)
    if paper is None and (epochs is None or images is None):
        return None
    e = epochs if epochs is not None else paper.epochs if paper else 0.0
    n = images if images is not None else paper.images if paper else 0
    if paper is not None and epochs is None and images is None:
        return Recipe(paper.samples, paper.epochs, paper.images, f'{paper.source}: "{paper.quote}"')
    return Recipe(round(e * n), e, n, "given on the command line" if paper is None else f"{paper.source}, as changed")


def _layers(cost: StepCost) -> list[dict[str, Any]]:
    return [
        {
            "name": layer.name, "type": layer.type, "forward_macs": layer.forward,
            "input_grad_macs": layer.input_grad, "weight_grad_macs": layer.weight_grad, "params": layer.params,
            "weights_bytes": layer.weights, "gradient_bytes": layer.gradients,
            "optimizer_state_bytes": layer.optimizer_state, "saved_bytes": layer.saved,
        }
        for layer in cost.layers
    ]  # fmt: skip


def _memory(cost: StepCost) -> dict[str, Any]:
    m, measured = cost.memory, cost.measured
    record: dict[str, Any] = {
        "weights": m.weights, "buffers": m.buffers, "gradients": m.gradients,
        "optimizer_state": m.optimizer_state, "saved_for_backward": m.saved, "input_batch": m.input,
        "predicted_peak": m.predicted_peak, "peak_at": m.peak_at,
        "measured_peak": measured.peak, "measured_how": measured.how,
    }  # fmt: skip
    if measured.peak is not None:
        gap = measured.peak - m.predicted_peak
        record["difference"] = gap
        record["difference_ratio"] = gap / m.predicted_peak
        record["difference_explained"] = (
            "the prediction counts tensors alone; the measurement adds what the device keeps besides: "
            "kernel workspaces and temporaries inside an op, the allocator's rounding and, on the CPU, "
            "the process's own heap"
        )
        if cost.device == "cpu" and m.predicted_peak < _RESOLUTION:
            record["difference_explained"] += (
                "; a step this small is below what the resident set resolves (pages, the runtime's own "
                "caches): compare at a larger batch"
            )
    return record


def _compute(cost: StepCost, recipe: Recipe, hardware: Hardware | None) -> dict[str, Any]:
    flop = float(cost.step_flops) * recipe.samples
    record: dict[str, Any] = {
        "samples": recipe.samples, "epochs": recipe.epochs, "images": recipe.images, "source": recipe.source,
        "step_flops_per_sample": cost.step_flops, "training_flop": flop, "pf_days": data.pf_days(flop),
    }  # fmt: skip
    if hardware is not None and hardware.peak is not None:
        record["gpu_days"] = data.gpu_days(flop, hardware.peak, hardware.utilization)
    return record


def _hardware(cost: StepCost, hardware: Hardware) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": hardware.name, "memory": hardware.memory, "peak_flops": hardware.peak,
        "utilization": hardware.utilization, "source": hardware.source,
    }  # fmt: skip
    if hardware.memory is not None:
        record["largest_batch"] = cost.largest_batch(hardware.memory)
        record["fits_batch"] = cost.memory.predicted_peak <= hardware.memory
    return record


def _towers(cost: StepCost) -> dict[str, Any] | None:
    if cost.network != "alexnet":
        return None
    from archstats.training.towers import split

    tower = split(cost)
    return {
        "params_per_tower": tower.params, "forward_macs_per_tower": tower.forward_macs,
        "backward_macs_per_tower": tower.backward_macs, "memory_per_tower": tower.memory,
        "crossings": [{"layer": c.layer, "forward_bytes": c.forward, "backward_bytes": c.backward}
                      for c in tower.crossings],
        "crossing_bytes_per_image": tower.crossing_bytes,
    }  # fmt: skip


def record(cost: StepCost, recipe: Recipe | None, hardware: Hardware | None) -> dict[str, Any]:
    """Everything the step shows, as the JSON record (and the handout's data).

    Args:
        cost: the watched step.
        recipe: the training to price, or ``None``.
        hardware: the GPU to size against, or ``None``.

    Returns:
        A JSON-ready dict.
    """
    from archstats.training import claims

    verdicts = claims.verdicts(cost)
    return {
        "network": cost.network, "device": cost.device, "dtype": cost.dtype, "batch": cost.batch,
        "input_shape": list(cost.input_shape), "optimizer": cost.optimizer, "definitions": dict(DEFINITIONS),
        "totals": {
            "forward_macs_per_sample": cost.forward, "input_grad_macs_per_sample": cost.input_grad,
            "weight_grad_macs_per_sample": cost.weight_grad, "backward_macs_per_sample": cost.backward,
            "backward_forward_ratio": cost.ratio, "forward_macs_per_batch": cost.forward * cost.batch,
            "backward_macs_per_batch": cost.backward * cost.batch, "step_flops_per_sample": cost.step_flops,
            "step_flops_per_batch": cost.step_flops * cost.batch,
        },
        "memory": _memory(cost),
        "layers": _layers(cost),
        "compute": _compute(cost, recipe, hardware) if recipe is not None else None,
        "hardware": _hardware(cost, hardware) if hardware is not None else None,
        "towers": _towers(cost),
        "claims": [
            {"id": v.claim.id, "source": v.claim.source, "quote": v.claim.quote, "quantity": v.claim.measure,
             "expected": v.claim.expected, "measured": v.measured, "verdict": v.status, "ok": v.ok,
             "note": v.explanation}
            for v in verdicts
        ],
    }  # fmt: skip
