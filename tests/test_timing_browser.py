"""The time pages as a reader sees them: loaded in headless Chromium with a silent console, laid out within A4."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from torch import nn

from archstats import profile_zoo, timing
from archstats.analysis import analyze
from archstats.render.sections import timing as section
from archstats.render.sections import zoo_timing
from archstats.roofline import Machine
from tests import chromium
from tests.test_browser import A4_MM, Tools, browser, tools

pytestmark = pytest.mark.browser
__all__ = ["browser", "tools"]  # the fixtures, shared with the handouts' browser tests

ROOF = Machine(name="test machine", kind="cpu", peak_flops=100e9, bandwidth=10e9, threads=1, gemm_size=64,
               copy_bytes=1 << 20)  # fmt: skip


def _profile() -> dict[str, Any]:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
    return timing.as_dict(timing.profile_model(model, analyze(model, (1, 3, 8, 8), "cpu"), ROOF, 2, 1, train=True))


def _zoo(data: dict[str, Any]) -> dict[str, Any]:
    rows = [profile_zoo.row({**data, "network": name}, 1000, profile_zoo.load_accuracy().get(name))
            for name in ("resnet-18", "vgg-d", "alexnet")]  # fmt: skip
    return {"machine": data["machine"], "networks": rows, "claims": profile_zoo.claims(rows, data["machine"])}


@pytest.mark.parametrize("kind", ["profile", "zoo"])
def test_time_page_loads_silently_and_fits_a4(
    tools: Tools, browser: chromium.Browser, tmp_path: Path, kind: str
) -> None:
    data = _profile()
    html = tmp_path / f"{kind}.html"
    html.write_text(section.page(data) if kind == "profile" else zoo_timing.page(_zoo(data)), encoding="utf-8")
    page = browser.load(html)
    assert page.messages == []
    overflow = browser.overflow(A4_MM[0])
    assert overflow.elements == [], f"{overflow.scroll_width_px} px wide, A4 holds {overflow.width_px} px"
