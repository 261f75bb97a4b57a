"""The handout's "What training costs" section and the zoo's training compute by year, from finished data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from archstats import zoo
from archstats.render.charts.training_years import svg
from archstats.render.sections.training import HANDOUT_ROWS, handout
from archstats.training import data, train_network, years
from archstats.training.handout import WATCHED_BATCH, gather
from tests.test_resnet import imagenet_counts

ROOT = Path(__file__).resolve().parents[1]

# AlexNet's weighted layers (Krizhevsky et al. 2012, Fig. 2), two towers: output positions
# per sample times weights per output unit.
ALEXNET_FORWARD = (
    96 * 55 * 55 * 3 * 11 * 11 + 256 * 27 * 27 * 48 * 5 * 5 + 384 * 13 * 13 * 256 * 3 * 3
    + 384 * 13 * 13 * 192 * 3 * 3 + 256 * 13 * 13 * 192 * 3 * 3 + 4096 * 256 * 6 * 6 + 4096 * 4096 + 1000 * 4096
)  # fmt: skip
ALEXNET_CONV1 = 96 * 55 * 55 * 3 * 11 * 11
# Every weight gradient costs its layer's forward; every input gradient too, but conv1's.
ALEXNET_BACKWARD = 2 * ALEXNET_FORWARD - ALEXNET_CONV1
ALEXNET_PARAMS = 60_965_224  # the article's and torchvision-style count of the two-tower network


@pytest.fixture(scope="module")
def alexnet() -> dict[str, Any]:
    return gather("alexnet")


def test_alexnet_record_at_the_papers_batch(alexnet: dict[str, Any]) -> None:
    record = alexnet
    assert (record["batch"], record["watched_batch"], record["optimizer"]) == (128, WATCHED_BATCH, "momentum")
    memory = record["memory"]
    assert memory["weights"] == memory["gradients"] == memory["optimizer_state"] == 4 * ALEXNET_PARAMS
    assert memory["optimizer_state"] == 243_860_896
    assert memory["input_batch"] == 128 * 3 * 227 * 227 * 4
    assert memory["measured_peak"] is None
    totals = record["totals"]
    assert totals["forward_macs_per_sample"] == ALEXNET_FORWARD
    assert totals["backward_macs_per_sample"] == ALEXNET_BACKWARD == 1_343_398_432
    assert totals["forward_macs_per_batch"] == 128 * ALEXNET_FORWARD
    # 90 epochs of 1.2 M images (Sec. 5), 2 FLOP per multiply-add.
    flop = 2 * (ALEXNET_FORWARD + ALEXNET_BACKWARD) * 90 * 1_200_000
    assert record["compute"]["training_flop"] == flop
    assert record["compute"]["pf_days"] == pytest.approx(flop / 8.64e19)


def test_batch_sized_parts_scale_from_the_watched_step(alexnet: dict[str, Any]) -> None:
    record = alexnet
    cost = train_network("alexnet", WATCHED_BATCH, "momentum")
    scale = 128 // WATCHED_BATCH
    assert record["memory"]["saved_for_backward"] == scale * cost.memory.saved
    assert record["memory"]["predicted_peak"] == cost.peak_at(128)
    watched = {layer.name: layer.saved for layer in cost.layers}
    assert all(layer["saved_bytes"] == scale * watched[layer["name"]] for layer in record["layers"])
    # One tower holds half the step, its half of the batch and the other half of conv3's, fc6's, fc7's
    # and fc8's inputs: 256x13x13, 256x6x6, 4096 and 4096 values per image.
    crossing = 4 * 128 * (256 * 13 * 13 + 256 * 6 * 6 + 4096 + 4096) // 2
    expected = cost.peak_at(128) // 2 + 4 * 128 * 3 * 227 * 227 // 2 + crossing
    assert record["towers"]["memory_per_tower"] == expected


def test_handout_section(alexnet: dict[str, Any]) -> None:
    html = handout(alexnet)
    assert "What training costs" in html and "counted at batch 2" in html and "batch 128" in html
    assert "AlexNet&#39;s two GPUs" in html or "AlexNet's two GPUs" in html
    assert "not measured at batch 128" in html


def test_long_networks_list_their_largest_layers() -> None:
    record = gather("resnet-56")  # 6 x 9 + 2 weighted layers (He et al. 2016, Sec. 4.2)
    html = handout(record)
    assert f"The {HANDOUT_ROWS} largest of 56 layers" in html
    assert record["batch"] == 32 and "no recipe is recorded" in record["batch_source"]


def test_meta_is_skipped_in_one_line() -> None:
    record = gather("alexnet", device="meta")
    html = handout(record)
    assert "--device meta" in html and "<table" not in html


def _point(name: str) -> dict[str, Any]:
    """The index's point of ``name``, from its handout's record as ``report --all`` makes it."""
    (point,) = years.from_records([gather(name)], {name: zoo.spec(name).year})
    return point


def test_alexnet_point_from_the_layer_shapes() -> None:
    point = _point("alexnet")
    assert point["year"] == 2012
    assert point["training_flop"] == 2 * (ALEXNET_FORWARD + ALEXNET_BACKWARD) * 1_200_000 * 90


def test_resnet_50_point() -> None:
    # Table 1's conv and fc multiply-adds (about 3.8 x 10^9); conv1 needs no input gradient.
    forward = imagenet_counts(True, [3, 4, 6, 3])[1]
    backward = 2 * forward - 64 * 112 * 112 * 3 * 7 * 7
    point = _point("resnet-50")
    assert point["training_flop"] == 2 * (forward + backward) * 600_000 * 256  # Sec. 3.4: 60 x 10^4 of 256
    assert point["year"] == 2015


def test_points_from_records_keep_recipes_only() -> None:
    records: list[dict[str, Any]] = [
        {"network": "resnet-50", "totals": {"step_flops_per_sample": 3}},
        {"network": "alexnet", "totals": {"step_flops_per_sample": 5}},
        {"network": "lenet5", "totals": {"step_flops_per_sample": 7}},  # no recipe
        {"network": "vgg-d", "skipped": "Not shown."},
    ]
    points = years.from_records(records, {"alexnet": 2012, "resnet-50": 2015, "lenet5": 1998, "vgg-d": 2014})
    assert [p["network"] for p in points] == ["alexnet", "resnet-50"]
    assert points[0]["training_flop"] == 5 * data.RECIPES["alexnet"].samples


def test_chart() -> None:
    points = years.from_records(
        [{"network": n, "totals": {"step_flops_per_sample": 10**9}} for n in ("alexnet", "vgg-d", "resnet-50")],
        {"alexnet": 2012, "vgg-d": 2014, "resnet-50": 2015},
    )
    drawing = svg(points)
    assert drawing.startswith("<svg") and drawing == svg(points)  # the same points, the same bytes
    assert svg([]) == ""


def test_chart_imports_no_torch() -> None:
    code = "import sys, archstats.render.charts.training_years\nprint('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
