"""LeNet-5 as LeCun, Bottou, Bengio and Haffner describe it (Proc. IEEE 1998, Sec. II-B).

Every layer that forms weighted sums is a module of its own, so each of the paper's
seven layers (C1, S2, C3, S4, C5, F6, the RBF output) is one row of an analysis.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from .registry import ModelSpec, PublishedFigure

# Table I of the paper: which S2 maps (rows of this list: the inputs) each C3 map reads.
# Maps 0-5 read 3 adjacent maps, 6-11 read 4 adjacent, 12-14 read 4 non-adjacent, 15 all 6.
C3_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)  # fmt: skip

# The RBF prototypes: one 7x12 bitmap per digit, '#' = +1, '.' = -1 (the paper's Fig. 3
# draws the whole ASCII set in this style; these are drawings of the ten digits).
DIGIT_BITMAPS: tuple[tuple[str, ...], ...] = (
    ("..###..", ".#...#.", "#.....#", "#.....#", "#.....#", "#.....#",
     "#.....#", "#.....#", "#.....#", ".#...#.", "..###..", "......."),
    ("...#...", "..##...", ".#.#...", "...#...", "...#...", "...#...",
     "...#...", "...#...", "...#...", "...#...", ".#####.", "......."),
    (".####..", "#....#.", "......#", "......#", ".....#.", "....#..",
     "...#...", "..#....", ".#.....", "#......", "#######", "......."),
    (".####..", "#....#.", "......#", ".....#.", "...##..", ".....#.",
     "......#", "......#", "......#", "#....#.", ".####..", "......."),
    ("....#..", "...##..", "..#.#..", ".#..#..", "#...#..", "#...#..",
     "#######", "....#..", "....#..", "....#..", "....#..", "......."),
    ("#######", "#......", "#......", "#......", "#####..", ".....#.",
     "......#", "......#", "......#", "#....#.", ".####..", "......."),
    ("..###..", ".#.....", "#......", "#......", "#####..", "#....#.",
     "#.....#", "#.....#", "#.....#", ".#...#.", "..###..", "......."),
    ("#######", "......#", ".....#.", ".....#.", "....#..", "....#..",
     "...#...", "...#...", "..#....", "..#....", "..#....", "......."),
    (".#####.", "#.....#", "#.....#", "#.....#", ".#...#.", "..###..",
     ".#...#.", "#.....#", "#.....#", "#.....#", ".#####.", "......."),
    ("..###..", ".#...#.", "#.....#", "#.....#", "#.....#", ".#....#",
     "..#####", "......#", "......#", ".....#.", "..###..", "......."),
)  # fmt: skip


def digit_prototypes() -> torch.Tensor:
    """The ten 7x12 bitmaps as a 10 x 84 tensor of -1/+1, row-major."""
    rows = [[1.0 if c == "#" else -1.0 for line in bitmap for c in line] for bitmap in DIGIT_BITMAPS]
    return torch.tensor(rows)


class Squash(nn.Module):
    """The paper's squashing function f(a) = A tanh(S a), A = 1.7159, S = 2/3 (its App. A)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 1.7159 * torch.tanh(x * (2.0 / 3.0))


class Subsampling(nn.Module):
    """S2 / S4: each unit sums a 2x2 block, times one trainable coefficient, plus one bias.

    The sum-times-coefficient is a depthwise 2x2 stride-2 convolution whose four taps share
    the map's single coefficient, so counting sees its four products and its bias per unit.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(channels))  # one coefficient per map
        self.bias = nn.Parameter(torch.empty(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kernel = self.weight.view(-1, 1, 1, 1).expand(-1, 1, 2, 2)
        return F.conv2d(x, kernel, self.bias, stride=2, groups=x.shape[1])


class PartialConv2d(nn.Module):
    """A convolution in which output map ``i`` reads only the input maps in ``table[i]``.

    Consecutive output maps with the same fan-in are computed by one grouped convolution
    over the input maps they read, gathered side by side, so the weights and the
    multiply-adds are exactly those of the sparse table (C3: 1,516 and 150,000), not
    those of a dense convolution.
    """

    def __init__(self, table: tuple[tuple[int, ...], ...], in_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        mask = torch.zeros(len(table), in_channels, dtype=torch.bool)
        for out_map, inputs in enumerate(table):
            mask[out_map, list(inputs)] = True
        # The connection table itself, kept for anyone who wants to draw it.
        self.register_buffer("table", mask)
        self.runs: list[tuple[int, int, int]] = []  # (first output map, maps, fan-in)
        start = 0
        while start < len(table):
            stop = start
            while stop < len(table) and len(table[stop]) == len(table[start]):
                stop += 1
            self.runs.append((start, stop - start, len(table[start])))
            start = stop
        self.weights = nn.ParameterList(
            nn.Parameter(torch.empty(maps, fan_in, kernel_size, kernel_size)) for _, maps, fan_in in self.runs
        )
        self.bias = nn.Parameter(torch.empty(len(table)))
        for i, (first, maps, _) in enumerate(self.runs):
            gather = [c for inputs in table[first : first + maps] for c in inputs]
            self.register_buffer(f"gather{i}", torch.tensor(gather), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = []
        for i, ((first, maps, _), weight) in enumerate(zip(self.runs, self.weights)):
            index = getattr(self, f"gather{i}")
            picked = x.index_select(1, index)  # N x (maps*fan_in) x H x W
            bias = self.bias[first : first + maps]
            outputs.append(F.conv2d(picked, weight, bias, groups=maps))
        return torch.cat(outputs, dim=1)


class EuclideanRBF(nn.Module):
    """Output units y_i = sum_j (x_j - w_ij)^2 with fixed prototypes w (a buffer, not trained)."""

    prototypes: torch.Tensor

    def __init__(self, prototypes: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("prototypes", prototypes.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cdist(x, self.prototypes).pow(2)  # N x 10


def lenet5() -> nn.Module:
    """LeNet-5 for a 1 x 32 x 32 input; layer names are the paper's."""
    return nn.Sequential(
        OrderedDict(
            [
                ("C1", nn.Conv2d(1, 6, 5)),  # N x 6 x 28 x 28
                ("act1", Squash()),
                ("S2", Subsampling(6)),  # N x 6 x 14 x 14
                ("act2", Squash()),
                ("C3", PartialConv2d(C3_TABLE, 6, 5)),  # N x 16 x 10 x 10
                ("act3", Squash()),
                ("S4", Subsampling(16)),  # N x 16 x 5 x 5
                ("act4", Squash()),
                ("C5", nn.Conv2d(16, 120, 5)),  # N x 120 x 1 x 1
                ("act5", Squash()),
                ("flatten", nn.Flatten()),
                ("F6", nn.Linear(120, 84)),  # N x 84
                ("act6", Squash()),
                ("output", EuclideanRBF(digit_prototypes())),  # N x 10
            ]
        )
    )


LECUN_1998 = (
    "LeCun, Bottou, Bengio, Haffner. Gradient-based learning applied to document recognition. Proc. IEEE 86(11), 1998"
)

SPECS = (
    ModelSpec(
        name="lenet5",
        builder=lenet5,
        input_shape=(1, 1, 32, 32),
        paper=LECUN_1998,
        year=1998,
        summary="LeNet-5: C3's partial connection table, trainable subsampling, RBF output",
        published=(
            PublishedFigure(
                "trainable_params", 60_000, "only 60,000 trainable free parameters because of the weight sharing",
                "LeCun et al. 1998, Sec. II-B", "parameters",
                "trainable only; the RBF prototypes are fixed", 0.0,
            ),
            PublishedFigure(
                "connections", 340_908, "the network in figure 2 contains 340,908 connections",
                "LeCun et al. 1998, Sec. II-B", "connections",
                "fan-in plus one bias per unit, shared weights counted at every use", 0.0,
            ),
        ),
    ),
)  # fmt: skip
