"""The zoo: the registry, every spec against its published figures, LeNet-5 and AlexNet details.

Sources: LeCun, Bottou, Bengio, Haffner 1998 (Sec. II-B, Table I); Krizhevsky, Sutskever,
Hinton 2012; the article (shared/article/CLAIMS.md, ids lenet.* and alexnet.*).
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from archstats import Analysis
from archstats.zoo import Report
from archstats_zoo import REGISTRY, DuplicateModelError, ModelSpec, Registry
from archstats_zoo.lenet import C3_TABLE, DIGIT_BITMAPS, EuclideanRBF, lenet5

ROOT = Path(__file__).resolve().parents[1]


class _Analyses:
    """The session's traces (tests/conftest.py), looked up by name."""

    def __init__(self, zoo_report: Callable[[str], Report]) -> None:
        self._get = zoo_report

    def __getitem__(self, name: str) -> Analysis:
        return self._get(name).analysis


@pytest.fixture()
def analyses(zoo_report: Callable[[str], Report]) -> _Analyses:
    return _Analyses(zoo_report)


# -- the registry ----------------------------------------------------------------------


def _spec(name: str) -> ModelSpec:
    return ModelSpec(name=name, builder=lenet5, input_shape=(1, 1, 32, 32), paper="p", year=1998, summary="s")


def test_duplicate_name_raises() -> None:
    registry = Registry()
    registry.register(_spec("net"))
    with pytest.raises(DuplicateModelError):
        registry.register(_spec("net"))
    assert registry.names() == ["net"]
    assert len(registry) == 1


def test_duplicate_of_a_zoo_name_raises_and_leaves_the_zoo_alone() -> None:
    name = REGISTRY.names()[0]
    before = REGISTRY.get(name)
    with pytest.raises(DuplicateModelError):
        REGISTRY.register(_spec(name))
    assert REGISTRY.get(name) is before


def test_registry_lookup() -> None:
    registry = Registry()
    first, second = registry.register(_spec("a")), registry.register(_spec("b"))
    assert registry.get("b") is second
    assert "a" in registry
    assert "c" not in registry
    assert list(registry) == [first, second]
    with pytest.raises(KeyError):
        registry.get("c")


def test_zoo_holds_the_classic_networks() -> None:
    assert {"lenet5", "alexnet"} <= set(REGISTRY.names())


@pytest.mark.parametrize("name", REGISTRY.names())
def test_spec_builds_and_runs(name: str, analyses: _Analyses) -> None:
    spec = REGISTRY.get(name)
    with torch.device("meta"):  # building must not depend on weight values
        model = spec.builder()
    assert isinstance(model, nn.Module)
    output = analyses[name].output_shape
    assert output is not None and output[0] == spec.input_shape[0]


@pytest.mark.parametrize("name", REGISTRY.names())
def test_spec_is_documented(name: str) -> None:
    spec = REGISTRY.get(name)
    assert spec.paper and spec.summary and spec.year > 1900
    for figure in spec.published:
        assert figure.source, figure  # a figure without a source does not go in (STYLE.md)
        assert figure.unit, figure
        assert 0 <= figure.rel_tol < 1, figure


def test_published_figures_hold(analyses: _Analyses) -> None:
    # Like torchvision's test of each model's meta: collect every mismatch, assert once.
    mismatches = []
    for spec in REGISTRY:
        totals = analyses[spec.name].totals
        for figure in spec.published:
            if not hasattr(totals, figure.quantity):
                mismatches.append(f"{spec.name}: unknown quantity {figure.quantity!r} ({figure.source})")
                continue
            measured = getattr(totals, figure.quantity)
            if not math.isclose(measured, figure.value, rel_tol=figure.rel_tol):
                mismatches.append(
                    f"{spec.name}: {figure.quantity} measured {measured:,} vs published {figure.value:,} "
                    f"(rel_tol {figure.rel_tol}, {figure.source})"
                )
    assert not mismatches, "\n".join(mismatches)


def test_models_never_imports_archstats() -> None:
    code = "import archstats_zoo, sys; assert not any(m.split('.')[0] == 'archstats' for m in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- LeNet-5 ---------------------------------------------------------------------------


def _is_cyclic_run(maps: tuple[int, ...], n: int = 6) -> bool:
    """Whether ``maps`` are adjacent S2 maps, wrapping round from 5 to 0 (Table I)."""
    return any({(start + i) % n for i in range(len(maps))} == set(maps) for start in range(n))


def test_c3_table_follows_lecun_table_1() -> None:
    # LeCun 1998 Table I / article lenet.c3: 6 maps on 3 adjacent S2 maps, 6 on 4 adjacent,
    # 3 on 4 non-adjacent, 1 on all 6.
    assert len(C3_TABLE) == 16
    assert all(len(set(maps)) == len(maps) and set(maps) <= set(range(6)) for maps in C3_TABLE)
    first, second, third, last = C3_TABLE[:6], C3_TABLE[6:12], C3_TABLE[12:15], C3_TABLE[15]
    assert all(len(m) == 3 and _is_cyclic_run(m) for m in first)
    assert all(len(m) == 4 and _is_cyclic_run(m) for m in second)
    assert all(len(m) == 4 and not _is_cyclic_run(m) for m in third)
    assert sorted(last) == list(range(6))
    # Every map's subset differs (Table I breaks symmetry).
    assert len({frozenset(m) for m in C3_TABLE}) == 16
    # 6*(3*5*5+1) + 6*(4*5*5+1) + 3*(4*5*5+1) + 1*(6*5*5+1) = 1,516 (article lenet.c3).
    assert sum(len(m) * 5 * 5 + 1 for m in C3_TABLE) == 1_516


def test_rbf_prototypes_are_fixed_bitmaps() -> None:
    # Article lenet.out / LeCun 1998 Sec. II-B: 10 RBF units whose parameters are fixed,
    # -1/+1 drawings of characters on a 7x12 bitmap.
    model = lenet5()
    rbf = model.get_submodule("output")
    assert isinstance(rbf, EuclideanRBF)
    assert "prototypes" in dict(rbf.named_buffers())
    assert not any(name == "prototypes" for name, _ in rbf.named_parameters())
    assert list(rbf.parameters()) == []
    prototypes = rbf.prototypes
    assert prototypes.shape == (10, 7 * 12)
    assert set(prototypes.flatten().tolist()) == {-1.0, 1.0}
    assert len(DIGIT_BITMAPS) == 10
    for digit, bitmap in enumerate(DIGIT_BITMAPS):
        assert len(bitmap) == 12 and all(len(row) == 7 for row in bitmap), digit
        drawn = torch.tensor([[1.0 if c == "#" else -1.0 for c in row] for row in bitmap])
        assert torch.equal(prototypes[digit].view(12, 7), drawn), digit
    assert len({tuple(p.tolist()) for p in prototypes}) == 10  # ten different digits


def test_lenet_has_seven_layers(analyses: _Analyses) -> None:
    # Article lenet.layers: C1, S2, C3, S4, C5, F6, output.
    weighted = [layer.name for layer in analyses["lenet5"].layers if layer.weighted]
    assert weighted == ["C1", "S2", "C3", "S4", "C5", "F6", "output"]
    assert analyses["lenet5"].totals.depth == 7


def test_lenet_totals(analyses: _Analyses) -> None:
    # LeCun 1998 Sec. II-B: 340,908 connections, 60,000 trainable parameters; plus the
    # 10 x 84 fixed RBF prototypes, a buffer: not parameters, so params = trainable = 60,000.
    totals = analyses["lenet5"].totals
    assert totals.connections == 340_908
    assert totals.trainable_params == totals.params == 60_000
    assert totals.buffers == 10 * 84
    # The article's per-layer parameters: 156 + 12 + 1,516 + 32 + 48,120 + 10,164.
    assert totals.trainable_params == (5 * 5 + 1) * 6 + 2 * 6 + 1_516 + 2 * 16 + 120 * (16 * 5 * 5 + 1) + 84 * (120 + 1)


# -- AlexNet ---------------------------------------------------------------------------

ALEXNET_PARAMS = {
    # Article alexnet.conv1 ... alexnet.fc8; conv2, conv4, conv5 see one tower's half.
    "conv1": (11 * 11 * 3 + 1) * 96,  # 34,944
    "conv2": (5 * 5 * 48 + 1) * 256,  # 307,456
    "conv3": (3 * 3 * 256 + 1) * 384,  # 885,120
    "conv4": (3 * 3 * 192 + 1) * 384,  # 663,936
    "conv5": (3 * 3 * 192 + 1) * 256,  # 442,624
    "fc6": (6 * 6 * 256 + 1) * 4096,  # 37,752,832
    "fc7": (4096 + 1) * 4096,  # 16,781,312
    "fc8": (4096 + 1) * 1000,  # 4,097,000
}

ALEXNET_NEURONS = {
    # Article alexnet.conv1 ... alexnet.fc8 (fc8 has 1000 units; the article's 4096 is an erratum).
    "conv1": 55 * 55 * 48 * 2,
    "conv2": 27 * 27 * 128 * 2,
    "conv3": 13 * 13 * 192 * 2,
    "conv4": 13 * 13 * 192 * 2,
    "conv5": 13 * 13 * 128 * 2,
    "fc6": 4096,
    "fc7": 4096,
    "fc8": 1000,
}


@pytest.mark.parametrize(("name", "expected"), ALEXNET_PARAMS.items())
def test_alexnet_layer_params(analyses: _Analyses, name: str, expected: int) -> None:
    layer = analyses["alexnet"].layer(name)
    assert layer.params == layer.trainable_params == expected
    assert layer.buffers == 0


@pytest.mark.parametrize(("name", "expected"), ALEXNET_NEURONS.items())
def test_alexnet_layer_neurons(analyses: _Analyses, name: str, expected: int) -> None:
    assert analyses["alexnet"].layer(name).neurons == expected


def test_alexnet_totals(analyses: _Analyses) -> None:
    # Article alexnet.totals: 60,965,224 trainable; conv 2,334,080; FC 58,631,144.
    analysis = analyses["alexnet"]
    assert analysis.totals.trainable_params == sum(ALEXNET_PARAMS.values()) == 60_965_224
    assert analysis.totals.params == 60_965_224
    conv = sum(analysis.layer(f"conv{i}").params for i in range(1, 6))
    fc = sum(analysis.layer(f"fc{i}").params for i in range(6, 9))
    assert conv == 2_334_080
    assert fc == 58_631_144
    # Article: 809,800 neurons including the 224 x 224 x 3 input units.
    assert analysis.totals.neurons == 809_800 - 224 * 224 * 3
    assert analysis.totals.input_units == 227 * 227 * 3


def test_alexnet_shape(analyses: _Analyses) -> None:
    # Article alexnet.shape: 8 weighted layers, 5 conv + 3 FC, max-pools after conv1, conv2, conv5.
    analysis = analyses["alexnet"]
    weighted = [layer.name for layer in analysis.layers if layer.weighted]
    assert weighted == [*(f"conv{i}" for i in range(1, 6)), *(f"fc{i}" for i in range(6, 9))]
    assert analysis.totals.depth == 8
    pools = [layer.name for layer in analysis.layers if layer.type == "MaxPool2d"]
    assert pools == ["pool1", "pool2", "pool5"]
    # Article: 55 ((227-11)/4+1), 27, 13 and 6 as the sides of the maps.
    assert analysis.layer("conv1").output_shape == (1, 96, (227 - 11) // 4 + 1, (227 - 11) // 4 + 1)
    assert analysis.layer("pool1").output_shape == (1, 96, (55 - 3) // 2 + 1, (55 - 3) // 2 + 1)
    assert analysis.layer("pool2").output_shape == (1, 256, (27 - 3) // 2 + 1, (27 - 3) // 2 + 1)
    assert analysis.layer("pool5").output_shape == (1, 256, (13 - 3) // 2 + 1, (13 - 3) // 2 + 1)
    assert analysis.output_shape == (1, 1000)
