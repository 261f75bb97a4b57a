"""One params figure everywhere: `list`, the JSON, the handout's headline and the index, for every network.

Expected values are published figures or closed forms: torchvision's documented
num_params of ResNet-18 ... 152 (the same for v1 and v1.5: the stride moves, no weight
does), the CIFAR ResNet-20's 269,722 (He et al. 2015, Table 6: 0.27M; the exact count of
the option-A network), GoogLeNet's 6,998,552 at inference and 13,378,280 with the
auxiliary heads, and ResNet-50's BatchNorm buffers, two per BatchNorm channel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from archstats.cli import main
from archstats.render import _format as fmt
from archstats.render import exports, index
from archstats.zoo import Report
from archstats_zoo import REGISTRY

ZooReport = Callable[[str], Report]
NAMES = REGISTRY.names()

# torchvision's documentation, weights ResNet*_Weights.IMAGENET1K_V1: num_params.
TORCHVISION_PARAMS = {
    "resnet-18": 11_689_512,
    "resnet-34": 21_797_672,
    "resnet-50": 25_557_032,
    "resnet-101": 44_549_160,
    "resnet-152": 60_192_808,
}
CIFAR_RESNET_20 = 269_722
# GoogLeNet (Szegedy et al. 2014, Table 1 and Sec. 5): the inference network, then with both heads.
GOOGLENET_INFERENCE, GOOGLENET_ALL = 6_998_552, 13_378_280


@pytest.fixture(scope="module")
def listed() -> dict[str, tuple[int, int]]:
    """``archstats list``: each network's params and params at inference, as printed."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["list"]) == 0
    header, *lines = out.getvalue().splitlines()
    assert header.split()[:5] == ["name", "input", "params", "at", "inference"]
    rows = {}
    for line in lines:
        name, _shape, params, inference, *_ = line.split()
        rows[name] = (int(params.replace(",", "")), int(inference.replace(",", "")))
    return rows


@pytest.fixture(scope="module")
def index_rows(zoo_report: ZooReport) -> dict[str, dict[str, object]]:
    return {row["name"]: row for row in index.context([zoo_report(n) for n in NAMES])["rows"]}


def test_one_params_figure_for_every_network(
    listed: dict[str, tuple[int, int]], index_rows: dict[str, dict[str, object]], zoo_report: ZooReport
) -> None:
    assert list(listed) == NAMES
    mismatches = []
    for name in NAMES:
        r = zoo_report(name)
        totals = exports.to_dict(r)["totals"]
        with torch.device("meta"):
            model = r.spec.builder()
        pytorch = sum(p.numel() for p in model.parameters())  # PyTorch's own count, each tensor once
        params, inference = listed[name]
        headline = fmt.params_headline(r)
        expected_headline = (
            f"{inference:,}" if inference == params else f"{inference:,} at inference · {params:,} with "
        )
        row = index_rows[name]
        found = {
            "list": params,
            "json": totals["params"],
            "pytorch": pytorch,
            "index": int(str(row["params"]).replace(",", "")),
        }
        if len(set(found.values())) != 1:
            mismatches.append(f"{name}: params {found}")
        at_inference = {
            "list": inference,
            "json": totals["inference_params"],
            "index": int(str(row["inference"]).replace(",", "")),
        }
        if len(set(at_inference.values())) != 1:
            mismatches.append(f"{name}: at inference {at_inference}")
        if not headline.startswith(expected_headline):
            mismatches.append(f"{name}: headline {headline!r}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("name", TORCHVISION_PARAMS)
def test_resnets_have_torchvisions_documented_params(name: str, zoo_report: ZooReport) -> None:
    totals = zoo_report(name).analysis.totals
    assert totals.params == totals.trainable_params == totals.inference_params == TORCHVISION_PARAMS[name]


def test_cifar_resnet_20_params(zoo_report: ZooReport) -> None:
    assert zoo_report("resnet-20").analysis.totals.params == CIFAR_RESNET_20


def test_resnet_50_buffers_are_two_per_batchnorm_channel(zoo_report: ZooReport) -> None:
    # He et al. 2015, Table 1: BatchNorm after conv1 (64) and after every convolution of the
    # bottlenecks (w, w, 4w), and after each stage's 1x1 projection (4w).
    stages = ((64, 3), (128, 4), (256, 6), (512, 3))
    channels = 64 + sum(blocks * (w + w + 4 * w) + 4 * w for w, blocks in stages)
    totals = zoo_report("resnet-50").analysis.totals
    assert totals.buffers == 2 * channels == 53_120  # running mean and variance per channel
    assert totals.params == TORCHVISION_PARAMS["resnet-50"]  # the buffers are not in it


def test_googlenet_headline_gives_both_figures(zoo_report: ZooReport) -> None:
    r = zoo_report("googlenet")
    assert (
        fmt.params_headline(r) == f"{GOOGLENET_INFERENCE:,} at inference · {GOOGLENET_ALL:,} with the auxiliary heads"
    )
    assert (r.analysis.totals.inference_params, r.analysis.totals.params) == (GOOGLENET_INFERENCE, GOOGLENET_ALL)


def test_googlenet_handout_shows_both_figures_at_the_top(tmp_path: Path) -> None:
    out = tmp_path / "googlenet.html"
    assert main(["report", "googlenet", "--html", str(out), "--device", "cpu"]) == 0
    page = out.read_text(encoding="utf-8")
    start = page.index("<h2>At a glance</h2>")
    glance = page[start : page.index("<h2>", start + 1)]
    assert f"{GOOGLENET_INFERENCE:,} at inference · {GOOGLENET_ALL:,} with the auxiliary heads" in glance


def test_a_network_that_runs_whole_has_one_figure(zoo_report: ZooReport) -> None:
    r = zoo_report("lenet5")
    # LeCun et al. 1998, Sec. II-B: 60,000 trainable parameters; the 10 x 84 fixed prototypes are a buffer.
    assert fmt.params_headline(r) == "60,000"
    assert fmt.params_detail(r.analysis.totals) == f"trainable 60,000; buffers {10 * 84:,}, not in params"
