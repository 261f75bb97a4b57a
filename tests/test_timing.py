"""Measured time per layer: structure and internal consistency, never an absolute time."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch import nn

from archstats import roofline, timing
from archstats.analysis import analyze
from archstats.cli import main
from archstats.roofline import Machine

# A made-up roof with round figures: 100 GFLOP/s, 10 GB/s, so the ridge is at 10 FLOP/byte.
ROOF = Machine(name="test machine", kind="cpu", peak_flops=100e9, bandwidth=10e9, threads=1)


@pytest.fixture(autouse=True)
def fixed_roof(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test measures the machine unless it asks to: the cache lives in tmp_path, measure() returns ROOF."""
    monkeypatch.setenv("ARCHSTATS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(roofline, "measure", lambda device, *a, **k: ROOF)
    yield


def test_roof_formulas() -> None:
    assert ROOF.ridge == 10.0
    assert roofline.roof(1.0, ROOF) == 10e9  # left of the ridge: intensity x bandwidth
    assert roofline.roof(50.0, ROOF) == 100e9  # right of it: the peak
    assert roofline.bound(9.9, ROOF) == "memory" and roofline.bound(10.0, ROOF) == "compute"
    assert roofline.roof_seconds(100e9, 1e9, ROOF) == 1.0  # compute-limited: 1 s at the peak
    assert roofline.roof_seconds(1e9, 10e9, ROOF) == 1.0  # memory-limited: 1 s at the bandwidth


def _conv_profile(repeats: int = 2, train: bool = False) -> timing.Profile:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
    analysis = analyze(model, (2, 3, 8, 8), "cpu")
    return timing.profile_model(model, analysis, ROOF, repeats=repeats, warmup=1, train=train)


def test_conv_counts_bytes_and_intensity() -> None:
    data = timing.as_dict(_conv_profile())
    conv = data["layers"][0]
    assert [r["name"] for r in data["layers"]] == ["0", "1"]
    # 2 samples x 8 x 6 x 6 outputs, each 3 x 3 x 3 multiply-adds; FLOPs are twice that.
    assert conv["multiply_adds"] == 2 * 8 * 6 * 6 * 27
    assert conv["flops"] == 2 * conv["multiply_adds"]
    # float32: weights and bias once, the input and the output of the batch.
    assert conv["bytes"] == 4 * ((8 * 27 + 8) + 2 * 3 * 8 * 8 + 2 * 8 * 6 * 6)
    assert conv["arithmetic_intensity"] == conv["flops"] / conv["bytes"]
    assert conv["attained_flops"] == conv["flops"] / conv["time_s"]
    least = max(conv["flops"] / ROOF.peak_flops, conv["bytes"] / ROOF.bandwidth)
    assert conv["fraction_of_roof"] == pytest.approx(least / conv["time_s"])
    assert conv["bound"] == ("memory" if conv["arithmetic_intensity"] < 10 else "compute")
    relu = data["layers"][1]
    assert relu["flops"] == 0 and relu["arithmetic_intensity"] == 0 and relu["bound"] == "memory"
    assert conv["macs_share"] == 1.0 and relu["macs_share"] == 0.0
    assert math.isclose(sum(r["time_share"] for r in data["layers"]), 1.0)


def test_ticks_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a clock that advances one tick per reading, each layer takes 1 tick and the hooked pass 2L + 1."""
    ticks = iter(range(10**6))
    monkeypatch.setattr(timing.time, "perf_counter", lambda: float(next(ticks)))
    data = timing.as_dict(_conv_profile(repeats=3))
    assert [r["time_s"] for r in data["layers"]] == [1.0, 1.0]
    assert data["whole"]["forward_s"]["median"] == 1.0  # two readings, nothing between
    assert data["whole"]["hooked_forward_s"]["median"] == 2 * 2 + 1
    assert data["whole"]["layers_forward_sum_s"] == 2.0
    assert data["whole"]["layers_over_whole"] == 2.0 and data["whole"]["overhead"] == 5.0


def test_train_times_backward_per_layer() -> None:
    data = timing.as_dict(_conv_profile(train=True))
    assert data["train"] is True
    assert all(r["backward_s"] is not None and r["backward_s"] > 0 for r in data["layers"])
    assert data["whole"]["backward_s"]["median"] > 0
    assert data["whole"]["layers_backward_sum_s"] == sum(r["backward_s"] for r in data["layers"])


def test_spread_orders() -> None:
    spread = timing.Spread.of([3.0, 1.0, 2.0])
    assert (spread.low, spread.median, spread.high) == (1.0, 2.0, 3.0)


def test_cache_measures_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[int] = []

    def counted(device: torch.device, *a: object, **k: object) -> Machine:
        calls.append(1)
        return ROOF

    monkeypatch.setattr(roofline, "measure", counted)
    device = torch.device("cpu")
    assert roofline.machine(device) == ROOF and roofline.machine(device) == ROOF
    assert len(calls) == 1
    assert (tmp_path / "cache" / roofline.CACHE_FILE).is_file()
    roofline.machine(device, remeasure=True)
    assert len(calls) == 2


def test_measure_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real measurement, small
    found = roofline.measure(torch.device("cpu"), gemm=128, copy_bytes=1 << 20, repeats=2)
    assert found.kind == "cpu" and found.name and found.threads == torch.get_num_threads()
    assert found.peak_flops > 0 and found.bandwidth > 0 and found.gemm_size == 128
    assert set(roofline.as_dict(found)) >= {"name", "peak_flops", "bandwidth", "threads", "ridge"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_resnet18_times_every_weighted_layer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "profile", "resnet-18", "--device", "cpu", "--repeats", "2", "--warmup", "1",
                         "--json", "-")  # fmt: skip
    assert code == 0 and err == ""
    data = json.loads(out)
    assert {"machine", "whole", "layers", "definitions", "untimed"} <= set(data)
    assert data["machine"]["name"] == "test machine" and data["machine"]["peak_flops"] == 100e9
    timed = {r["name"] for r in data["layers"] if r["weighted"]}
    # ResNet-18: conv1, 16 convolutions in 8 basic blocks, 3 projection shortcuts, fc (He et al. 2016, Table 1).
    assert len(timed) == 1 + 16 + 3 + 1
    assert all(r["time_s"] > 0 for r in data["layers"])
    assert sum(r["multiply_adds"] for r in data["layers"]) == data["whole"]["multiply_adds"]
    assert data["whole"]["layers_forward_sum_s"] == pytest.approx(sum(r["time_s"] for r in data["layers"]))


def test_cli_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "profile", "lenet5", "--device", "cpu", "--repeats", "2", "--warmup", "0")
    assert code == 0 and err == ""
    assert "test machine" in out and "torch threads" in out and "lower bound" in out
    assert all(name in out for name in ("C1", "F6"))


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["resnet-20", "--repeats", "0"], "--repeats 0"),
        (["resnet-20", "--batch", "-1"], "--batch -1"),
        (["resnet-20", "--batch", "two"], "invalid int"),
        (["resnet-20", "--warmup", "-1"], "--warmup -1"),
        (["resnet-20", "--batch", "0"], "--batch 0"),
        (["resnet-20", "--device", "gpu"], "invalid choice"),
        (["alexnet", "--batch", "1000000"], "try a smaller --batch"),
        (["nosuchnet"], "unknown network"),
        (["pkg.mod:factory"], "zoo networks"),
        ([], "needs NAME"),
    ],
)
def test_cli_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    code, out, err = run(capsys, "profile", *argv)
    assert code == 2 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cli_cuda_without_a_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "profile", "resnet-20", "--device", "cuda")
    assert code == 2 and out == "" and "no CUDA device" in err and len(err.strip().splitlines()) == 1


def test_cli_failed_output_leaves_no_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "missing" / "p.json"
    code, _, err = run(capsys, "profile", "resnet-20", "--json", str(target))
    assert code == 2 and "does not exist" in err and not target.exists()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_cuda_profile_structure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.undo()  # measure the real GPU's roof
    monkeypatch.setenv("ARCHSTATS_CACHE_DIR", str(tmp_path))
    data = timing.as_dict(timing.profile_network("resnet-18", "cuda", repeats=3, warmup=2))
    assert data["machine"]["kind"] == "cuda" and data["machine"]["name"] == torch.cuda.get_device_name()
    assert all(r["time_s"] > 0 for r in data["layers"])
    assert len([r for r in data["layers"] if r["weighted"]]) == 1 + 16 + 3 + 1  # as on the CPU
    # The ratio to the whole is checked by benchmarks/profile_check.py, not here: no test asserts a time.
    assert data["whole"]["layers_forward_sum_s"] == pytest.approx(sum(r["time_s"] for r in data["layers"]))


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert roofline.cache_dir() == tmp_path / "cache"  # the fixture's ARCHSTATS_CACHE_DIR
    monkeypatch.delenv("ARCHSTATS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert roofline.cache_dir() == tmp_path / "xdg" / "archstats"


def test_an_unreadable_cache_is_measured_again(tmp_path: Path) -> None:
    path = tmp_path / "cache" / roofline.CACHE_FILE
    path.parent.mkdir()
    path.write_text("not json", encoding="utf-8")
    assert roofline.machine(torch.device("cpu")) == ROOF
    assert json.loads(path.read_text(encoding="utf-8"))  # rewritten whole
