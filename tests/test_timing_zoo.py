"""The zoo timed: the cited accuracies, the rank correlation, the claims and profile --all's files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from archstats import profile_zoo, roofline
from archstats.cli import main
from archstats.render.charts.zoo_time import accuracy_svg, source_kind, time_svg
from archstats.render.sections import zoo_timing
from archstats.roofline import Machine
from archstats_zoo import REGISTRY

ROOF = Machine(name="test machine", kind="cpu", peak_flops=100e9, bandwidth=10e9, threads=1, gemm_size=64,
               copy_bytes=1 << 20)  # fmt: skip


def test_every_cited_accuracy_names_a_zoo_network_and_a_source() -> None:
    cited = profile_zoo.load_accuracy()
    assert set(cited) <= set(REGISTRY.names())
    for name, acc in cited.items():
        assert 0 < acc.top1 < acc.top5 < 100, name
        assert acc.source and acc.protocol, name
    # Published figures: torchvision's ResNet18_Weights.IMAGENET1K_V1; TF-slim's VGG 16 table row.
    assert (cited["resnet-18"].top1, cited["resnet-18"].top5) == (69.758, 89.078)
    assert (cited["vgg-d"].top1, cited["vgg-d"].top5) == (71.5, 89.8)
    # Krizhevsky et al. 2012's abstract states errors of 37.5% and 17.0%.
    assert (cited["alexnet"].top1, cited["alexnet"].top5) == (100 - 37.5, 100 - 17.0)
    assert {source_kind(a.source) for a in cited.values()} == {"torchvision", "TF-slim", "paper"}


def test_ranks_and_spearman() -> None:
    assert profile_zoo.ranks([10.0, 30.0, 20.0, 20.0]) == [1.0, 4.0, 2.5, 2.5]
    assert profile_zoo.spearman([1, 2, 3, 4], [10, 20, 30, 1000]) == 1.0  # monotone, not linear
    assert profile_zoo.spearman([1, 2, 3], [3, 2, 1]) == -1.0
    assert math.isnan(profile_zoo.spearman([1, 2, 3], [5, 5, 5]))
    assert profile_zoo.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)


def _rows(times: list[float]) -> list[dict[str, object]]:
    return [
        {"network": f"n{i}", "multiply_adds": 10 ** (i + 3), "forward_s": t, "top1": None, "top5": None, "params": 1,
         "input_shape": [1, 3, 8, 8], "accuracy_source": None, "accuracy_protocol": None, "accuracy_note": None}
        for i, t in enumerate(times)
    ]  # fmt: skip


def test_claim_holds_when_time_follows_operations() -> None:
    machine = {"name": "m", "kind": "cpu", "threads": 1}
    reliable = profile_zoo.claims(_rows([1.0, 2.0, 3.0, 4.0, 5.0]), machine)[0]
    assert reliable["measured"] == 1.0 and reliable["verdict"] == "holds" and reliable["networks"] == 5
    assert "m (cpu, 1 threads)" in reliable["note"] and len(reliable["data"]) == 5
    # Times in the reverse order of the operations: rho = -1.
    reversed_ = profile_zoo.claims(_rows([5.0, 4.0, 3.0, 2.0, 1.0]), machine)[0]
    assert reversed_["measured"] == -1.0 and reversed_["verdict"] == "does not hold"


def test_zoo_figures_and_page() -> None:
    rows = _rows([1.0, 2.0, 3.0])
    assert accuracy_svg(rows) == ""  # no network has a cited accuracy
    assert time_svg(rows, "m").startswith("<svg")
    rows[0].update(top1=70.0, top5=90.0, accuracy_source="torchvision documentation", accuracy_protocol="single crop")
    zoo = {"machine": {"name": "m", "kind": "cpu", "threads": 1}, "networks": rows,
           "claims": profile_zoo.claims(rows, {"name": "m", "kind": "cpu", "threads": 1})}  # fmt: skip
    page = zoo_timing.page(zoo)
    assert page.count("<svg") == 2 and "reliable estimate of the inference time" in page
    assert 'href="n0.profile.html"' in page


def test_profile_all_writes_every_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ARCHSTATS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(roofline, "measure", lambda device, *a, **k: ROOF)
    monkeypatch.setattr(profile_zoo, "names", lambda: ["lenet5", "resnet-20", "resnet-32"])
    out = tmp_path / "out"
    out.mkdir()
    code = main(["profile", "--all", "--out", str(out), "--device", "cpu", "--repeats", "2", "--warmup", "0"])
    stdout, err = capsys.readouterr()
    assert code == 0 and "wrote 3 profiles" in err
    names = {p.name for p in out.iterdir()}
    assert {"profile.json", "profile.html", "lenet5.profile.json", "resnet-32.profile.html"} <= names
    zoo = json.loads((out / "profile.json").read_text())
    assert [r["network"] for r in zoo["networks"]] == ["lenet5", "resnet-20", "resnet-32"]
    assert zoo["machine"]["name"] == "test machine"
    claim = zoo["claims"][0]
    assert claim["networks"] == 3 and claim["verdict"] in {"holds", "does not hold"}
    assert claim["verdict"] in stdout


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--all"], "--out DIR"),
        (["--all", "lenet5", "--out", "."], "drop NAME"),
        (["--all", "--out", ".", "--json", "x"], "--json"),
        (["--all", "--out", "/nonexistent/dir"], "does not exist"),
    ],
)
def test_profile_all_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    assert main(["profile", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1
