"""The engines that count a forward pass's MACs, and the one list of their names.

``dispatch`` (the default, :mod:`archstats.engines.dispatch`) counts the calls of a plain
forward pass; ``fvcore`` (:mod:`archstats.engines.fvcore`) runs fvcore's ``torch.jit``
trace. Both read the rules of :mod:`archstats.rules` and give the same figures. This
module imports neither (nor torch): the command line reads :data:`ENGINES` before any
model runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch import nn

    from archstats.trace.forward import RunTrace

ENGINES: tuple[str, ...] = ("dispatch", "fvcore")
DEFAULT = "dispatch"


def run(model: nn.Module, x: torch.Tensor, engine: str = DEFAULT, extra: Sequence[torch.Tensor] = ()) -> RunTrace:
    """Run ``model`` once on ``x`` under the recorder, counting its MACs with ``engine``.

    Args:
        model: the network, in the mode (train or eval) to count.
        x: its input, batch first; receptive fields are those of its spatial dimensions.
        engine: one of :data:`ENGINES`.
        extra: the forward's further positional inputs (a mask, a second sequence).

    Returns:
        Each module's own record, MACs by operator key and uncounted ops.

    Raises:
        ForwardError: the forward pass itself failed; names the innermost running module.
        ValueError: ``engine`` is not one of :data:`ENGINES`.
    """
    if engine == "dispatch":
        from archstats.engines import dispatch

        return dispatch.run(model, x, extra)
    if engine == "fvcore":
        from archstats.engines import fvcore  # fvcore is imported only for this engine

        return fvcore.run(model, x, extra)
    raise ValueError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
