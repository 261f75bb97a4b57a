"""What training costs: a real training step counted and measured, and what it implies."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archstats.training.cost import StepCost


def train_network(
    name: str,
    batch: int,
    optimizer: str = "sgd",
    dtype: str = "float32",
    device: str = "cpu",
    measure: bool = True,
) -> StepCost:
    """Count and measure one training step of the zoo network ``name``.

    Args:
        name: a zoo network.
        batch: the batch size.
        optimizer: ``sgd``, ``momentum`` or ``adam``.
        dtype: the weights' and the batch's dtype (``float32`` ...).
        device: ``cpu``, ``cuda`` or ``auto``.
        measure: whether to measure the step's peak (on the CPU this changes how the process
            allocates for the rest of its life; see :func:`archstats.training.run.step`).

    Returns:
        The step's cost per layer and in total, and its memory predicted and measured.
    """
    import torch

    from archstats import zoo
    from archstats.analysis import materialize, resolve_device
    from archstats.training.cost import measure_step

    spec = zoo.spec(name)

    def build(dev: torch.device) -> torch.nn.Module:
        with torch.device("meta"):
            model = spec.builder()  # storage comes once the device is known, without initialisation
        return materialize(model, dev)

    return measure_step(name, build, spec.input_shape, batch, optimizer, dtype, resolve_device(device), measure)
