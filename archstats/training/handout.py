"""What training costs, gathered for a zoo network's handout: finished data, before anything is rendered.

A handout does not run a step at the paper's batch (VGG's 256 images would need tens of
gigabytes and minutes): it watches one real step at :data:`WATCHED_BATCH` and scales the
parts that grow with the batch (saved activations, the input, the gradients in flight) to
the paper's batch, as ``archstats train`` predicts the peak at another batch. The work
per sample does not depend on the batch. The record is the one ``train --json`` writes,
with its batch-sized figures at the paper's batch and ``watched_batch`` saying where
they were counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archstats.training import data

if TYPE_CHECKING:
    from archstats.training.cost import StepCost

WATCHED_BATCH = 2  # BatchNorm in training needs two values per channel on a 1x1 map
DEFAULT_BATCH = 32  # ``archstats train``'s default, where no recipe is recorded
DEFAULT_OPTIMIZER = "momentum"


def paper_batch(name: str) -> tuple[int, str, str]:
    """The batch and optimizer of the paper's recipe, and where they come from.

    Returns:
        (batch, optimizer, source); ``train``'s defaults where no recipe is recorded.
    """
    recipe = data.RECIPES.get(name)
    if recipe is None:
        return DEFAULT_BATCH, DEFAULT_OPTIMIZER, "no recipe is recorded: train's default batch, SGD with momentum"
    return recipe.batch, recipe.optimizer, recipe.source


def _scale(value: int, batch: int, watched: int) -> int:
    return value * batch // watched


def _memory(cost: StepCost, batch: int) -> dict[str, Any]:
    m = cost.memory
    return {
        "weights": m.weights, "buffers": m.buffers, "gradients": m.gradients, "optimizer_state": m.optimizer_state,
        "saved_for_backward": _scale(m.saved, batch, cost.batch), "input_batch": _scale(m.input, batch, cost.batch),
        "predicted_peak": cost.peak_at(batch), "peak_at": cost.peak_place_at(batch),
        "measured_peak": None,
        "measured_how": f"not measured at batch {batch}: the step was watched at batch {cost.batch} and its "
        "batch-sized parts scaled (archstats train NAME --batch B measures one)",
    }  # fmt: skip


def at_batch(cost: StepCost, batch: int, source: str) -> dict[str, Any]:
    """The ``train --json`` record of a watched step, its batch-sized figures scaled to ``batch``.

    Args:
        cost: a step watched at a small batch.
        batch: the batch to show (the paper's).
        source: where that batch comes from.

    Returns:
        A JSON-ready dict: the record, with ``watched_batch`` and ``batch_source`` added.
    """
    from archstats.training.report import recipe_for, record

    result = record(cost, recipe_for(cost.network, None, None), None)
    result["batch"], result["watched_batch"], result["batch_source"] = batch, cost.batch, source
    result["input_shape"] = [batch, *cost.input_shape[1:]]
    totals = result["totals"]
    totals["forward_macs_per_batch"] = cost.forward * batch
    totals["backward_macs_per_batch"] = cost.backward * batch
    totals["step_flops_per_batch"] = cost.step_flops * batch
    result["memory"] = _memory(cost, batch)
    for layer in result["layers"]:
        layer["saved_bytes"] = _scale(layer["saved_bytes"], batch, cost.batch)
    if result["towers"] is not None:
        from archstats.training.towers import split

        result["towers"]["memory_per_tower"] = split(cost, batch).memory
    return result


def gather(name: str, device: str = "cpu") -> dict[str, Any]:
    """The "What training costs" record of the zoo network ``name`` for its handout.

    Args:
        name: a zoo network.
        device: where the handout was traced (``cpu``, ``cuda``, ``auto`` or ``meta``).

    Returns:
        The record of :func:`at_batch` at the paper's batch, or ``{"network": name, "skipped": sentence}``
        where no step can run (``meta``, or a network that fails in training mode).
    """
    from archstats.training import train_network
    from archstats.training.cost import TrainingError

    if device == "meta":
        return {"network": name, "skipped": "Not shown with --device meta: a training step needs real tensors."}
    batch, optimizer, source = paper_batch(name)
    try:
        cost = train_network(name, WATCHED_BATCH, optimizer, device=device, measure=False)
    except TrainingError as error:
        return {"network": name, "skipped": f"Not shown: {error}."}
    return at_batch(cost, batch, source)
