"""Shared fixtures: each zoo network is traced once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from archstats.analysis import Analysis
from archstats.zoo import Report, report

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def zoo_report() -> object:
    cache: dict[str, Report] = {}
    traces: dict[str, Analysis] = {}  # shared by claims that compare networks

    def get(name: str) -> Report:
        if name not in cache:
            cache[name] = report(name, device="cpu", cache=traces)
        return cache[name]

    return get
