"""``archstats train``: the JSON record, bad input (one sentence, exit 2, no file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archstats.cli import UsageError, main, parse_memory


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["train", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_alexnet_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "alexnet", "--batch", "2", "--optimizer", "momentum", "--device", "cpu", "--json", "-")
    assert code == 0
    data = json.loads(out)
    # Counted per sample, so the batch does not change them (see test_train_backward for the closed form).
    assert data["totals"]["backward_macs_per_sample"] == 1_343_398_432
    assert data["totals"]["backward_macs_per_batch"] == 2 * 1_343_398_432
    # Momentum keeps one float32 buffer per trainable parameter: 60,965,224 x 4 bytes.
    assert data["memory"]["optimizer_state"] == 60_965_224 * 4 == 243_860_896
    assert data["memory"]["gradients"] == 60_965_224 * 4
    # The paper's 90 epochs of 1.2 M images (Krizhevsky et al. 2012, Sec. 5).
    assert data["compute"]["samples"] == 90 * 1_200_000
    flop = 2 * (724_406_816 + 1_343_398_432) * 90 * 1_200_000
    assert data["compute"]["training_flop"] == pytest.approx(flop)
    assert data["compute"]["pf_days"] == pytest.approx(flop / 8.64e19)
    ids = {c["id"]: c for c in data["claims"]}
    assert ids["alexnet.compute.counting"]["verdict"] == "holds under convention"
    assert ids["alexnet.backward-ratio"]["verdict"] == "does not hold"
    assert all(c["ok"] for c in data["claims"])
    assert data["memory"]["saved_for_backward"] > 0 and data["memory"]["measured_peak"] > 0


def test_gpu_and_largest_batch(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "lenet5", "--batch", "4", "--device", "cpu", "--gpu", "gtx580", "--json", "-")
    assert code == 0
    hardware = json.loads(out)["hardware"]
    assert hardware["memory"] == 3 * 2**30 and hardware["peak_flops"] == 1.58e12
    assert hardware["largest_batch"] > 4 and hardware["fits_batch"]


def test_memory_sizes() -> None:
    assert parse_memory("3GB") == 3 * 10**9
    assert parse_memory("3GiB") == 3 * 2**30
    assert parse_memory("512 MiB") == 512 * 2**20
    with pytest.raises(UsageError):
        parse_memory("3XB")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["alexnet", "--batch", "0"], "--batch 0"),
        (["alexnet", "--optimizer", "rmsprop"], "invalid choice"),
        (["alexnet", "--gpu", "gtx999"], "unknown GPU"),
        (["alexnet", "--memory", "3XB"], "--memory '3XB'"),
        (["alexnet", "--gpu", "k40", "--memory", "3GB"], "drop --memory"),
        (["alexnet", "--utilization", "1.5"], "--utilization"),
        (["alexnet", "--epochs", "0"], "--epochs 0"),
        (["alexnett"], "unknown network"),
        # Inception-v3's auxiliary head normalises 1x1 maps: one value per channel at batch 1.
        (["inception-v3", "--batch", "1", "--device", "cpu"], "fails in training mode"),
    ],
)
def test_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], words: str) -> None:
    out = tmp_path / "train.json"
    code, stdout, err = _run(capsys, *argv, "--json", str(out))
    assert code == 2
    assert words in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_html_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "train.html"
    code, _, _ = _run(capsys, "alexnet", "--batch", "2", "--device", "cpu", "--html", str(page))
    assert code == 0
    text = page.read_text()
    assert "What training costs" in text and "AlexNet's two GPUs" in text
    assert "1,343,398,432" in text
