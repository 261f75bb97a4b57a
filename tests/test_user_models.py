"""Users' own networks through the command line and the loader."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from archstats.cli import main
from archstats.loader import LoadError, load, parse_kwargs

NET = textwrap.dedent(
    """
    import torch
    import torch.nn.functional as F
    from torch import nn


    class Net(nn.Module):
        def __init__(self, num_classes: int = 10) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.shared = nn.Conv2d(8, 8, 3, padding=1)
            self.head = nn.Linear(8, num_classes)
            self.unused = nn.Linear(3, 3)

        def forward(self, x):
            x = F.relu(self.conv(x))
            y = self.shared(self.shared(x)) + x
            logits = self.head(F.adaptive_avg_pool2d(y, 1).flatten(1))
            return logits, {"aux": logits * 2}


    def build(width: int = 4) -> nn.Module:
        return nn.Sequential(nn.Conv2d(1, width, 3), nn.ReLU())


    def broken() -> nn.Module:
        raise RuntimeError("no weights here")


    not_a_model = 3
    """
)


@pytest.fixture()
def netfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "mynet.py"
    path.write_text(NET, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return path


def test_user_model_with_tuple_and_dict_outputs_shared_module_and_functional_ops(
    netfile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "mynet.py:Net", "--input", "1x3x16x16", "--arg", "num_classes=5", "--json", "-"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    layers = {layer["name"]: layer for layer in data["layers"]}
    hw = 16 * 16
    # The shared conv is called twice: its params once, its connections at each call.
    assert layers["shared"]["params"] == 8 * 8 * 3 * 3 + 8
    assert layers["shared"]["connections"] == 2 * 8 * hw * (8 * 3 * 3 + 1)
    assert layers["head"]["params"] == (8 + 1) * 5
    # Never called: listed, params counted, no activity.
    assert layers["unused"]["called"] is False and layers["unused"]["params"] == 3 * 3 + 3
    assert data["totals"]["params"] == (3 * 9 + 1) * 8 + (8 * 9 + 1) * 8 + (8 + 1) * 5 + (3 + 1) * 3
    # The functional relu and the addition are attributed to the model itself, not dropped.
    assert {"aten::relu", "aten::add"} <= set(layers["(root)"]["uncounted_ops"])
    assert data["claims"] == []


def test_factory_function_and_kwargs(netfile: Path) -> None:
    model = load(f"{netfile}:build", {"width": 6})
    assert sum(p.numel() for p in model.parameters()) == (1 * 3 * 3 + 1) * 6


def test_module_path_target(netfile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(netfile.parent))
    model = load("mynet:build")
    assert sum(p.numel() for p in model.parameters()) == (1 * 3 * 3 + 1) * 4


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["report", "mynet.py:Net"], "give its input shape with --input"),
        (["report", "mynet.py:broken", "--input", "1x3x8x8"], "raised RuntimeError: no weights here"),
        (["report", "mynet.py:Nope", "--input", "1x3x8x8"], "has no attribute 'Nope'"),
        (["report", "mynet.py:not_a_model", "--input", "1x3x8x8"], "not a class or a function"),
        (["report", "nosuchmodule:Net", "--input", "1x3x8x8"], "no module named 'nosuchmodule'"),
        (["report", "missing.py:Net", "--input", "1x3x8x8"], "no file missing.py"),
        (["report", "mynet.py:Net", "--input", "1x3x8x8", "--arg", "5"], "is not KEY=VALUE"),
        (["report", "mynet.py:Net", "--input", "1x3x8x8", "--arg", "depth=3"], "does not take these arguments"),
        (["report", "mynet.py:Net", "--input", "1x2x8x8"], "does not fit mynet.py:Net: layer conv"),
        (["report", "alexnet", "--arg", "x=1"], "--arg is for a user's model"),
    ],
)
def test_bad_user_model_is_one_sentence_and_exit_2(
    netfile: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_parse_kwargs() -> None:
    assert parse_kwargs(["n=10", "name=abc", "xs=[1, 2]", "flag=True"]) == {
        "n": 10,
        "name": "abc",
        "xs": [1, 2],
        "flag": True,
    }
    with pytest.raises(LoadError):
        parse_kwargs(["=3"])


def test_what_fvcore_cannot_trace_is_said_and_the_rest_comes_out() -> None:
    import dataclasses

    import torch
    from torch import nn

    import archstats

    @dataclasses.dataclass
    class Output:  # jit's tracer takes tensors, tuples, lists and dicts only
        logits: torch.Tensor

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> Output:
            return Output(self.fc(x))

    analysis = archstats.analyze(Net(), (1, 4), device="cpu", engine="fvcore")
    assert analysis.totals.params == (4 + 1) * 3
    assert analysis.totals.connections == (4 + 1) * 3
    assert analysis.totals.fvcore_macs == 4 * 3
    assert any("fvcore could not trace this model" in note and "Output" in note for note in analysis.notes)
    # The dispatch engine needs no trace: the same figures, and nothing to say about them.
    counted = archstats.analyze(Net(), (1, 4), device="cpu")
    assert counted.totals.fvcore_macs == 4 * 3 and counted.layer("fc").macs_by_op == {"linear": 4 * 3}
    assert not counted.notes


def test_an_input_that_will_not_fit_is_refused_before_any_memory_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch
    from torch import nn

    import archstats
    from archstats.analysis import ESTIMATE_ABOVE, TooLargeError

    side = 3000
    assert 3 * side * side > ESTIMATE_ABOVE
    free = 10**9
    monkeypatch.setattr("archstats.analysis.available_bytes", lambda device: free)
    with torch.device("meta"):
        model = nn.Conv2d(3, 64, 3)
    # The conv's output alone is 64 x 2998 x 2998 float32 values: more than `free`.
    assert 64 * (side - 2) ** 2 * 4 > free
    with pytest.raises(TooLargeError, match=r"needs about 2\.\d GB of activation memory"):
        archstats.analyze(model, (1, 3, side, side), device="cpu")


def test_a_huge_input_with_the_wrong_shape_fails_fast_on_the_meta_device(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1x3x8000x8000 goes through AlexNet's convolutions but not into fc6's 6x6x256 inputs.
    code = main(["report", "alexnet", "--input", "1x3x8000x8000", "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "layer fc6 (Linear" in err


USER_MODELS = textwrap.dedent(
    """
    from torch import nn


    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 6, 5)
            self.fc = nn.Linear(6, 7)

        def forward(self, x):
            return self.fc(self.conv(x).mean((2, 3)))
    """
)


@pytest.mark.parametrize("layout", ["models.py", "models/__init__.py"])
def test_a_users_models_module_wins_over_the_zoo(tmp_path: Path, layout: str) -> None:
    # `models` is the commonest module name in the field: archstats installs its zoo under
    # another name, so the user's module in the working directory is the one loaded.
    path = tmp_path / layout
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(USER_MODELS, encoding="utf-8")
    script = Path(sys.executable).with_name("archstats")
    command = (
        [str(script)]
        if script.is_file()
        else [sys.executable, "-c", "import sys; from archstats.cli import main; sys.exit(main())"]
    )
    done = subprocess.run(
        [*command, "report", "models:Net", "--input", "1x3x32x32", "--json", "-", "--device", "cpu"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    totals = json.loads(done.stdout)["totals"]
    assert totals["params"] == (5 * 5 * 3 + 1) * 6 + (6 + 1) * 7
    assert json.loads(done.stdout)["network"] == "models:Net"
