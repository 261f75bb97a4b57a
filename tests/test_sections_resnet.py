"""ResNets' shortcuts section (render/sections/resnet.py): blocks found in the trace, counted per stage.

Expected values from He et al. 2015: Table 1 (blocks per stage: ResNet-18 [2, 2, 2, 2],
ResNet-50 [3, 4, 6, 3]); Sec. 3.3 option B (a 1×1 convolution and BatchNorm where the maps
change) for the ImageNet ResNets; Sec. 4.2 option A (parameter-free) and 6n+2 layers for CIFAR.
"""

from __future__ import annotations

from typing import Any

import pytest

from archstats.handout_inputs import gather
from archstats.render.sections import resnet

ZooReport = Any  # the session fixture of conftest: name -> Report


def _bn(channels: int) -> int:
    """BatchNorm's parameters: weight and bias (its running mean and variance are buffers)."""
    return 2 * channels


def test_resnet18_projections_where_maps_double(zoo_report: ZooReport) -> None:
    s = resnet.shortcuts(zoo_report("resnet-18").analysis)
    assert s is not None
    assert [(stage.name, len(stage.blocks)) for stage in s.stages] == [(f"layer{i}", 2) for i in range(1, 5)]
    projections = {b.name: b.shortcut_params for b in s.blocks if b.kind == "projection"}
    assert projections == {
        "layer2.0": 64 * 128 + _bn(128),
        "layer3.0": 128 * 256 + _bn(256),
        "layer4.0": 256 * 512 + _bn(512),
    }
    assert s.count("identity") == 8 - 3 and s.shortcut_params == sum(projections.values())


@pytest.mark.parametrize(("name", "per_stage"), [("resnet-50", [3, 4, 6, 3]), ("resnet-101", [3, 4, 23, 3])])
def test_bottleneck_resnets_blocks_per_stage(zoo_report: ZooReport, name: str, per_stage: list[int]) -> None:
    s = resnet.shortcuts(zoo_report(name).analysis)
    assert s is not None and [len(stage.blocks) for stage in s.stages] == per_stage
    # Option B at each stage's first block: 1×1 from the stage's input to 4× its width, and BatchNorm.
    widths = [(64, 256), (256, 512), (512, 1024), (1024, 2048)]
    assert [b.shortcut_params for b in s.blocks if b.kind == "projection"] == [i * o + _bn(o) for i, o in widths]


def test_cifar_resnet_shortcuts_are_parameter_free(zoo_report: ZooReport) -> None:
    s = resnet.shortcuts(zoo_report("resnet-20").analysis)
    assert s is not None and len(s.blocks) == 9  # 6n+2 = 20: n = 3 blocks per stage
    assert s.count("parameter-free") == 2  # option A where stages 2 and 3 begin
    assert s.shortcut_params == 0


def test_no_blocks_without_additions(zoo_report: ZooReport) -> None:
    assert resnet.shortcuts(zoo_report("vgg-a").analysis) is None


def test_section_table_foot(zoo_report: ZooReport) -> None:
    report = zoo_report("resnet-18")
    section = resnet.shortcuts_section(report, gather(report))
    assert section is not None
    shortcut = 64 * 128 + _bn(128) + 128 * 256 + _bn(256) + 256 * 512 + _bn(512)
    assert section.tables[0].foot[:6] == ("all", "8", "5", "3", "0", f"{shortcut:,}")
    resnet18 = 11_689_512  # torchvision's documented parameter count of resnet18
    assert section.tables[0].foot[6] == f"{100 * shortcut / resnet18:.1f}% of the network"
