"""archstats: what a neural network costs, layer by layer, checked against the papers.

>>> from archstats import analyze
>>> analysis = analyze(my_model, (1, 3, 224, 224), device="cpu")
>>> analysis.totals.params, analysis.dataframe()
>>> analyze(my_lm, [InputSpec((1, 128), "int64")], device="meta")  # token ids, nothing allocated
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archstats.analysis import Analysis, InputSpec, Layer, Totals, analyze
    from archstats.columns import DEFINITIONS
    from archstats.ledger import Claim, Verdict

__version__ = "0.1.0"

__all__ = ["DEFINITIONS", "Analysis", "Claim", "InputSpec", "Layer", "Totals", "Verdict", "__version__", "analyze"]

# Imported on first use, so that `archstats --help` and a usage error do not wait for torch.
_LAZY = {
    "DEFINITIONS": "archstats.columns",
    "Analysis": "archstats.analysis",
    "InputSpec": "archstats.analysis",
    "Layer": "archstats.analysis",
    "Totals": "archstats.analysis",
    "analyze": "archstats.analysis",
    "Claim": "archstats.ledger",
    "Verdict": "archstats.ledger",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'archstats' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
