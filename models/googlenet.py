"""GoogLeNet (Inception v1) as Szegedy et al. describe it (CVPR 2015, arXiv:1409.4842).

The network of Table 1 and Figure 3: a convolutional stem, nine Inception modules with
the widths of Table 1 (true 5x5 convolutions, not torchvision's 3x3), ReLU after every
convolution, no BatchNorm, a 7x7 average pool, 40% dropout and one linear layer. The two
auxiliary classifiers of Sec. 5 hang off inception 4a and 4d and run in training mode
only ("at inference time, these auxiliary networks are discarded"), so an analysis in
eval mode lists them as never called.

Also here, for the article's 3a comparison (Figure 2): ``inception-3a``, the module with
its 1x1 reductions, and ``inception-3a-naive``, Figure 2(a) with 3a's widths and no
reductions, each on 3a's 192 x 28 x 28 input.

Departures from the paper, each for a stated reason:

- Pooling windows use Caffe's ceil-mode output size (``ceil_mode=True``, no padding), as
  the BVLC reference model of the paper does; Table 1 gives only the sizes, and this is
  what yields its 112 -> 56 -> 28 -> 14 -> 7 maps from a 224 x 224 input (floor mode
  without padding would give 55, 27, 13, 6; floor mode with padding 1 gives the same
  sizes as ceil mode, with windows shifted by one pixel, so receptive fields differ).
- The LRN constants (size 5, alpha 1e-4, beta 0.75, k 1) are not in the paper; they are
  the BVLC reference model's. LRN has no parameters, so no count depends on them.
- The closing soft-max of Table 1 and Figure 3 is left out (no parameters; the network
  returns the scores it normalises, as the loss expects). In training mode the network
  returns ``(main, aux1, aux2)`` scores; the 0.3 weight of the auxiliary losses belongs
  to the training loss, not to the network.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from .registry import ModelSpec, PublishedFigure


def _conv(in_channels: int, out_channels: int, kernel: int, stride: int = 1) -> nn.Conv2d:
    # "S" (same) padding of Figure 3: the map keeps its size at stride 1.
    return nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2)


def _max_pool() -> nn.MaxPool2d:
    # 3x3/2 with Caffe's ceil-mode size: 112 -> 56 -> 28 and 28 -> 14 -> 7 (module docstring).
    return nn.MaxPool2d(3, stride=2, ceil_mode=True)


def _lrn() -> nn.LocalResponseNorm:
    # Constants of the BVLC reference model; the paper does not give them.
    return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=1.0)


class DepthConcat(nn.Module):
    """Figure 3's "DepthConcat": the branches' maps stacked along the channels."""

    def forward(self, *branches: torch.Tensor) -> torch.Tensor:
        return torch.cat(branches, dim=1)  # N x (sum of the branch widths) x H x W


class Inception(nn.Module):
    """Four parallel branches over one input, concatenated along the channels."""

    def __init__(self, branch1: nn.Module, branch2: nn.Module, branch3: nn.Module, branch4: nn.Module) -> None:
        super().__init__()
        self.branch1 = branch1
        self.branch2 = branch2
        self.branch3 = branch3
        self.branch4 = branch4
        # A module of its own (as in Figure 3) so that the module's output is a row with a shape.
        self.concat = DepthConcat()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.concat(self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x))
        return out


def inception(
    in_channels: int, n1x1: int, n3x3_reduce: int, n3x3: int, n5x5_reduce: int, n5x5: int, pool_proj: int
) -> Inception:
    """Figure 2(b): the module with 1x1 reductions, arguments in Table 1's column order."""
    return Inception(
        nn.Sequential(OrderedDict([
            ("conv", _conv(in_channels, n1x1, 1)), ("relu", nn.ReLU(inplace=True)),
        ])),
        nn.Sequential(OrderedDict([
            ("reduce", _conv(in_channels, n3x3_reduce, 1)), ("relu_reduce", nn.ReLU(inplace=True)),
            ("conv", _conv(n3x3_reduce, n3x3, 3)), ("relu", nn.ReLU(inplace=True)),
        ])),
        nn.Sequential(OrderedDict([
            ("reduce", _conv(in_channels, n5x5_reduce, 1)), ("relu_reduce", nn.ReLU(inplace=True)),
            ("conv", _conv(n5x5_reduce, n5x5, 5)), ("relu", nn.ReLU(inplace=True)),
        ])),
        nn.Sequential(OrderedDict([
            ("pool", nn.MaxPool2d(3, stride=1, padding=1)),
            ("proj", _conv(in_channels, pool_proj, 1)), ("relu", nn.ReLU(inplace=True)),
        ])),
    )  # fmt: skip


def inception_naive(in_channels: int, n1x1: int, n3x3: int, n5x5: int) -> Inception:
    """Figure 2(a): 1x1, 3x3 and 5x5 convolutions and a 3x3 max-pool, no reductions."""
    return Inception(
        nn.Sequential(OrderedDict([("conv", _conv(in_channels, n1x1, 1)), ("relu", nn.ReLU(inplace=True))])),
        nn.Sequential(OrderedDict([("conv", _conv(in_channels, n3x3, 3)), ("relu", nn.ReLU(inplace=True))])),
        nn.Sequential(OrderedDict([("conv", _conv(in_channels, n5x5, 5)), ("relu", nn.ReLU(inplace=True))])),
        # The pooling branch passes on all of its input's maps: no kernels of its own.
        nn.Sequential(OrderedDict([("pool", nn.MaxPool2d(3, stride=1, padding=1))])),
    )  # fmt: skip


def aux_head(in_channels: int, num_classes: int = 1000) -> nn.Sequential:
    """An auxiliary classifier of Sec. 5, on a 14 x 14 map of inception 4a or 4d."""
    return nn.Sequential(
        OrderedDict(
            [
                ("pool", nn.AvgPool2d(5, stride=3)),  # N x C x 4 x 4: (14-5)/3+1 = 4
                ("conv", nn.Conv2d(in_channels, 128, 1)),  # N x 128 x 4 x 4
                ("relu_conv", nn.ReLU(inplace=True)),
                ("flatten", nn.Flatten()),  # N x 2048
                ("fc1", nn.Linear(128 * 4 * 4, 1024)),
                ("relu_fc1", nn.ReLU(inplace=True)),
                ("dropout", nn.Dropout(0.7)),
                ("fc2", nn.Linear(1024, num_classes)),  # N x 1000
            ]
        )
    )


class GoogLeNet(nn.Module):
    """Table 1's network with Sec. 5's auxiliary classifiers after 4a and 4d."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        # The stem as Figure 3 orders it: conv, pool, LRN, 1x1, 3x3, LRN, pool.
        self.conv1 = _conv(3, 64, 7, stride=2)  # N x 64 x 112 x 112
        self.relu1 = nn.ReLU(inplace=True)
        self.pool1 = _max_pool()  # N x 64 x 56 x 56
        self.norm1 = _lrn()
        self.conv2_reduce = _conv(64, 64, 1)  # Table 1's "#3x3 reduce" of the conv row
        self.relu2_reduce = nn.ReLU(inplace=True)
        self.conv2 = _conv(64, 192, 3)  # N x 192 x 56 x 56
        self.relu2 = nn.ReLU(inplace=True)
        self.norm2 = _lrn()
        self.pool2 = _max_pool()  # N x 192 x 28 x 28
        # Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
        self.inception_3a = inception(192, 64, 96, 128, 16, 32, 32)  # N x 256 x 28 x 28
        self.inception_3b = inception(256, 128, 128, 192, 32, 96, 64)  # N x 480 x 28 x 28
        self.pool3 = _max_pool()  # N x 480 x 14 x 14
        self.inception_4a = inception(480, 192, 96, 208, 16, 48, 64)  # N x 512 x 14 x 14
        self.inception_4b = inception(512, 160, 112, 224, 24, 64, 64)
        self.inception_4c = inception(512, 128, 128, 256, 24, 64, 64)
        self.inception_4d = inception(512, 112, 144, 288, 32, 64, 64)  # N x 528 x 14 x 14
        self.inception_4e = inception(528, 256, 160, 320, 32, 128, 128)  # N x 832 x 14 x 14
        self.pool4 = _max_pool()  # N x 832 x 7 x 7
        self.inception_5a = inception(832, 256, 160, 320, 32, 128, 128)
        self.inception_5b = inception(832, 384, 192, 384, 48, 128, 128)  # N x 1024 x 7 x 7
        self.avgpool = nn.AvgPool2d(7, stride=1)  # N x 1024 x 1 x 1
        self.dropout = nn.Dropout(0.4)  # Table 1's order: avg pool, dropout, linear
        self.flatten = nn.Flatten()  # N x 1024
        self.fc = nn.Linear(1024, num_classes)  # N x 1000
        self.aux1 = aux_head(512, num_classes)
        self.aux2 = aux_head(528, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.norm1(x)
        x = self.relu2(self.conv2(self.relu2_reduce(self.conv2_reduce(x))))
        x = self.pool2(self.norm2(x))
        x = self.pool3(self.inception_3b(self.inception_3a(x)))
        x = self.inception_4a(x)
        # Sec. 5: the auxiliary classifiers add to the training loss and are discarded at inference.
        aux1 = self.aux1(x) if self.training else None
        x = self.inception_4d(self.inception_4c(self.inception_4b(x)))
        aux2 = self.aux2(x) if self.training else None
        x = self.pool4(self.inception_4e(x))
        x = self.inception_5b(self.inception_5a(x))
        x = self.fc(self.flatten(self.dropout(self.avgpool(x))))
        if aux1 is not None and aux2 is not None:
            return x, aux1, aux2
        return x


def googlenet(num_classes: int = 1000) -> nn.Module:
    """GoogLeNet for a 3 x 224 x 224 input (Table 1)."""
    return GoogLeNet(num_classes)


def inception_3a() -> nn.Module:
    """Inception 3a alone (Figure 2(b), Table 1's widths), for a 192 x 28 x 28 input."""
    return inception(192, 64, 96, 128, 16, 32, 32)


def inception_3a_naive() -> nn.Module:
    """Inception 3a without reductions (Figure 2(a)), for a 192 x 28 x 28 input."""
    return inception_naive(192, 64, 128, 32)


SZEGEDY_2014 = (
    "Szegedy, Liu, Jia, Sermanet, Reed, Anguelov, Erhan, Vanhoucke, Rabinovich. "
    "Going deeper with convolutions. CVPR 2015 (arXiv:1409.4842, 2014)"
)

SPECS = (
    ModelSpec(
        name="googlenet",
        builder=googlenet,
        input_shape=(1, 3, 224, 224),
        paper=SZEGEDY_2014,
        year=2014,
        summary="GoogLeNet (Inception v1): Table 1 with true 5x5 convolutions, no BatchNorm, "
        "auxiliary heads that run in training only",
        published=(
            PublishedFigure(
                "depth", 22, "a 22 layers deep network; 22 layers deep when counting only layers with parameters",
                "Szegedy et al. 2014, abstract and Sec. 5", "weighted layers on the longest path",
                "eval mode (the auxiliary heads, 3 weighted layers on top of 4a and 4d, are shallower)", 0.0,
            ),
        ),
        auxiliary=("aux1", "aux2"),
    ),
    ModelSpec(
        name="inception-3a",
        builder=inception_3a,
        input_shape=(1, 192, 28, 28),
        paper=SZEGEDY_2014,
        year=2014,
        summary="Inception module 3a with 1x1 reductions (Figure 2(b)), on its 28x28x192 input",
    ),
    ModelSpec(
        name="inception-3a-naive",
        builder=inception_3a_naive,
        input_shape=(1, 192, 28, 28),
        paper=SZEGEDY_2014,
        year=2014,
        summary="Inception module 3a, naive version (Figure 2(a)): no 1x1 reductions, no pool projection",
    ),
)  # fmt: skip
