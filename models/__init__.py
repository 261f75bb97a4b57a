"""The zoo: faithful PyTorch implementations of the classic CNNs, and their registry.

This package depends on torch only; it never imports archstats.
"""

from __future__ import annotations

from models import alexnet, lenet
from models.registry import DuplicateModelError, ModelSpec, PublishedFigure, Registry

REGISTRY = Registry()
for _spec in (*lenet.SPECS, *alexnet.SPECS):
    REGISTRY.register(_spec)

__all__ = ["REGISTRY", "DuplicateModelError", "ModelSpec", "PublishedFigure", "Registry"]
