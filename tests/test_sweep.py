"""The input-size sweep: how params, cost and the outputs' memory grow with the input, and the sizes that fail.

Closed forms: a 3x3 convolution from 1 to 2 channels on a 5x5 input has a 2x3x3 output, 18
float32 values of 4 bytes per sample; ResNet-18 at 448 does 4 times the convolution work of
224 (every map doubles in each direction), its fc layer (512 x 1000) the same.
"""

from __future__ import annotations

import json
import math

import pytest
from torch import nn

from archstats import sweep
from archstats.analysis import analyze
from archstats.cli import main


def test_the_outputs_bytes_per_sample_are_every_layers_float32_output() -> None:
    analysis = analyze(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), (2, 1, 5, 5), device="cpu")
    assert sweep.output_bytes_per_sample(analysis) == 2 * (2 * 3 * 3) * 4  # the convolution's and the ReLU's


def test_the_records_keep_the_json_key_activation_bytes() -> None:
    row = sweep.SweepRow((1, 1, 5, 5), params=20, cost=180, output_bytes_per_sample=144, output_shape=(1, 2, 3, 3))
    (record,) = sweep.to_records([row], "macs")
    assert record["activation_bytes"] == 144 and "output_bytes_per_sample" not in record


def test_sweep_resnet18_params_flat_macs_quadratic(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sweep", "resnet-18", "--sizes", "224,448", "--convention", "macs", "--json", "-", "--device", "cpu"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["valid"] for r in rows] == [True, True]
    assert rows[0]["params"] == rows[1]["params"]
    # every map doubles in each direction at 448 (224 = 7 x 2^5): convolutions do 4x the
    # work; the fc layer after global pooling (512 x 1000) stays the same
    fc = 512 * 1000
    assert rows[1]["cost"] - fc == 4 * (rows[0]["cost"] - fc)


def test_sweep_marks_the_sizes_that_do_not_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "alexnet", "--sizes", "227,8", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "not valid" in out and "8x8: the maps fall below 1x1 at layer conv1" in out


def test_sweep_of_a_fixed_size_model(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "fixed.py"
    path.write_text(
        "from torch import nn\n"
        "def net():\n"
        "    return nn.Sequential(nn.Conv2d(3, 2, 3), nn.Flatten(), nn.Linear(2 * 30 * 30, 5))\n"
    )
    assert main(["sweep", f"{path}:net", "--input", "1x3x32x32", "--sizes", "32,40", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(("32x32", "40x40"))]
    assert "not valid" not in lines[0] and "not valid" in lines[1]
    assert f"{math.prod((2, 30, 30)) * 27 + 5 * 1800:,}" in lines[0]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["sweep", "alexnet", "--sizes", "227,abc"], "'abc'"),
        (["sweep", "alexnet", "--sizes", "227x227x3"], "dimensions"),
        (["sweep", "nosuch", "--sizes", "224"], "unknown network"),
        (["sweep", "x.py:net", "--sizes", "224"], "--input"),
    ],
)
def test_sweep_bad_input_is_one_sentence(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err
