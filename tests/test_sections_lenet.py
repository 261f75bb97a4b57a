"""LeNet-5's handout sections: C3's connection table and F6's prototypes (render/sections/lenet.py).

Expected values from LeCun et al. 1998: Table I (which S2 maps each C3 map reads), Sec. II-B
(C3: 1,516 trainable parameters and 151,600 connections; F6's prototypes are 7×12 bitmaps of ±1).
"""

from __future__ import annotations

from typing import Any

import pytest

from archstats.handout_inputs import gather
from archstats.render.sections import lenet

ZooReport = Any  # the session fixture of conftest: name -> Report

# Table I as the paper prints it: rows are S2's maps 0-5, columns C3's maps 0-15.
TABLE_I = (
    "X...XXX..XXXX.XX",
    "XX...XXX..XXXX.X",
    "XXX...XXX..X.XXX",
    ".XXX..XXXX..X.XX",
    "..XXX..XXXX.XX.X",
    "...XXX..XXXX.XXX",
)
# 6 maps read 3 S2 maps, 9 read 4, one reads all 6; 5×5 kernels and one bias per map.
C3_PARAMS = 6 * (5 * 5 * 3 + 1) + 9 * (5 * 5 * 4 + 1) + (5 * 5 * 6 + 1)
C3_CONNECTIONS = C3_PARAMS * 10 * 10  # one per weight at each of the 10×10 output positions


@pytest.fixture(scope="module")
def buffers(zoo_report: ZooReport) -> Any:
    return gather(zoo_report("lenet5")).buffers


def test_c3_counts_from_table_one(zoo_report: ZooReport, buffers: Any) -> None:
    c3 = lenet.connection_table(zoo_report("lenet5").analysis, *buffers["table"])
    assert c3 is not None and (c3.layer, c3.source) == (
        "C3",
        "S2",
    )  # S2 has its trainable coefficient and bias: weighted
    assert [[c3.table[o][i] for o in range(16)] for i in range(6)] == [[c == "X" for c in row] for row in TABLE_I]
    assert [(r.reads, r.maps) for r in c3.readers] == [(3, tuple(range(6))), (4, tuple(range(6, 15))), (6, (15,))]
    assert c3.params == C3_PARAMS == 1_516
    assert c3.connections == C3_CONNECTIONS == 151_600
    assert c3.dense_params == (5 * 5 * 6 + 1) * 16  # a full 5×5 convolution of S2's 6 maps
    assert (c3.traced_params, c3.traced_connections) == (C3_PARAMS, C3_CONNECTIONS)


def test_c3_counts_any_table_not_just_lenets(zoo_report: ZooReport) -> None:
    # Every output map reads every input map: the table counts a full convolution.
    full = [[1] * 6 for _ in range(16)]
    c3 = lenet.connection_table(zoo_report("lenet5").analysis, "C3", full)
    assert c3 is not None and [(r.reads, len(r.maps)) for r in c3.readers] == [(6, 16)]
    assert c3.params == c3.dense_params == (5 * 5 * 6 + 1) * 16
    assert lenet.connection_table(zoo_report("lenet5").analysis, "no-such-layer", full) is None


def test_prototypes_are_seven_by_twelve_bitmaps(zoo_report: ZooReport, buffers: Any) -> None:
    p = lenet.prototypes(zoo_report("lenet5").analysis, *buffers["prototypes"])
    assert p is not None and (p.width, p.height, p.features) == (7, 12, 84)
    assert len(p.values) == 10 and p.levels == (-1.0, 1.0)
    assert len(set(p.values)) == 10  # ten different digits, not the trace's zeros
    assert (p.params, p.buffers) == (0, 10 * 84)  # fixed: a buffer, not parameters
    assert p.connections == p.fvcore_macs == 10 * 84  # one per prototype coordinate, no bias


def test_prototypes_not_seven_wide_are_not_drawn(zoo_report: ZooReport) -> None:
    assert lenet.prototypes(zoo_report("lenet5").analysis, "F6", [[1.0] * 85] * 10) is None


def test_c3_section_shows_the_derivation(zoo_report: ZooReport) -> None:
    report = zoo_report("lenet5")
    section = lenet.c3_section(report, gather(report))
    assert section is not None
    (table,) = section.tables
    assert [r[2] for r in table.rows] == [
        f"6×(5×5×3+1) = {6 * 76}",
        f"9×(5×5×4+1) = {9 * 101}",
        f"1×(5×5×6+1) = {151}",
    ]
    assert table.foot == ("all", "", "1,516", "151,600")
    assert section.text[1].endswith("traced: 1,516 and 151,600 — the same.")
    assert "<svg" in section.figure
