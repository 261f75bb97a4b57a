"""The zoo: faithful PyTorch implementations of the classic CNNs, and their registry.

This package depends on torch only; it never imports archstats.
"""

from __future__ import annotations

from models import alexnet, googlenet, inception, lenet, resnet, vgg
from models.registry import DuplicateModelError, ModelSpec, PublishedFigure, Registry

REGISTRY = Registry()
for _family in (lenet, alexnet, vgg, googlenet, inception, resnet):
    for _spec in _family.SPECS:
        REGISTRY.register(_spec)

__all__ = ["REGISTRY", "DuplicateModelError", "ModelSpec", "PublishedFigure", "Registry"]
