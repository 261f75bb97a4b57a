"""Typed and multiple inputs, and the meta device: token models and models larger than memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

import archstats
from archstats.analysis import DTYPES, InputSpec, TooLargeError, as_dict, parse_input
from archstats.cli import main
from archstats.zoo import report_model
from tests.lm_models import gpt2_small, llama2_7b

LM_MODELS = str(Path(__file__).with_name("lm_models.py"))

# A token model and a convolution, written to a file the command line loads.
NETS = textwrap.dedent(
    """
    from torch import nn


    class Tokens(nn.Module):
        def __init__(self, vocabulary: int = 100, width: int = 16, classes: int = 4) -> None:
            super().__init__()
            self.emb = nn.Embedding(vocabulary, width)
            self.fc = nn.Linear(width, classes)

        def forward(self, ids, mask=None):
            h = self.emb(ids)
            if mask is not None:
                h = h.masked_fill(mask.unsqueeze(-1), 0.0)
            return self.fc(h)


    class Pair(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(100, 16)
            self.fc = nn.Linear(16, 4)
            self.side = nn.Linear(8, 4)

        def forward(self, ids, features):
            return self.fc(self.emb(ids)) + self.side(features)


    def conv() -> nn.Module:
        return nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
    """
)
VOCABULARY, WIDTH, CLASSES = 100, 16, 4


@pytest.fixture
def nets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "nets.py").write_text(NETS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- the --input syntax ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_every_dtype_is_read_after_a_colon(name: str) -> None:
    assert parse_input(f"1x128:{name}") == InputSpec((1, 128), name)


def test_an_input_without_a_dtype_is_float32() -> None:
    assert parse_input("1x3x224x224") == InputSpec((1, 3, 224, 224), "float32")
    assert InputSpec((2, 8), "bool").zeros(torch.device("cpu")).dtype == torch.bool
    assert InputSpec((2, 8), torch.int64) == InputSpec((2, 8), "int64")  # type: ignore[arg-type]


def test_the_python_api_takes_a_shape_or_input_specs() -> None:
    model = nn.Sequential(nn.Embedding(VOCABULARY, WIDTH), nn.Linear(WIDTH, CLASSES))
    analysis = archstats.analyze(model, [InputSpec((1, 12), "int64")], device="cpu")
    assert analysis.inputs == (InputSpec((1, 12), "int64"),)
    assert analysis.input_shape == (1, 12)
    with pytest.raises(ValueError, match="dtype 'int128'"):
        InputSpec((1, 12), "int128")


# -- token models ---------------------------------------------------------------------


def test_a_token_model_is_counted_on_int64_tokens_with_no_receptive_field(
    nets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    length = 12
    code, out, err = run(capsys, "report", "nets.py:Tokens", "--input", f"1x{length}:int64", "--json", "-")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["inputs"] == [{"shape": [1, length], "dtype": "int64"}]
    assert data["input_shape"] == [1, length]
    assert data["totals"]["params"] == VOCABULARY * WIDTH + (WIDTH + 1) * CLASSES
    assert data["totals"]["multiply_adds"] == length * WIDTH * CLASSES  # the head at every position
    # Token ids have no spatial grid: no layer claims to see "all" of them.
    assert all(layer["receptive_field"] is None for layer in data["layers"])
    assert not any(layer["receptive_field_global"] for layer in data["layers"])
    assert any("all zeros (integer tokens 0, masks False)" in note for note in data["notes"])


def test_inputs_go_to_the_forward_in_order(nets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    length, features = 12, 8
    code, out, err = run(
        capsys,
        "report",
        "nets.py:Pair",
        "--input",
        f"1x{length}:int64",
        "--input",
        f"1x{length}x{features}",
        "--json",
        "-",
    )
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["inputs"] == [
        {"shape": [1, length], "dtype": "int64"},
        {"shape": [1, length, features], "dtype": "float32"},
    ]
    # The second input reached forward as its second argument: the side head ran on it.
    assert data["totals"]["multiply_adds"] == length * WIDTH * CLASSES + length * features * CLASSES


def test_a_mask_is_false_everywhere(nets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "nets.py:Tokens", "--input", "1x12:int64", "--input", "1x12:bool")
    assert code == 0 and err == ""
    assert "Note: inputs 1x12:int64, 1x12:bool, in the forward's order; all zeros" in out


def test_report_model_takes_input_specs(nets: Path) -> None:
    report = report_model("nets.py:Tokens", [InputSpec((2, 5), "int32")], device="cpu")
    assert report.analysis.inputs == (InputSpec((2, 5), "int32"),)
    assert report.spec.input_shape == (2, 5)
    assert report.analysis.totals.multiply_adds == 5 * WIDTH * CLASSES  # per sample of the batch of 2


def test_sweep_varies_the_length_of_a_token_input(nets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "sweep", "nets.py:Tokens", "--input", "1x8:int64", "--sizes", "8,32", "--device", "meta", "--json", "-"
    )
    assert code == 0 and err == ""
    rows = json.loads(out)["rows"]
    assert [row["input_shape"] for row in rows] == [[1, 8], [1, 32]]
    assert [row["cost"] for row in rows] == [8 * WIDTH * CLASSES, 32 * WIDTH * CLASSES]


# -- bad inputs: one sentence, exit 2, no file ----------------------------------------


@pytest.mark.parametrize(
    ("target", "value", "words"),
    [
        ("nets.py:Tokens", "1x16:int128", "dtype 'int128'; write one of"),
        ("nets.py:Tokens", "1x16:", "no dtype after the colon"),
        ("nets.py:Tokens", "1x16", "give each input the dtype the model expects"),  # float tokens into nn.Embedding
        ("nets.py:conv", "1x3x8x8:int64", "give each input the dtype the model expects"),  # int into a convolution
    ],
)
def test_a_bad_input_is_one_sentence_and_exit_2_with_no_file(
    nets: Path, capsys: pytest.CaptureFixture[str], target: str, value: str, words: str
) -> None:
    out_file = nets / "out.json"
    code, out, err = run(capsys, "report", target, "--input", value, "--device", "cpu", "--json", str(out_file))
    assert code == 2 and out == ""
    assert err.startswith("archstats: ") and err.count("\n") == 1 and "Traceback" not in err
    assert words in err
    assert not out_file.exists()


def test_a_zoo_network_takes_one_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "lenet5", "--input", "1x1x32x32", "--input", "1x1x32x32")
    assert code == 2 and out == ""
    assert "lenet5 takes one input" in err


# -- the meta device ------------------------------------------------------------------


def test_the_meta_device_counts_from_shapes_and_allocates_nothing() -> None:
    with torch.device("meta"):
        model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 3 * 3, 10))
    analysis = archstats.analyze(model, (1, 3, 8, 8), device="meta")
    assert all(p.is_meta for p in model.parameters())  # never materialised
    assert analysis.device == "meta"
    assert analysis.totals.params == (3 * 3 * 3 + 1) * 8 + (72 + 1) * 10
    assert analysis.totals.multiply_adds == 3 * 3 * 3 * 8 * 6 * 6 + 72 * 10
    # Receptive fields come from shapes too: 3x3 conv, then a 2x2 pool with stride 2.
    assert analysis.layer("2").receptive_field == (4, 4)
    assert any("meta device" in note and "no memory was measured" in note for note in analysis.notes)


def test_a_model_on_a_real_device_is_moved_to_meta() -> None:
    model = nn.Linear(4, 3)
    analysis = archstats.analyze(model, (1, 4), device="meta")
    assert analysis.totals.params == (4 + 1) * 3
    assert analysis.totals.multiply_adds == 4 * 3


def test_weights_too_large_for_memory_are_refused_with_the_meta_hint(
    nets: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    free = 4_000  # bytes: less than the token model's (100 x 16 + 17 x 4) float32 weights
    assert free < (VOCABULARY * WIDTH + (WIDTH + 1) * CLASSES) * 4
    monkeypatch.setattr("archstats.analysis.available_bytes", lambda device: free)
    with torch.device("meta"):
        model = nn.Sequential(nn.Embedding(VOCABULARY, WIDTH), nn.Linear(WIDTH, CLASSES))
    with pytest.raises(TooLargeError, match=r"the weights need .* --device meta"):
        archstats.analyze(model, [InputSpec((1, 8), "int64")], device="cpu")
    code, out, err = run(capsys, "report", "nets.py:Tokens", "--input", "1x8:int64", "--device", "cpu")
    assert code == 2 and "--device meta" in err and err.count("\n") == 1
    code, out, err = run(capsys, "report", "nets.py:Tokens", "--input", "1x8:int64", "--device", "meta")
    assert code == 0


def test_the_handout_of_a_meta_run_says_so(nets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "report", "nets.py:Tokens", "--input", "1x8:int64", "--device", "meta", "--html", "h.html"
    )
    assert code == 0
    page = (nets / "h.html").read_text()
    assert "traced on the meta device" in page and "no memory was measured" in page


# -- GPT-2 small and Llama-2-7B -------------------------------------------------------

# GPT-2 small's parameters as a closed form of its configuration, tied head counted once:
# token and position embeddings, 12 blocks (two LayerNorms, q/k/v and output projections,
# a 4x MLP, all with biases), the final LayerNorm; the head is the token embedding.
V, C, CONTEXT, BLOCKS = 50_257, 768, 1_024, 12
GPT2_BLOCK = 2 * 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + (C * 4 * C + 4 * C) + (4 * C * C + C)
GPT2_PARAMS = V * C + CONTEXT * C + BLOCKS * GPT2_BLOCK + 2 * C
# Multiply-adds per token of its linear maps (q/k/v, output, MLP, head). Attention's own two
# matrix products (QK^T and AV, length^2 x width per layer each) are not in it.
GPT2_LINEAR_MACS_PER_TOKEN = BLOCKS * (C * 3 * C + C * C + 2 * C * 4 * C) + C * V


def test_gpt2_small_builds_to_its_published_size() -> None:
    assert GPT2_PARAMS == 124_439_808  # GPT-2 small (Radford et al. 2019), as Hugging Face's gpt2 counts it
    with torch.device("meta"):
        model = gpt2_small()
    assert model.head.weight is model.wte.weight
    assert sum(p.numel() for p in model.parameters()) == GPT2_PARAMS  # parameters() yields a tied tensor once


def test_gpt2_small_on_int64_tokens_through_the_api() -> None:
    length = 16
    analysis = archstats.analyze(gpt2_small(), [InputSpec((1, length), "int64")], device="cpu")
    # The tied head counted once; 163,037,184 (= + V x C) would mean the tie was counted twice.
    assert analysis.totals.params == GPT2_PARAMS
    # A shared tensor is counted in the row of the first layer that owns it (the definition of params).
    assert analysis.layer("head").params == 0 and analysis.layer("wte").params == V * C
    # The linear maps, and attention's two products (QKᵀ and the weights times V) per block: 2·L²·C, the
    # whole L×L although the mask is causal (the convention of torchvision and FlopCounterMode).
    assert analysis.totals.multiply_adds == length * GPT2_LINEAR_MACS_PER_TOKEN + BLOCKS * 2 * length**2 * C


def test_gpt2_small_on_int64_tokens_through_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "report", f"{LM_MODELS}:gpt2_small", "--input", "1x1024:int64", "--device", "meta", "--json", "-"
    )
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["totals"]["params"] == GPT2_PARAMS
    head = next(layer for layer in data["layers"] if layer["name"] == "head")
    assert head["output_shape"] == [1, CONTEXT, V]
    assert data["device"] == "meta"


# Llama-2-7B's parameters from its shapes: embedding, 32 blocks (q, k, v, o of width^2,
# SwiGLU's gate, up and down of width x hidden, two RMSNorm gains), final RMSNorm, untied head.
LAYERS, WIDTH_7B, HIDDEN, VOCAB_7B = 32, 4_096, 11_008, 32_000
LLAMA_BLOCK = 4 * WIDTH_7B**2 + 3 * WIDTH_7B * HIDDEN + 2 * WIDTH_7B
LLAMA_PARAMS = VOCAB_7B * WIDTH_7B + LAYERS * LLAMA_BLOCK + WIDTH_7B + WIDTH_7B * VOCAB_7B
LLAMA_LINEAR_MACS_PER_TOKEN = LAYERS * (4 * WIDTH_7B**2 + 3 * WIDTH_7B * HIDDEN) + WIDTH_7B * VOCAB_7B


def test_llama2_7b_is_counted_on_meta_in_under_2_gb(tmp_path: Path) -> None:
    assert LLAMA_PARAMS == 6_738_415_616  # Llama-2-7B's count (Touvron et al. 2023; the released checkpoint)
    length = 128
    out = tmp_path / "llama.json"
    command = [sys.executable, "-m", "archstats.cli", "report", f"{LM_MODELS}:llama2_7b"]
    command += ["--input", f"1x{length}:int64", "--device", "meta", "--json", str(out)]
    # A fresh parent, so that the peak of the run is the only child peak it reports.
    probe = (
        "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True); "
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True)
    code, max_rss_kib = (int(v) for v in done.stdout.split())
    assert code == 0
    assert max_rss_kib * 1024 < 2 * 10**9  # Linux reports ru_maxrss in KiB; fp32 weights alone are 27 GB
    data = json.loads(out.read_text())
    assert data["totals"]["params"] == LLAMA_PARAMS
    # The linear maps, and attention's two products per block over the whole (causal) L×L: 2·L²·width.
    assert data["totals"]["multiply_adds"] == length * LLAMA_LINEAR_MACS_PER_TOKEN + LAYERS * 2 * length**2 * WIDTH_7B
    assert data["inputs"] == [{"shape": [1, length], "dtype": "int64"}]


def test_llama2_7b_builder_matches_the_closed_form() -> None:
    with torch.device("meta"):
        model = llama2_7b()
    assert sum(p.numel() for p in model.parameters()) == LLAMA_PARAMS
    assert (
        as_dict(archstats.analyze(model, [InputSpec((1, 4), "int64")], device="meta"))["totals"]["params"]
        == LLAMA_PARAMS
    )


def test_a_model_that_reads_values_is_refused_on_meta_in_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "reads.py").write_text(
        textwrap.dedent(
            """
            from torch import nn


            class Reads(nn.Module):
                def __init__(self) -> None:
                    super().__init__()
                    self.fc = nn.Linear(4, 2)

                def forward(self, x):
                    return self.fc(x) * 2 if x.sum() > 0 else self.fc(x)
            """
        )
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "report", "reads.py:Reads", "--input", "1x4", "--device", "meta")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "cannot run on the meta device" in err and "--device cpu" in err
    code, out, err = run(capsys, "report", "reads.py:Reads", "--input", "1x4", "--device", "cpu")
    assert code == 0
