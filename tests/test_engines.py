"""The dispatch engine's MACs and uncounted ops equal fvcore's, module by module.

fvcore traces with torch.jit and is the reference: archstats' figures were fvcore's before
the dispatch engine counted them from the calls of a plain forward pass. On every zoo
network (eval mode, default input) every output of the analysis is the same, byte for
byte; on a few networks in training mode and on user-style models built here, each
module's MACs by operator and its uncounted ops are the same, in the same order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import archstats
from archstats.analysis import as_dict, build
from archstats.engines import run
from archstats.engines.dispatch import IGNORED, SILENT_ARITHMETIC
from archstats.rules import TABLE
from archstats.rules.weighted import conv_macs, einsum_macs, linear_macs
from archstats.trace.forward import RunTrace
from archstats.zoo import Report, analyze_network, spec
from archstats_zoo import REGISTRY

ROOT = Path(__file__).resolve().parents[1]


def assert_same_counts(counted: RunTrace, traced: RunTrace) -> None:
    """Every module's MACs and uncounted ops equal, keys in the same order; all differences at once."""
    assert not traced.notes, traced.notes  # fvcore traced the model: there is a reference
    assert counted.modules.keys() == traced.modules.keys()
    differences = [
        f"{name or '(root)'} {what}: dispatch {dict(mine)}, fvcore {dict(theirs)}"
        for name in traced.modules
        for what, mine, theirs in (
            ("macs", counted.macs[name], traced.macs[name]),
            ("uncounted", counted.uncounted[name], traced.uncounted[name]),
        )
        if list(mine.items()) != list(theirs.items())
    ]
    assert not differences, "\n".join(differences)


def both_engines(model: nn.Module, x: torch.Tensor, train: bool = False) -> tuple[RunTrace, RunTrace]:
    model.train(train)
    return run(model, x, "dispatch"), run(model, x, "fvcore")


# -- the rules and the tables ----------------------------------------------------------


def test_rules_are_closed_forms() -> None:
    # LeNet-5's C1: 6 maps of 28x28, each unit a 5x5 window of the one input map (LeCun 1998).
    assert conv_macs((1, 1, 32, 32), (6, 1, 5, 5), (1, 6, 28, 28)) == 28 * 28 * 6 * 5 * 5
    # A transposed convolution applies every weight once per input position.
    assert conv_macs((2, 3, 4, 4), (3, 8, 3, 3), (2, 8, 9, 9), transposed=True) == 2 * 4 * 4 * 3 * 8 * 3 * 3
    assert linear_macs((2, 7, 16), (5, 16)) == 2 * 7 * 16 * 5
    # A batched matrix product by einsum: n*i*j*k multiply-adds.
    assert einsum_macs("nij,jk->nik", [(2, 3, 4), (4, 5)]) == 2 * 3 * 4 * 5
    assert einsum_macs("x y z, x y w -> x z w", [(2, 3, 4), (2, 3, 5)]) == 2 * 3 * 4 * 5


def test_the_op_tables_are_fvcores() -> None:
    from fvcore.nn.flop_count import _DEFAULT_SUPPORTED_OPS
    from fvcore.nn.jit_analysis import _IGNORED_OPS

    assert IGNORED | SILENT_ARITHMETIC == _IGNORED_OPS
    assert not IGNORED & SILENT_ARITHMETIC
    # fvcore's handles, and archstats' two (cdist, string-padded convolution).
    fvcores = {op for op, rule in TABLE.items() if op.startswith("aten::") and "fvcore" in rule.conventions}
    assert fvcores == set(_DEFAULT_SUPPORTED_OPS) | {"aten::cdist", "aten::_convolution_mode"}


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="engine 'jit' is not one of dispatch, fvcore"):
        archstats.analyze(nn.Linear(2, 2), (1, 2), device="cpu", engine="jit")


def test_the_default_engine_does_not_import_fvcore() -> None:
    code = (
        "import sys, torch, archstats\n"
        "a = archstats.analyze(torch.nn.Conv2d(3, 8, 3), (1, 3, 8, 8), device='cpu')\n"
        "assert a.totals.fvcore_macs == 8 * 3 * 3 * 3 * 6 * 6, a.totals.fvcore_macs\n"
        "assert 'fvcore' not in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# -- the zoo ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", REGISTRY.names())
def test_zoo_network_counts_equal_fvcores(name: str, zoo_report: Callable[[str], Report]) -> None:
    counted = zoo_report(name).analysis  # the default engine, traced once for the whole session
    traced = analyze_network(name, device="cpu", engine="fvcore")
    assert not any("fvcore could not trace" in note for note in traced.notes)
    mine = {layer.name: (dict(layer.macs_by_op), dict(layer.uncounted_ops)) for layer in counted.layers}
    theirs = {layer.name: (dict(layer.macs_by_op), dict(layer.uncounted_ops)) for layer in traced.layers}
    assert mine == theirs
    assert counted.totals.fvcore_macs > 0
    # Every output, key order included: the engine is invisible in a report.
    assert json.dumps(as_dict(counted)) == json.dumps(as_dict(traced))


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "googlenet", "resnet-20"])
def test_zoo_network_in_training_mode_counts_equal_fvcores(name: str) -> None:
    # Training mode: auxiliary heads (GoogLeNet), dropout's kernels, BatchNorm's batch
    # statistics and its counter of batches (an add_ per BatchNorm layer).
    model_spec = spec(name)
    model = build(model_spec.builder, torch.device("cpu"))
    counted, traced = both_engines(model, torch.zeros(model_spec.input_shape), train=True)
    assert_same_counts(counted, traced)


# -- models a user writes ---------------------------------------------------------------


class Functional(nn.Module):
    """Functional calls, operators on tensors, in-place ops, string padding, norms, upsampling."""

    def __init__(self) -> None:
        super().__init__()
        self.same = nn.Conv2d(4, 4, 3, padding="same")
        self.same_even = nn.Conv2d(4, 4, 4, padding="same")  # padded unevenly
        self.group_norm = nn.GroupNorm(2, 4)
        self.instance_norm = nn.InstanceNorm2d(4, affine=True)
        self.drop2d = nn.Dropout2d()
        self.drop = nn.Dropout(inplace=True)
        self.nearest = nn.Upsample(scale_factor=2)
        self.bilinear = nn.Upsample(size=(16, 16), mode="bilinear")
        self.layer_norm = nn.LayerNorm(8)
        self.w = nn.Parameter(torch.zeros(8, 8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # N x 4 x 8 x 8
        y = self.group_norm(self.same_even(self.same(x)))
        y = self.instance_norm(y)
        y = F.leaky_relu(torch.sigmoid(F.silu(F.gelu(F.hardswish(F.relu6(y))))), inplace=True)
        y = self.drop(self.drop2d(y))
        up = self.nearest(y).mean() + self.bilinear(y).mean()
        up = up + F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False).mean()
        z = y.flatten(2).view(y.shape[0], 8, -1).transpose(1, 2)  # N x 32 x 8
        z = F.linear(self.layer_norm(z), self.w) @ self.w
        z = torch.einsum("nij,jk->nik", torch.matmul(z, self.w.T), self.w)
        z = torch.bmm(z, z.transpose(1, 2).contiguous()[:, :, :8])  # N x 32 x 8
        z = F.normalize(z, dim=-1).softmax(-1)
        z = z + z
        z += 1
        z = (1 - z * 2) / 3
        z = torch.max(z.float().clamp(0, 1), dim=1)[0]  # N x 8
        w = torch.mm(torch.addmm(torch.zeros(8), z, self.w.t()), self.w)
        w = torch.tanh(w.mean(0) + w.sum() + up).exp().sqrt()
        w[0] = 0.0
        return w


class Layers(nn.Module):
    """Layers of every kind around the classic ones: 1-d, transposed, unaffine, with indices."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1d = nn.Conv1d(3, 6, 3)
        self.bn1d = nn.BatchNorm1d(6)
        self.pool1d = nn.MaxPool1d(2)
        self.bn_plain = nn.BatchNorm2d(3, affine=False)
        self.deconv = nn.ConvTranspose2d(3, 2, 3, stride=2)
        self.elu = nn.ELU(inplace=True)
        self.prelu = nn.PReLU()
        self.shuffle = nn.PixelShuffle(2)
        self.pool_indices = nn.MaxPool2d(2, return_indices=True)
        self.layer_norm = nn.LayerNorm([3, 8, 8], elementwise_affine=False)
        self.adaptive = nn.AdaptiveAvgPool2d((2, 3))
        self.adaptive_max = nn.AdaptiveMaxPool2d(1)
        self.embedding = nn.Embedding(10, 4)
        self.log_softmax = nn.LogSoftmax(dim=1)
        self.fc = nn.Linear(12, 5, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # N x 3 x 8 x 8
        a = F.relu(self.pool1d(self.bn1d(self.conv1d(x.mean(-1)))), inplace=True)
        b = self.prelu(self.elu(self.deconv(self.bn_plain(x))))
        b = self.shuffle(torch.cat([b, b], 1))
        c, indices = self.pool_indices(x)
        d = self.layer_norm(x) + F.avg_pool2d(x, 2).repeat(1, 1, 2, 2)
        e = self.adaptive(x).sum() + self.adaptive_max(x).flatten(1).sum() + self.embedding(torch.arange(3)).sum()
        f = torch.einsum("bchw,c->bhw", x, torch.ones(3)) + F.pad(x, (1, 1))[..., 1:-1].sum(1)
        g = torch.cdist(x.flatten(2), x.flatten(2)).sum() + (F.softplus(x) - F.elu(x) * F.selu(x)).sum()
        h = torch.stack([x, x]).sum(0).sum() + (x.permute(0, 2, 3, 1).reshape(-1, 3) @ torch.ones(3, 4)).sum()
        k = self.fc(x.flatten(2)[:, :, :12]).sum() + self.log_softmax(x).sum() + F.softmin(x, dim=1).sum()
        m = (x.abs().pow(2) ** 0.5).sum() + (2 / (x + 1)).sum() + indices.sum()
        return a.sum() + b.sum() + c.sum() + d.sum() + e + f.sum() + g + h + k + m


@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize(
    ("factory", "shape"), [(Functional, (2, 4, 8, 8)), (Layers, (2, 3, 8, 8))], ids=["functional", "layers"]
)
def test_user_model_counts_equal_fvcores(factory: Callable[[], nn.Module], shape: tuple[int, ...], train: bool) -> None:
    torch.manual_seed(0)
    counted, traced = both_engines(factory(), torch.randn(shape), train)
    assert_same_counts(counted, traced)
    assert any(counted.macs.values()) and any(counted.uncounted.values())


@pytest.mark.parametrize("shape", [(2, 6, 9), (2, 6, 5, 5), (2, 6, 3, 4, 4)], ids=["1d", "2d", "3d"])
def test_local_response_norm_counts_equal_fvcores(shape: tuple[int, ...]) -> None:
    # LRN is counted by a rule that names the ops of its body as jit records them
    model = nn.Sequential(nn.LocalResponseNorm(3), nn.LocalResponseNorm(4, k=2.0))
    counted, traced = both_engines(model, torch.randn(shape))
    assert_same_counts(counted, traced)
    assert counted.uncounted["0"]["aten::mul"] == 2


def test_attention_macs_equal_fvcores() -> None:
    # nn.MultiheadAttention is one Python function of forty-odd ops; jit also records the
    # arithmetic it does on sizes (see archstats.engines.dispatch). The MACs are the same.
    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attention = nn.MultiheadAttention(8, 2, batch_first=True)
            self.encoder = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.encoder(self.attention(x, x, x)[0])

    counted, traced = both_engines(Attention(), torch.randn(2, 5, 8))
    # jit's scopes keep out_proj's linear map in the attention module that calls it; the
    # dispatch engine puts it in out_proj's row, the module whose weight it uses.
    moved = {m: dict(by_key) for m, by_key in counted.macs.items()}
    for owner in ("attention.out_proj", "encoder.self_attn.out_proj"):
        user = owner.rpartition(".")[0]
        for key, n in moved[owner].items():
            moved[user][key] = moved[user].get(key, 0) + n
        moved[owner] = {}
    assert moved == traced.macs
    # Projections of 8 -> 3 x 8 and 8 -> 8 on 2 x 5 tokens; two products of 5 x 4 by 4 x 5 per head.
    assert counted.macs["attention"] == {"linear": 2 * 5 * 8 * 3 * 8, "bmm": 2 * 2 * (5 * 4 * 5 + 5 * 5 * 4)}
    assert counted.macs["attention.out_proj"] == {"linear": 2 * 5 * 8 * 8}


# -- the command line -------------------------------------------------------------------


def test_engine_option_gives_the_same_report(capsys: pytest.CaptureFixture[str]) -> None:
    from archstats.cli import main

    outputs = []
    for argv in (["report", "lenet5", "--json", "-"], ["report", "lenet5", "--json", "-", "--engine", "fvcore"]):
        assert main([*argv, "--device", "cpu"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["totals"]["macs"] > 0


def test_an_unknown_engine_option_is_one_sentence_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from archstats.cli import main

    assert main(["check", "lenet5", "--engine", "jit"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "--engine" in err and "dispatch" in err and "fvcore" in err


def test_a_call_its_rule_cannot_count_is_noted_and_the_run_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import archstats.rules.table

    def refuse(*shapes: object) -> int:
        raise ValueError("no rule for these operands")

    linear = archstats.rules.TABLE["aten::linear"]
    monkeypatch.setitem(archstats.rules.table._TABLE, "aten::linear", dataclasses.replace(linear, formula=refuse))
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 2 * 2, 3))
    counted = run(model.eval(), torch.zeros(1, 1, 4, 4))
    assert counted.macs["0"] == {"conv": 2 * 2 * 2 * 3 * 3}  # 2 maps of 2x2, 3x3 windows
    assert counted.macs["2"] == {}
    assert counted.uncounted["2"] == {"aten::linear": 1}  # listed, never silently zero
    assert counted.notes == [
        "aten::linear ran on operands its MAC rule does not take (ValueError: no rule for these operands); not counted"
    ]
