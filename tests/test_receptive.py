"""Receptive-field rules of archstats.trace.receptive against closed forms and published claims.

The recurrence, for a window of kernel k, stride s, padding p, dilation d:
    size' = size + (k - 1) * d * jump,   jump' = jump * s,
    start' = start + ((k - 1) / 2 * d - p) * jump   (start: centre of the first unit's field).
"""

from __future__ import annotations

import pytest

from archstats.trace.receptive import Field, expand, merge


def conv(f: Field, k: int, s: int = 1, p: int = 0, d: int = 1, weighted: bool = True) -> Field:
    """A square window op on a 2-D field."""
    return f.window((k, k), (s, s), (p, p), (d, d), weighted)


def test_input_field_is_one_pixel() -> None:
    f = Field.of_input((32, 32))
    assert f.size == (1, 1)
    assert f.jump == (1, 1)
    assert f.start == (0.5, 0.5)
    assert f.depth == 0
    assert not f.is_global


def test_two_stacked_3x3_see_5x5() -> None:
    # Simonyan & Zisserman 2015, Sec. 2.3: "a stack of two 3x3 conv. layers ... has an
    # effective receptive field of 5x5" (article vgg.stack).
    f = conv(conv(Field.of_input((224, 224)), 3, p=1), 3, p=1)
    assert f.size == (5, 5)
    assert f.jump == (1, 1)
    assert f.depth == 2


def test_three_stacked_3x3_see_7x7() -> None:
    # Simonyan & Zisserman 2015, Sec. 2.3: "three such layers have a 7x7 effective receptive field".
    f = Field.of_input((224, 224))
    for _ in range(3):
        f = conv(f, 3, p=1)
    assert f.size == (7, 7)
    assert f.depth == 3


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 13])
def test_n_stacked_3x3_see_2n_plus_1(n: int) -> None:
    f = Field.of_input((64, 64))
    for _ in range(n):
        f = conv(f, 3, p=1)
    assert f.size == (2 * n + 1, 2 * n + 1)
    assert f.depth == n


def test_alexnet_conv1_then_pool1() -> None:
    # AlexNet conv1 11x11 stride 4, then the overlapping 3x3 stride-2 max-pool:
    # 11 + (3 - 1) * 4 = 19 pixels, jump 4 * 2 = 8.
    f = conv(Field.of_input((227, 227)), 11, s=4)
    assert f.size == (11, 11)
    assert f.jump == (4, 4)
    assert f.start == (0.5 + 5, 0.5 + 5)  # centre of pixels 0..10
    f = conv(f, 3, s=2, weighted=False)
    assert f.size == (11 + (3 - 1) * 4, 11 + (3 - 1) * 4) == (19, 19)
    assert f.jump == (4 * 2, 4 * 2) == (8, 8)
    assert f.depth == 1  # pooling is not a weighted layer


def test_padding_moves_start_not_size() -> None:
    f = conv(Field.of_input((8, 8)), 3, p=1)
    assert f.size == (3, 3)
    assert f.start == (0.5 + (1 - 1), 0.5 + (1 - 1))  # centred on pixel 0
    g = conv(Field.of_input((8, 8)), 3, p=0)
    assert g.size == f.size
    assert g.start == (0.5 + 1, 0.5 + 1)


def test_dilation_spreads_the_kernel() -> None:
    f = conv(Field.of_input((32, 32)), 3, d=2)
    assert f.size == (1 + (3 - 1) * 2, 1 + (3 - 1) * 2)
    assert f.jump == (1, 1)


def test_dilated_stack_grows_exponentially() -> None:
    # Yu & Koltun 2016, Sec. 2: 3x3 convolutions with dilation 1, 2, 4 give receptive
    # fields of 3x3, 7x7 and 15x15 ((2^(i+2) - 1)^2).
    f = Field.of_input((64, 64))
    sizes = []
    for d in (1, 2, 4):
        f = conv(f, 3, p=d, d=d)
        sizes.append(f.size[0])
    assert sizes == [2 ** (i + 2) - 1 for i in range(3)] == [3, 7, 15]


def test_stride_multiplies_later_growth() -> None:
    f = conv(Field.of_input((32, 32)), 2, s=2)
    f = conv(f, 3)
    assert f.size == (2 + (3 - 1) * 2, 2 + (3 - 1) * 2)
    assert f.jump == (2, 2)


def test_rectangular_and_per_dimension_windows() -> None:
    f = Field.of_input((20, 30)).window((3, 5), (2, 1), (1, 2), (1, 2), True)
    assert f.size == (1 + 2 * 1, 1 + 4 * 2)
    assert f.jump == (2, 1)


def test_one_dimensional_and_three_dimensional() -> None:
    f1 = Field.of_input((100,)).window((7,), (2,), (3,), (1,), True)
    assert f1.size == (7,)
    assert f1.jump == (2,)
    f3 = Field.of_input((8, 16, 16)).window((3, 3, 3), (1, 2, 2), (1, 1, 1), (1, 1, 1), True)
    assert f3.size == (3, 3, 3)
    assert f3.jump == (1, 2, 2)


def test_unweighted_window_keeps_depth() -> None:
    f = conv(Field.of_input((8, 8)), 2, s=2, weighted=False)
    assert f.depth == 0


def test_deeper() -> None:
    f = conv(Field.of_input((8, 8)), 3)
    assert f.deeper(False) is f
    g = f.deeper(True)
    assert g.depth == f.depth + 1
    assert (g.size, g.jump, g.start) == (f.size, f.jump, f.start)


def test_whole_sees_the_entire_input() -> None:
    f = conv(Field.of_input((32, 32)), 5)
    g = f.whole((32, 32), weighted=True)
    assert g.is_global
    assert g.size == (32, 32)
    assert g.depth == f.depth + 1
    assert f.whole((32, 32), weighted=False).depth == f.depth


def test_window_after_whole_only_deepens() -> None:
    g = Field.of_input((16, 16)).whole((16, 16), weighted=False)
    h = conv(g, 3)
    assert h.is_global
    assert h.size == (16, 16)
    assert h.depth == g.depth + 1


def test_merge_takes_the_widest_field_and_the_deepest_path() -> None:
    x = Field.of_input((32, 32))
    wide = conv(x, 7)  # size 7, depth 1
    deep = conv(conv(x, 1), 1)  # size 1, depth 2
    merged = merge([deep, wide])
    assert merged is not None
    assert merged.size == (7, 7)
    assert merged.depth == 2


def test_merge_of_identity_and_branch() -> None:
    # A residual x + conv3x3(x): the branch's field and depth.
    x = conv(Field.of_input((32, 32)), 3)
    branch = conv(x, 3)
    merged = merge([x, branch])
    assert merged is not None
    assert merged.size == (5, 5)
    assert merged.depth == 2


def test_merge_prefers_a_global_field() -> None:
    x = Field.of_input((32, 32))
    local = conv(conv(conv(x, 3), 3), 3)
    global_ = x.whole((32, 32), weighted=False)
    merged = merge([local, global_])
    assert merged is not None
    assert merged.is_global
    assert merged.depth == 3


def test_merge_of_nothing_is_none() -> None:
    assert merge([]) is None


@pytest.mark.parametrize(
    ("value", "n", "expected"),
    [(3, 2, (3, 3)), ((3,), 2, (3, 3)), ((3, 5), 2, (3, 5)), (1, 3, (1, 1, 1)), ([2, 1, 1], 3, (2, 1, 1))],
)
def test_expand(value: int | tuple[int, ...], n: int, expected: tuple[int, ...]) -> None:
    assert expand(value, n) == expected
