"""(to be written)"""

from __future__ import annotations

from models.registry import ModelSpec

SPECS: tuple[ModelSpec, ...] = ()
