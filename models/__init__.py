"""The zoo: faithful PyTorch implementations of the classic CNNs, and their registry.

This package depends on torch only; it never imports archstats. Its folder is ``models/``
and it installs as ``archstats_zoo``, so that a user's own ``models`` module is never
shadowed; its modules import each other relatively, whatever the name.
"""

from __future__ import annotations

from . import alexnet, googlenet, inception, lenet, resnet, vgg
from .registry import DuplicateModelError, ModelSpec, PublishedFigure, Registry

REGISTRY = Registry()
for _family in (lenet, alexnet, vgg, googlenet, inception, resnet):
    for _spec in _family.SPECS:
        REGISTRY.register(_spec)

__all__ = ["REGISTRY", "DuplicateModelError", "ModelSpec", "PublishedFigure", "Registry"]
