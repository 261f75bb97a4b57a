"""Shared fixtures: each zoo network is traced once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from archstats.zoo import Report, report

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def zoo_report() -> object:
    cache: dict[str, Report] = {}

    def get(name: str) -> Report:
        if name not in cache:
            cache[name] = report(name, device="cpu")
        return cache[name]

    return get
