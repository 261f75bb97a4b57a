"""The command line as a user meets it: stdout and stderr apart, exit codes, files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archstats import ledger
from archstats.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert {"lenet5", "alexnet"} <= set(rows)
    assert rows["lenet5"][2] == "60,000"  # LeCun et al. 1998, Sec. II-B
    assert rows["alexnet"][2] == "60,965,224"  # the article's AlexNet total


def test_report_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "alexnet", "--device", "cpu")
    assert code == 0 and err == ""
    assert "60,965,224" in out  # the article's AlexNet total
    assert all(name in out for name in ("conv1", "pool5", "fc8"))


def test_report_json_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "lenet5", "--json", "-", "--device", "cpu")
    assert code == 0 and err == ""
    data = json.loads(out)
    # LeCun et al. 1998: 60,000 trainable parameters, 340,908 connections.
    assert data["totals"]["trainable_params"] == 60_000
    assert data["totals"]["connections"] == 340_908
    assert data["network"] == "lenet5" and data["input_shape"] == [1, 1, 32, 32]
    assert {c["id"] for c in data["claims"]} >= {"lenet.c3.params", "lenet.c3.connections"}


def test_report_writes_every_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    files = {kind: tmp_path / f"out.{kind}" for kind in ("html", "json", "csv", "markdown", "latex")}
    argv = ["report", "alexnet", "--device", "cpu"]
    for kind, path in files.items():
        argv += [f"--{kind}", str(path)]
    code, out, err = run(capsys, *argv)
    assert code == 0
    assert all(path.is_file() for path in files.values())
    assert "60,965,224" in files["html"].read_text(encoding="utf-8")
    # The article's AlexNet total (AlexNet has no buffers: params = trainable params).
    assert json.loads(files["json"].read_text(encoding="utf-8"))["totals"]["params"] == 60_965_224
    assert err.count("wrote") == len(files)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files.values())


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["report", "nosuch"], "unknown network 'nosuch'"),
        (["report", "alexnt"], "did you mean alexnet"),
        (["report", "alexnet", "--input", "1x3x"], "is not a shape"),
        (["report", "alexnet", "--input", "1x3x0x227"], "at least 1"),
        (["report", "alexnet", "--input", "3x227x227"], "has 3 dimensions"),
        (["report", "alexnet", "--input", "1x3x8x8", "--device", "cpu"], "too small for alexnet"),
        (["report", "alexnet", "--input", "1x3x8x8", "--device", "cpu"], "layer conv1"),
        (["report", "lenet5", "--input", "1x1x16x16", "--device", "cpu"], "layer C5"),
        (["report", "alexnet", "--input", "1x1x227x227", "--device", "cpu"], "does not fit alexnet"),
        (["report", "alexnet", "--html", "/nonexistent/x.html"], "/nonexistent does not exist"),
        (["report", "alexnet", "--device", "gpu"], "invalid choice: 'gpu'"),
        (["report", "alexnet", "--json", "-", "--csv", "-"], "only one of"),
        (["check", "nosuch"], "unknown network"),
        ([], "required"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_cuda_without_cuda_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, out, err = run(capsys, "report", "lenet5", "--device", "cuda")
    assert code == 2 and "no CUDA device" in err


def test_failed_run_leaves_earlier_file_alone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out.html"
    target.write_text("earlier", encoding="utf-8")
    code, _, _ = run(capsys, "report", "alexnet", "--input", "1x3x8x8", "--html", str(target), "--device", "cpu")
    assert code == 2
    assert target.read_text(encoding="utf-8") == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out.html"]


def test_check_lists_every_claim(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "alexnet", "lenet5", "--device", "cpu")
    assert code == 0, err
    for claim_id in ("alexnet.fc8.neurons", "alexnet.conv2.params", "lenet.c3.params", "lenet5.paper.connections"):
        assert claim_id in out
    assert "erratum" in out


def test_check_exits_1_when_a_claim_fails(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    false_claim = ledger.Claim(
        id="lenet.c1.params.wrong", network="lenet5", source="test", quote="C1 has 157 params",
        measure="trainable('C1')", expected=(5 * 5 + 1) * 6 + 1, unit="parameters",
    )  # fmt: skip
    original = ledger.load_claims
    monkeypatch.setattr("archstats.zoo.load_claims", lambda name: [*original(name), false_claim])
    code, out, err = run(capsys, "check", "lenet5", "--device", "cpu")
    assert code == 1
    assert "FAIL lenet.c1.params.wrong" in out
    assert "must hold" in err


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "archstats.cli", "report", "nosuch"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("archstats: unknown network")
