"""AlexNet's towers section (render/sections/alexnet.py), read from the grouped convolutions.

Expected values from Krizhevsky et al. 2012, Sec. 3.5 and Fig. 2: two GPUs; conv2, conv4 and
conv5 read only their own GPU's maps; 60,965,224 parameters (the article's total).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from archstats.analysis import analyze
from archstats.handout_inputs import gather
from archstats.render.sections import alexnet

ZooReport = Any  # the session fixture of conftest: name -> Report

CONV2 = (5 * 5 * 48 + 1) * 256  # each of 256 kernels reads 48 of 96 maps


def test_towers_are_read_from_the_groups(zoo_report: ZooReport) -> None:
    t = alexnet.towers(zoo_report("alexnet").analysis)
    assert t is not None and t.towers == 2
    assert {name for name, g in t.groups.items() if g == 2} == {"conv2", "conv4", "conv5"}
    # A one-tower conv2, conv4, conv5 would read all maps: twice the kernel weights of each.
    assert t.saved_params == 5 * 5 * 48 * 256 + 3 * 3 * 192 * 384 + 3 * 3 * 192 * 256
    assert t.params == 60_965_224


def test_towers_of_any_grouped_network() -> None:
    model = nn.Sequential(nn.Conv2d(8, 16, 3), nn.Conv2d(16, 32, 3, groups=4), nn.Flatten(), nn.Linear(32 * 4 * 4, 10))
    t = alexnet.towers(analyze(model, (1, 8, 8, 8), device="meta"))
    assert t is not None and t.towers == 4
    assert [t.groups[r.name] for r in t.layers] == [1, 4, 1]
    assert t.saved_params == 3 * 3 * 16 * 32 - 3 * 3 * 4 * 32  # all 16 maps instead of 4 per kernel


def test_no_towers_without_groups(zoo_report: ZooReport) -> None:
    assert alexnet.towers(zoo_report("vgg-a").analysis) is None


def test_towers_section_rows(zoo_report: ZooReport) -> None:
    report = zoo_report("alexnet")
    section = alexnet.towers_section(report, gather(report))
    assert section is not None
    rows = {row[0]: row for row in section.tables[0].rows}
    assert rows["conv2"][4] == f"2×(5×5×48+1)×128 = {CONV2:,}"
    assert rows["conv3"][2] == "all 256 maps of both towers"
    assert rows["conv1"][2] == "all 3 maps of the input"
