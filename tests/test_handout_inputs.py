"""What a handout gathers before it is rendered (archstats/handout_inputs.py): buffers of a normal
build, compared networks from the cache.

Expected values from LeCun et al. 1998: Table I (6 of C3's maps read 3 of S2's, 9 read 4, 1 reads
all 6) and Sec. II-B (the prototypes are 7×12 bitmaps).
"""

from __future__ import annotations

from typing import Any

from archstats.handout_inputs import gather, module_types

ZooReport = Any  # the session fixture of conftest: name -> Report


def test_gathering_reads_lenet5s_buffers_from_a_normal_build(zoo_report: ZooReport) -> None:
    inputs = gather(zoo_report("lenet5"))
    name, table = inputs.buffers["table"]
    assert name == "C3" and len(table) == 16 and all(len(row) == 6 for row in table)
    # LeCun et al. 1998, Table I: 6 maps read 3 of S2's maps, 9 read 4, 1 reads all 6.
    assert sum(bool(v) for row in table for v in row) == 6 * 3 + 9 * 4 + 6
    name, prototypes = inputs.buffers["prototypes"]
    assert len(prototypes) == 10 and {len(row) for row in prototypes} == {7 * 12}  # Sec. II-B: 7×12 bitmaps
    assert inputs.others == {}


def test_gathering_takes_compared_networks_from_the_cache(zoo_report: ZooReport, monkeypatch: Any) -> None:
    import archstats.zoo

    def traced_again(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a network in the cache was traced again")

    cache = {"inception-3a-naive": zoo_report("inception-3a-naive").analysis}
    reduced = zoo_report("inception-3a")
    monkeypatch.setattr(archstats.zoo, "analyze_network", traced_again)
    inputs = gather(reduced, cache)
    # The report's own network is its own trace; the other one comes from the cache.
    assert inputs.others == cache and inputs.buffers == {}


def test_module_types_come_from_a_meta_build(zoo_report: ZooReport) -> None:
    types = module_types(zoo_report("resnet-18"))
    assert types["layer2.0.shortcut.conv"] == "Conv2d" and types["layer2.0"] == "BasicBlock"


def test_a_users_model_gets_no_family_sections_inputs(zoo_report: ZooReport) -> None:
    import dataclasses

    report = zoo_report("lenet5")
    mine = dataclasses.replace(report, spec=dataclasses.replace(report.spec))  # same name, not the registered spec
    inputs = gather(mine)
    assert not inputs.zoo and inputs.buffers == {} and inputs.others == {}
