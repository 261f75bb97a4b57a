"""Training claims and cited data: every figure quoted with its source, verdicts computed from the step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from archstats.training import data, train_network
from archstats.training.claims import forward_units, load, verdicts

ROOT = Path(__file__).resolve().parents[1]


def test_every_claim_is_quoted_and_measurable() -> None:
    claims = load()
    assert len({c.id for c in claims}) == len(claims)
    for claim in claims:
        assert claim.source and claim.quote and claim.unit, claim.id
        assert claim.network in {"alexnet", "vgg-d", "resnet-152", "resnet-50"}


def test_cited_data_has_sources() -> None:
    for gpu in data.GPUS.values():
        assert gpu.source and gpu.quote and gpu.memory > 0 and gpu.peak_flops > 0
    assert data.GPUS["gtx580"].memory == 3 * 2**30 and data.GPUS["gtx580"].peak_flops == 1.58e12
    # The papers' recipes: 90 epochs of 1.2 M images; 370K and 600K iterations of 256.
    assert data.RECIPES["alexnet"].samples == 90 * 1_200_000
    assert data.RECIPES["vgg-d"].samples == 370_000 * 256
    assert data.RECIPES["resnet-50"].samples == 600_000 * 256
    assert data.pf_days(8.64e19) == 1.0


def test_alexnet_verdicts() -> None:
    cost = train_network("alexnet", 2, "momentum", device="cpu")
    found = {v.claim.id: v for v in verdicts(cost)}
    flop = 2 * (724_406_816 + 1_343_398_432) * 90 * 1_200_000
    assert found["alexnet.compute.counting"].measured == pytest.approx(flop / 8.64e19)
    assert found["alexnet.compute.counting"].status == "holds under convention"
    # Backward over forward: 2 - conv1's share, since conv1 needs no input gradient.
    assert found["alexnet.backward-ratio"].measured == pytest.approx(2 - 105_415_200 / 724_406_816)
    assert found["alexnet.backward-ratio"].status == "does not hold"
    days = flop / (2 * 1.58e12 * 0.33 * 86_400)
    assert found["alexnet.days"].measured == pytest.approx(days)
    assert found["alexnet.one-gpu"].measured == (cost.peak_at(128) <= 3 * 2**30)
    assert all(v.ok for v in found.values())


def test_cs231n_rows_add_to_fifteen_million() -> None:
    cost = train_network("vgg-d", 1, "sgd", device="cpu")
    # CS231n's own rows: the input, thirteen conv outputs, five pools, three fc outputs.
    rows = (3 * 224 * 224 + 2 * 224 * 224 * 64 + 112 * 112 * 64 + 2 * 112 * 112 * 128 + 56 * 56 * 128
            + 3 * 56 * 56 * 256 + 28 * 28 * 256 + 3 * 28 * 28 * 512 + 14 * 14 * 512 + 3 * 14 * 14 * 512
            + 7 * 7 * 512 + 4096 + 4096 + 1000)  # fmt: skip
    assert forward_units(cost) == rows == 15_237_608
    found = {v.claim.id: v for v in verdicts(cost)}
    assert found["vgg-d.cs231n.activations"].status == "erratum"


def test_render_section_imports_no_torch() -> None:
    code = "import sys, archstats.render.sections.training\nprint('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
