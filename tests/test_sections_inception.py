"""Inception 3a's section (render/sections/inception.py): the naive module beside the reduced one.

Expected values from Szegedy et al. 2014, Table 1 (3a: #1×1 64; #3×3 reduce 96, #3×3 128;
#5×5 reduce 16, #5×5 32; pool proj 32) and Fig. 2 (the naive module: no reductions, the pooled
192 maps passed on whole), on the module's 192×28×28 input.
"""

from __future__ import annotations

from typing import Any

import pytest

from archstats.handout_inputs import gather
from archstats.render.sections import inception

ZooReport = Any  # the session fixture of conftest: name -> Report

GRID = 28 * 28  # Inception 3a keeps its 28×28 grid in every branch
NAIVE = {  # branch: (params, MACs, maps out)
    "branch1": ((192 + 1) * 64, GRID * 192 * 64, 64),
    "branch2": ((3 * 3 * 192 + 1) * 128, GRID * 3 * 3 * 192 * 128, 128),
    "branch3": ((5 * 5 * 192 + 1) * 32, GRID * 5 * 5 * 192 * 32, 32),
    "branch4": (0, 0, 192),
}
REDUCED = {
    "branch1": ((192 + 1) * 64, GRID * 192 * 64, 64),
    "branch2": ((192 + 1) * 96 + (3 * 3 * 96 + 1) * 128, GRID * (192 * 96 + 3 * 3 * 96 * 128), 128),
    "branch3": ((192 + 1) * 16 + (5 * 5 * 16 + 1) * 32, GRID * (192 * 16 + 5 * 5 * 16 * 32), 32),
    "branch4": ((192 + 1) * 32, GRID * 192 * 32, 32),
}


def _sums(branches: dict[str, tuple[int, int, int]]) -> tuple[int, int, int]:
    return (
        sum(v[0] for v in branches.values()),
        sum(v[1] for v in branches.values()),
        sum(v[2] for v in branches.values()),
    )


def _branches(m: inception.Module) -> dict[str, tuple[int, int, int]]:
    return {b.name: (b.params, b.fvcore_macs, b.maps) for b in m.branches}


def test_modules_branch_by_branch(zoo_report: ZooReport) -> None:
    naive = zoo_report("inception-3a-naive").analysis
    reduced = zoo_report("inception-3a").analysis
    c = inception.compare(naive, reduced, reduced)
    assert c is not None
    assert _branches(c.naive) == NAIVE and _branches(c.reduced) == REDUCED
    assert (c.naive.params, c.naive.fvcore_macs, c.naive.maps) == _sums(NAIVE)
    assert (c.reduced.params, c.reduced.fvcore_macs, c.reduced.maps) == _sums(REDUCED)
    assert round(c.reduced.fvcore_macs / 1e6) == 128  # Table 1's "ops" for 3a: 128M
    assert c.naive.input_shape == c.reduced.input_shape == (192, 28, 28)
    # 3×3×192×128 MACs per position against 5×5×192×32 and 192×64.
    assert c.naive.branches[c.dearest].name == "branch2"
    assert c.own is None
    assert c.reduced.branches[1].steps == ("1×1 conv, 96", "3×3 conv, 128")
    assert c.naive.branches[3].steps == ("3×3 max-pool",)


def test_googlenets_own_3a_is_the_module_traced_alone(zoo_report: ZooReport) -> None:
    c = inception.compare(
        zoo_report("inception-3a-naive").analysis, zoo_report("inception-3a").analysis, zoo_report("googlenet").analysis
    )
    assert c is not None and c.network == "googlenet"
    assert c.own == _sums(REDUCED)[:2] and c.own_is_reduced


@pytest.mark.parametrize("name", ["inception-3a", "inception-3a-naive", "googlenet"])
def test_section_compares_the_same_modules_on_each_page(zoo_report: ZooReport, name: str) -> None:
    report = zoo_report(name)
    section = inception.inception_3a_section(report, gather(report))
    assert section is not None and isinstance(section.data, inception.Comparison)
    assert _branches(section.data.naive) == NAIVE and _branches(section.data.reduced) == REDUCED
    assert section.tables[0].foot[0] == "all: 416 / 256 maps out"
    assert section.text[-1].endswith(", as the module traced alone.") == (name == "googlenet")
