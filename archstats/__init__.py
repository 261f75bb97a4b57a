"""archstats: what a neural network costs, layer by layer, checked against the papers.

>>> from archstats import analyze
>>> analysis = analyze(my_model, (1, 3, 224, 224), device="cpu")
>>> analysis.totals.params, analysis.dataframe()
"""

from __future__ import annotations

from archstats.analysis import DEFINITIONS, Analysis, Layer, Totals, analyze
from archstats.ledger import Claim, Verdict

__version__ = "0.1.0"

__all__ = ["DEFINITIONS", "Analysis", "Claim", "Layer", "Totals", "Verdict", "__version__", "analyze"]
