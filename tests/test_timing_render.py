"""The time section and its figures: drawn from finished data, with no torch in the render path."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from torch import nn

from archstats import roofline, timing
from archstats.analysis import analyze
from archstats.cli import main
from archstats.render.charts.roofline import roofline_svg, shares_svg
from archstats.render.sections import timing as section
from archstats.roofline import Machine
from tests.test_imports import imported_after

ROOF = Machine(name="test machine", kind="cpu", peak_flops=100e9, bandwidth=10e9, threads=1, gemm_size=64,
               copy_bytes=1 << 20)  # fmt: skip


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
    return timing.as_dict(timing.profile_model(model, analyze(model, (1, 3, 8, 8), "cpu"), ROOF, 2, 1))


def test_page_has_the_section_and_both_figures(data: dict[str, Any]) -> None:
    page = section.page(data)
    assert "Where the time goes" in page and "test machine" in page
    assert page.count("<svg") == 2 and "<script" not in page
    assert "lower bound" in page
    # One row per timed layer (four here, fewer than the table's limit).
    assert len(re.findall(r'<tr><td><span class="name">', page)) == len(data["layers"]) == 4


def test_a_layer_name_is_escaped(data: dict[str, Any]) -> None:
    changed = copy.deepcopy(data)
    changed["layers"][0]["name"] = "<b>x</b>"
    assert "&lt;b&gt;x&lt;/b&gt;" in section.page(changed)


def test_no_flops_no_roofline(data: dict[str, Any]) -> None:
    changed = copy.deepcopy(data)
    for row in changed["layers"]:
        row["flops"] = 0
    assert roofline_svg(changed) == "" and shares_svg(changed) != ""


def test_the_render_path_imports_no_torch() -> None:
    imported = imported_after("import archstats.render.sections.timing, archstats.render.charts.roofline")
    assert "torch" not in imported


def test_cli_writes_the_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ARCHSTATS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(roofline, "measure", lambda device, *a, **k: ROOF)
    page, js = tmp_path / "p.html", tmp_path / "p.json"
    argv = ["profile", "lenet5", "--device", "cpu", "--repeats", "2", "--warmup", "0"]
    assert main([*argv, "--html", str(page), "--json", str(js)]) == 0
    out, err = capsys.readouterr()
    assert "Where the time goes" in page.read_text() and json.loads(js.read_text())["network"] == "lenet5"
    assert "wrote HTML" in err and "wrote JSON" in err and "test machine" in out
    assert main([*argv, "--html", "-", "--json", "-"]) == 2
    assert "only one of" in capsys.readouterr().err


def test_a_train_profile_shows_the_backward_column() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
    data = timing.as_dict(timing.profile_model(model, analyze(model, (1, 3, 8, 8), "cpu"), ROOF, 2, 1, train=True))
    page = section.page(data)
    assert '<th class="num">backward ms</th>' in page
