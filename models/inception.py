"""Inception-v3, Inception-v4, Inception-ResNet-v1 and Inception-ResNet-v2, as their papers draw them.

- Inception-v3: Szegedy, Vanhoucke, Ioffe, Shlens, Wojna, "Rethinking the Inception
  Architecture for Computer Vision" (arXiv 1512.00567, CVPR 2016): Table 1, the modules
  of Figures 5, 6 and 7, the grid reductions of Figure 10, the batch-normalised
  auxiliary classifier of Sec. 4 and 10.
- Inception-v4 and the Inception-ResNets: Szegedy, Ioffe, Vanhoucke, Alemi,
  "Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning"
  (arXiv 1602.07261, AAAI 2017): Figures 3-19 and Table 1.

All take 3 x 299 x 299. Every convolution but the residual filter-expansion layers
is a "traditional layer": convolution without bias, BatchNorm, ReLU (BN supplies the
shift a bias would). "V" in the 2016 figures marks a valid (unpadded) convolution or
pooling; every other one is same-padded.

Not torchvision's or timm's networks: their Inception-v3 is the released TF checkpoint
(4 modules on the 17 x 17 grid where the paper has 5, a different stem end), and their
Inception-ResNet-v2 is the TF-slim one (10/20/10 blocks, a stem of its own), which
``inception-v3-tfslim`` and ``inception-resnet-v2-tfslim`` register under their own names.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from .registry import ModelSpec, PublishedFigure, torchvision_figures

Kernel = int | tuple[int, int]


class ConvBN(nn.Sequential):
    """A traditional layer: convolution without bias, BatchNorm, ReLU; same-padded unless ``valid``."""

    def __init__(self, cin: int, cout: int, kernel: Kernel, stride: int = 1, valid: bool = False) -> None:
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        padding = (0, 0) if valid else ((kh - 1) // 2, (kw - 1) // 2)
        super().__init__(
            OrderedDict(
                conv=nn.Conv2d(cin, cout, (kh, kw), stride=stride, padding=padding, bias=False),
                # eps as in the authors' TensorFlow code; it does not change any count.
                bn=nn.BatchNorm2d(cout, eps=1e-3),
                relu=nn.ReLU(inplace=True),
            )
        )


def _seq(*layers: nn.Module) -> nn.Sequential:
    return nn.Sequential(*layers)


def _avg3() -> nn.AvgPool2d:
    # The pooling branch inside a module keeps the grid: 3x3, stride 1, same padding
    # (padded positions left out of the mean, as TensorFlow's SAME pooling does).
    return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)


def _max3s2() -> nn.MaxPool2d:
    return nn.MaxPool2d(3, stride=2)  # valid: 35 -> 17, 17 -> 8, 147 -> 73, 71 -> 35


class Concat(nn.Module):
    """Branches applied to the same input, their outputs concatenated along channels."""

    def __init__(self, **branches: nn.Module) -> None:
        super().__init__()
        self.branch_names = tuple(branches)
        for name, module in branches.items():
            self.add_module(name, module)

    def concat(self, x: torch.Tensor) -> torch.Tensor:
        """The branches' outputs side by side."""
        return torch.cat([self.get_submodule(name)(x) for name in self.branch_names], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.concat(x)


class Split(nn.Module):
    """A 1x1 (or deeper) trunk that forks into a 1x3 and a 3x1 convolution, concatenated."""

    def __init__(self, trunk: nn.Module, cin: int, cout: int) -> None:
        super().__init__()
        self.trunk = trunk
        self.conv_1x3 = ConvBN(cin, cout, (1, 3))
        self.conv_3x1 = ConvBN(cin, cout, (3, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.trunk(x)
        return torch.cat([self.conv_1x3(x), self.conv_3x1(x)], dim=1)


# -- Inception-v3 (2015) ---------------------------------------------------------------
#
# The paper gives the module widths only in a supplementary model.txt (Sec. 6: "the
# sizes of filter banks inside the Inception modules, is given in the supplementary
# material"), which is not public. The widths below are those of the authors' released
# TensorFlow model (tensorflow/models slim inception_v3), fitted to the paper's Table 1
# and Sec. 6 where the two differ; each difference is commented where it is made.


class InceptionV3A(Concat):
    """Figure 5: the 35 x 35 module, each 5x5 convolution replaced by two 3x3.

    ``kernel`` is that of the second branch: Figure 5 has a 3x3 there; the released
    checkpoint kept a 5x5 (48 -> 64), which ``kernel=5`` builds.
    """

    def __init__(self, cin: int, pool_features: int, kernel: int = 3) -> None:
        super().__init__(
            branch1x1=ConvBN(cin, 64, 1),
            **{f"branch{kernel}x{kernel}": _seq(ConvBN(cin, 48, 1), ConvBN(48, 64, kernel))},
            branch3x3dbl=_seq(ConvBN(cin, 64, 1), ConvBN(64, 96, 3), ConvBN(96, 96, 3)),
            branch_pool=_seq(_avg3(), ConvBN(cin, pool_features, 1)),
        )


class InceptionV3B(Concat):
    """Figure 6: the 17 x 17 module, n x n factorised into 1 x n and n x 1 with n = 7."""

    def __init__(self, cin: int, c7: int) -> None:
        super().__init__(
            branch1x1=ConvBN(cin, 192, 1),
            branch7x7=_seq(ConvBN(cin, c7, 1), ConvBN(c7, c7, (1, 7)), ConvBN(c7, 192, (7, 1))),
            branch7x7dbl=_seq(
                ConvBN(cin, c7, 1),
                ConvBN(c7, c7, (7, 1)),
                ConvBN(c7, c7, (1, 7)),
                ConvBN(c7, c7, (7, 1)),
                ConvBN(c7, 192, (1, 7)),
            ),
            branch_pool=_seq(_avg3(), ConvBN(cin, 192, 1)),
        )


class InceptionV3C(Concat):
    """Figure 7: the 8 x 8 module with expanded filter-bank outputs (1x3 and 3x1 side by side)."""

    def __init__(self, cin: int) -> None:
        super().__init__(
            branch1x1=ConvBN(cin, 320, 1),
            branch3x3=Split(ConvBN(cin, 384, 1), 384, 384),
            branch3x3dbl=Split(_seq(ConvBN(cin, 448, 1), ConvBN(448, 384, 3)), 384, 384),
            branch_pool=_seq(_avg3(), ConvBN(cin, 192, 1)),
        )


class GridReductionV3A(Concat):
    """Figure 10 from 35 x 35 x 288 to 17 x 17 x 768: stride-2 convolutions beside a stride-2 pool."""

    def __init__(self, cin: int) -> None:
        super().__init__(
            # Figure 10 draws a 1x1 before this 3x3/2 but gives no width; the released
            # model has none (Table 1: "variations of reduction technique depicted Figure 10").
            branch3x3=ConvBN(cin, 384, 3, stride=2, valid=True),
            branch3x3dbl=_seq(ConvBN(cin, 64, 1), ConvBN(64, 96, 3), ConvBN(96, 96, 3, stride=2, valid=True)),
            branch_pool=_max3s2(),
        )  # 384 + 96 + 288 = 768


class GridReductionV3B(Concat):
    """Figure 10 from 17 x 17 x 768 to 8 x 8 x 1280."""

    def __init__(self, cin: int) -> None:
        super().__init__(
            branch3x3=_seq(ConvBN(cin, 192, 1), ConvBN(192, 320, 3, stride=2, valid=True)),
            # The released model's variation: 1x7 and 7x1 where Figure 10 has one 3x3.
            branch7x7x3=_seq(
                ConvBN(cin, 192, 1),
                ConvBN(192, 192, (1, 7)),
                ConvBN(192, 192, (7, 1)),
                ConvBN(192, 192, 3, stride=2, valid=True),
            ),
            branch_pool=_max3s2(),
        )  # 320 + 192 + 768 = 1280


class AuxClassifier(nn.Module):
    """Sec. 4 / Figure 8: the side head on the last 17 x 17 layer, batch-normalised (BN-auxiliary)."""

    def __init__(self, cin: int, num_classes: int) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(5, stride=3)  # N x 768 x 5 x 5
        self.conv0 = ConvBN(cin, 128, 1)
        # The fully connected layer of the head, a 5x5 convolution over the whole 5 x 5
        # map; Sec. 10's "BN-auxiliary": it is batch-normalised too, not just the convolutions.
        self.conv1 = ConvBN(128, 768, 5, valid=True)  # N x 768 x 1 x 1
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(768, num_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(self.conv0(self.pool(x)))
        out: torch.Tensor = self.softmax(self.fc(self.flatten(x)))
        return out


class InceptionV3(nn.Module):
    """Table 1 of the 2015 paper; the auxiliary classifier runs in training mode only."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        # Table 1's stem: the first 7x7 of GoogLeNet factorised into three 3x3 (Sec. 6).
        # Only "conv padded" is padded; all other layers do not use padding (caption).
        self.stem = nn.Sequential(
            OrderedDict(
                conv1=ConvBN(3, 32, 3, stride=2, valid=True),  # N x 32 x 149 x 149
                conv2=ConvBN(32, 32, 3, valid=True),  # N x 32 x 147 x 147
                conv3=ConvBN(32, 64, 3),  # "conv padded": N x 64 x 147 x 147
                pool=nn.MaxPool2d(3, stride=2),  # N x 64 x 73 x 73
                conv4=ConvBN(64, 80, 3, valid=True),  # N x 80 x 71 x 71
                conv5=ConvBN(80, 192, 3, stride=2, valid=True),  # N x 192 x 35 x 35
                # Table 1 takes this 3x3/1 from 35x35x192 to the modules' 35x35x288, so it
                # must be padded although the table does not mark it. (The released model
                # ends its stem differently: 1x1 to 80, 3x3 to 192, a max-pool to 35 x 35.)
                conv6=ConvBN(192, 288, 3),  # N x 288 x 35 x 35
            )
        )
        # Sec. 6: "3 traditional inception modules at the 35x35 with 288 filters each".
        self.block_a = nn.Sequential(*(InceptionV3A(288, pool_features=64) for _ in range(3)))
        self.reduction_a = GridReductionV3A(288)  # N x 768 x 17 x 17
        # Sec. 6 and Table 1: 5 modules on the 17 x 17 grid (the released model has 4, of
        # widths 128, 160, 160, 192); the fifth is taken as one more 160. (Sec. 6 cites
        # "figure 5" for these and "figure 6" for the 8 x 8 ones; Table 1's 5, 6, 7 match
        # the figures' captions.)
        self.block_b = nn.Sequential(*(InceptionV3B(768, c7) for c7 in (128, 160, 160, 160, 192)))
        self.aux = AuxClassifier(768, num_classes)
        self.reduction_b = GridReductionV3B(768)  # N x 1280 x 8 x 8
        self.block_c = nn.Sequential(InceptionV3C(1280), InceptionV3C(2048))  # N x 2048 x 8 x 8
        self.avgpool = nn.AvgPool2d(8)  # N x 2048 x 1 x 1
        # Table 1 lists no dropout here (the released model has one, keep 0.8).
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(2048, num_classes)  # Table 1: "linear, logits"
        self.softmax = nn.Softmax(dim=1)  # Table 1: "softmax, classifier"

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        x = self.block_b(self.reduction_a(self.block_a(self.stem(x))))
        aux: torch.Tensor | None = self.aux(x) if self.training else None
        x = self.block_c(self.reduction_b(x))
        out: torch.Tensor = self.softmax(self.fc(self.flatten(self.avgpool(x))))
        return out if aux is None else (out, aux)


class InceptionV3TFSlim(nn.Module):
    """The released Inception-v3: the TF-slim checkpoint's widths, which Keras, torchvision and timm ship.

    tensorflow/models research/slim/nets/inception_v3.py; torchvision's ``inception_v3``
    has the same layers (its Mixed_5b ... Mixed_7c are block_a ... block_c here). Where it
    departs from the paper's Table 1 (``inception-v3``), the line says so. The auxiliary
    head, the paper's (Sec. 4, BN-auxiliary), runs in training mode only.
    """

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            OrderedDict(
                conv1=ConvBN(3, 32, 3, stride=2, valid=True),  # N x 32 x 149 x 149
                conv2=ConvBN(32, 32, 3, valid=True),  # N x 32 x 147 x 147
                conv3=ConvBN(32, 64, 3),  # N x 64 x 147 x 147
                pool1=_max3s2(),  # N x 64 x 73 x 73
                # Departs from Table 1, whose stem goes on with a 3x3 to 80, a 3x3/2 to 192 and a
                # padded 3x3 to 288: a 1x1 to 80, a 3x3 to 192 and a max-pool down to 35 x 35.
                conv4=ConvBN(64, 80, 1),  # N x 80 x 73 x 73
                conv5=ConvBN(80, 192, 3, valid=True),  # N x 192 x 71 x 71
                pool2=_max3s2(),  # N x 192 x 35 x 35
            )
        )
        # Departs from Figure 5: a 5x5 beside the two 3x3; the first module takes the stem's
        # 192 maps and pools to 32 (192 -> 256 -> 288 -> 288 maps), not 288 throughout.
        self.block_a = nn.Sequential(
            InceptionV3A(192, pool_features=32, kernel=5),
            InceptionV3A(256, pool_features=64, kernel=5),
            InceptionV3A(288, pool_features=64, kernel=5),
        )  # N x 288 x 35 x 35
        self.reduction_a = GridReductionV3A(288)  # N x 768 x 17 x 17
        # Departs from Sec. 6 and Table 1: 4 modules on the 17 x 17 grid, not 5.
        self.block_b = nn.Sequential(*(InceptionV3B(768, c7) for c7 in (128, 160, 160, 192)))
        self.aux = AuxClassifier(768, num_classes)
        self.reduction_b = GridReductionV3B(768)  # N x 1280 x 8 x 8
        self.block_c = nn.Sequential(InceptionV3C(1280), InceptionV3C(2048))  # N x 2048 x 8 x 8
        self.avgpool = nn.AvgPool2d(8)  # N x 2048 x 1 x 1
        self.dropout = nn.Dropout(p=0.2)  # TF-slim's keep 0.8, which Table 1 does not list
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(2048, num_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        x = self.block_b(self.reduction_a(self.block_a(self.stem(x))))
        aux: torch.Tensor | None = self.aux(x) if self.training else None
        x = self.block_c(self.reduction_b(x))
        out: torch.Tensor = self.softmax(self.fc(self.flatten(self.dropout(self.avgpool(x)))))
        return out if aux is None else (out, aux)


# -- Inception-v4 and Inception-ResNet (2016) -------------------------------------------


class InceptionV4Stem(nn.Module):
    """Figure 3: the stem of Inception-v4 and Inception-ResNet-v2, 3 x 299 x 299 to 384 x 35 x 35."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = ConvBN(3, 32, 3, stride=2, valid=True)  # N x 32 x 149 x 149
        self.conv2 = ConvBN(32, 32, 3, valid=True)  # N x 32 x 147 x 147
        self.conv3 = ConvBN(32, 64, 3)  # N x 64 x 147 x 147
        self.mixed1 = Concat(
            branch_pool=_max3s2(),
            branch3x3=ConvBN(64, 96, 3, stride=2, valid=True),
        )  # N x 160 x 73 x 73
        self.mixed2 = Concat(
            branch1=_seq(ConvBN(160, 64, 1), ConvBN(64, 96, 3, valid=True)),
            branch2=_seq(
                ConvBN(160, 64, 1),
                ConvBN(64, 64, (7, 1)),
                ConvBN(64, 64, (1, 7)),
                ConvBN(64, 96, 3, valid=True),
            ),
        )  # N x 192 x 71 x 71
        self.mixed3 = Concat(
            branch3x3=ConvBN(192, 192, 3, stride=2, valid=True),
            branch_pool=_max3s2(),
        )  # N x 384 x 35 x 35

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv3(self.conv2(self.conv1(x)))
        out: torch.Tensor = self.mixed3(self.mixed2(self.mixed1(x)))
        return out


def inception_resnet_v1_stem() -> nn.Sequential:
    """Figure 14: the stem of Inception-ResNet-v1, 3 x 299 x 299 to 256 x 35 x 35."""
    return nn.Sequential(
        OrderedDict(
            conv1=ConvBN(3, 32, 3, stride=2, valid=True),  # N x 32 x 149 x 149
            conv2=ConvBN(32, 32, 3, valid=True),  # N x 32 x 147 x 147
            conv3=ConvBN(32, 64, 3),  # N x 64 x 147 x 147
            pool=_max3s2(),  # N x 64 x 73 x 73
            conv4=ConvBN(64, 80, 1),  # N x 80 x 73 x 73
            conv5=ConvBN(80, 192, 3, valid=True),  # N x 192 x 71 x 71
            conv6=ConvBN(192, 256, 3, stride=2, valid=True),  # N x 256 x 35 x 35
        )
    )


class InceptionA(Concat):
    """Figure 4: Inception-v4's 35 x 35 module, 384 maps in and out."""

    def __init__(self, cin: int = 384) -> None:
        super().__init__(
            branch_pool=_seq(_avg3(), ConvBN(cin, 96, 1)),
            branch1x1=ConvBN(cin, 96, 1),
            branch3x3=_seq(ConvBN(cin, 64, 1), ConvBN(64, 96, 3)),
            branch3x3dbl=_seq(ConvBN(cin, 64, 1), ConvBN(64, 96, 3), ConvBN(96, 96, 3)),
        )


class InceptionB(Concat):
    """Figure 5: Inception-v4's 17 x 17 module, 1024 maps in and out."""

    def __init__(self, cin: int = 1024) -> None:
        super().__init__(
            branch_pool=_seq(_avg3(), ConvBN(cin, 128, 1)),
            branch1x1=ConvBN(cin, 384, 1),
            branch7x7=_seq(ConvBN(cin, 192, 1), ConvBN(192, 224, (1, 7)), ConvBN(224, 256, (7, 1))),
            branch7x7dbl=_seq(
                ConvBN(cin, 192, 1),
                ConvBN(192, 192, (1, 7)),
                ConvBN(192, 224, (7, 1)),
                ConvBN(224, 224, (1, 7)),
                ConvBN(224, 256, (7, 1)),
            ),
        )


class InceptionC(Concat):
    """Figure 6: Inception-v4's 8 x 8 module, 1536 maps in and out."""

    def __init__(self, cin: int = 1536) -> None:
        super().__init__(
            branch_pool=_seq(_avg3(), ConvBN(cin, 256, 1)),
            branch1x1=ConvBN(cin, 256, 1),
            branch3x3=Split(ConvBN(cin, 384, 1), 384, 256),
            branch3x3dbl=Split(_seq(ConvBN(cin, 384, 1), ConvBN(384, 448, (1, 3)), ConvBN(448, 512, (3, 1))), 512, 256),
        )


class ReductionA(Concat):
    """Figure 7: 35 x 35 to 17 x 17, with the filter counts k, l, m, n of Table 1; cin + n + m out."""

    def __init__(self, cin: int, k: int, l: int, m: int, n: int) -> None:  # noqa: E741 (the paper's letters)
        super().__init__(
            branch_pool=_max3s2(),
            branch3x3=ConvBN(cin, n, 3, stride=2, valid=True),
            branch3x3dbl=_seq(ConvBN(cin, k, 1), ConvBN(k, l, 3), ConvBN(l, m, 3, stride=2, valid=True)),
        )


class ReductionB(Concat):
    """Figure 8: Inception-v4's 17 x 17 to 8 x 8 reduction, 1024 to 1536 maps."""

    def __init__(self, cin: int = 1024) -> None:
        super().__init__(
            branch_pool=_max3s2(),
            branch3x3=_seq(ConvBN(cin, 192, 1), ConvBN(192, 192, 3, stride=2, valid=True)),
            branch7x7x3=_seq(
                ConvBN(cin, 256, 1),
                ConvBN(256, 256, (1, 7)),
                ConvBN(256, 320, (7, 1)),
                ConvBN(320, 320, 3, stride=2, valid=True),
            ),
        )


class ResidualReductionB(Concat):
    """Figures 12 and 18: the Inception-ResNets' 17 x 17 to 8 x 8 reduction, four branches."""

    def __init__(self, cin: int, a: int, b: int, c: tuple[int, int]) -> None:
        super().__init__(
            branch_pool=_max3s2(),
            branch3x3a=_seq(ConvBN(cin, 256, 1), ConvBN(256, a, 3, stride=2, valid=True)),
            branch3x3b=_seq(ConvBN(cin, 256, 1), ConvBN(256, b, 3, stride=2, valid=True)),
            branch3x3dbl=_seq(ConvBN(cin, 256, 1), ConvBN(256, c[0], 3), ConvBN(c[0], c[1], 3, stride=2, valid=True)),
        )


class ResidualInception(Concat):
    """An Inception-ResNet block: relu(x + scale * up(concat(branches(x)))).

    Sec. 3.2: each Inception block is followed by a filter-expansion layer, a 1x1
    convolution without activation, that brings the concatenation back to the input's
    depth for the addition; batch normalisation sits on the traditional layers but not
    on top of the summation. The papers do not say whether that linear 1x1 is normalised;
    the authors' TF-slim code gives it a bias and no BatchNorm, and so does this one.
    Sec. 3.3: the residual is scaled by a constant between 0.1 and 0.3 before the addition
    (a multiplication with no parameter).
    """

    def __init__(self, width: int, mixed: int, scale: float, activate: bool = True, **branches: nn.Module) -> None:
        super().__init__(**branches)
        self.up = nn.Conv2d(mixed, width, 1)  # the filter expansion, linear
        self.scale = scale
        # The papers' blocks all end in "Relu activation"; only TF-slim's last block does not.
        self.relu: nn.Module = nn.ReLU(inplace=True) if activate else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.relu(x + self.scale * self.up(self.concat(x)))
        return out


# Sec. 3.3 gives a range, "between 0.1 and 0.3", not the values; these are the authors'
# TF-slim code's (block35 0.17, block17 0.10, block8 0.20), all inside that range.
SCALE_A, SCALE_B, SCALE_C = 0.17, 0.10, 0.20


class InceptionResNetA(ResidualInception):
    """Figures 10 (v1) and 16 (v2): the 35 x 35 residual block."""

    def __init__(self, width: int, b0: int, b1: tuple[int, int], b2: tuple[int, int, int]) -> None:
        super().__init__(
            width,
            b0 + b1[1] + b2[2],
            SCALE_A,
            branch1x1=ConvBN(width, b0, 1),
            branch3x3=_seq(ConvBN(width, b1[0], 1), ConvBN(b1[0], b1[1], 3)),
            branch3x3dbl=_seq(ConvBN(width, b2[0], 1), ConvBN(b2[0], b2[1], 3), ConvBN(b2[1], b2[2], 3)),
        )


class InceptionResNetB(ResidualInception):
    """Figures 11 (v1) and 17 (v2): the 17 x 17 residual block."""

    def __init__(self, width: int, b0: int, b1: tuple[int, int, int]) -> None:
        super().__init__(
            width,
            b0 + b1[2],
            SCALE_B,
            branch1x1=ConvBN(width, b0, 1),
            branch7x7=_seq(ConvBN(width, b1[0], 1), ConvBN(b1[0], b1[1], (1, 7)), ConvBN(b1[1], b1[2], (7, 1))),
        )


class InceptionResNetC(ResidualInception):
    """Figures 13 (v1) and 19 (v2): the 8 x 8 residual block."""

    def __init__(
        self, width: int, b0: int, b1: tuple[int, int, int], scale: float = SCALE_C, activate: bool = True
    ) -> None:
        super().__init__(
            width,
            b0 + b1[2],
            scale,
            activate,
            branch1x1=ConvBN(width, b0, 1),
            branch3x3=_seq(ConvBN(width, b1[0], 1), ConvBN(b1[0], b1[1], (1, 3)), ConvBN(b1[1], b1[2], (3, 1))),
        )


def _network(
    stem: nn.Module,
    block_a: list[nn.Module],
    reduction_a: nn.Module,
    block_b: list[nn.Module],
    reduction_b: nn.Module,
    block_c: list[nn.Module],
    width: int,
    num_classes: int,
    top: nn.Module | None = None,
) -> nn.Sequential:
    """Figures 9 and 15: stem, A blocks, Reduction-A, B blocks, Reduction-B, C blocks, classifier."""
    layers: OrderedDict[str, nn.Module] = OrderedDict(
        stem=stem,
        block_a=nn.Sequential(*block_a),  # N x . x 35 x 35
        reduction_a=reduction_a,  # N x . x 17 x 17
        block_b=nn.Sequential(*block_b),
        reduction_b=reduction_b,  # N x . x 8 x 8
        block_c=nn.Sequential(*block_c),
    )
    if top is not None:
        layers["conv_top"] = top  # TF-slim only: a last 1x1 convolution to ``width`` maps
    layers.update(
        avgpool=nn.AvgPool2d(8),  # N x width x 1 x 1
        dropout=nn.Dropout(p=0.2),  # "Dropout (keep 0.8)"
        flatten=nn.Flatten(),
        fc=nn.Linear(width, num_classes),
        softmax=nn.Softmax(dim=1),
    )
    return nn.Sequential(layers)


# Table 1 of the 2016 paper: the filter counts of Reduction-A (Figure 7) per network.
REDUCTION_A_KLMN: dict[str, tuple[int, int, int, int]] = {
    "inception-v4": (192, 224, 256, 384),
    "inception-resnet-v1": (192, 192, 256, 384),
    "inception-resnet-v2": (256, 256, 384, 384),
}


def inception_v3(num_classes: int = 1000) -> nn.Module:
    """Inception-v3, the 2015 paper's Table 1 network, with its auxiliary classifier."""
    return InceptionV3(num_classes)


def inception_v3_tfslim(num_classes: int = 1000) -> nn.Module:
    """Inception-v3 as released (TF-slim, Keras, torchvision, timm), with its auxiliary classifier."""
    return InceptionV3TFSlim(num_classes)


def inception_v4(num_classes: int = 1000) -> nn.Module:
    """Inception-v4 (Figure 9): 4 x A, 7 x B, 3 x C."""
    return _network(
        InceptionV4Stem(),  # N x 384 x 35 x 35
        [InceptionA(384) for _ in range(4)],
        ReductionA(384, *REDUCTION_A_KLMN["inception-v4"]),  # 384 + 384 + 256 = 1024
        [InceptionB(1024) for _ in range(7)],
        ReductionB(1024),  # 1024 + 192 + 320 = 1536
        [InceptionC(1536) for _ in range(3)],
        1536,
        num_classes,
    )


def inception_resnet_v1(num_classes: int = 1000) -> nn.Module:
    """Inception-ResNet-v1 (Figure 15 with Figures 10-14): 5 x A, 10 x B, 5 x C."""
    return _network(
        inception_resnet_v1_stem(),  # N x 256 x 35 x 35
        [InceptionResNetA(256, 32, (32, 32), (32, 32, 32)) for _ in range(5)],
        ReductionA(256, *REDUCTION_A_KLMN["inception-resnet-v1"]),  # 256 + 384 + 256 = 896
        [InceptionResNetB(896, 128, (128, 128, 128)) for _ in range(10)],
        ResidualReductionB(896, 384, 256, (256, 256)),  # Figure 12: 896 + 384 + 256 + 256 = 1792
        [InceptionResNetC(1792, 192, (192, 192, 192)) for _ in range(5)],
        1792,
        num_classes,
    )


# Inception-ResNet-v2's widths do not add up in the paper: Reduction-A with Table 1's
# (256, 256, 384, 384) makes 384 + 384 + 384 = 1152 maps, but Figure 17 writes 1154 for
# the B block's input and filter expansion; Figure 18's Reduction-B then adds
# 384 + 288 + 320, making 2144 maps, but Figure 19 writes 2048 for the C block. A
# residual addition needs the expansion to give back exactly its input's depth, so the
# B blocks here expand to 1152 and the C blocks to 2144, the widths the concatenations
# produce. (Figure 18's caption says "used by the wider Inception-ResNet-v1": its
# widths are those of v2; Figure 12 is v1's.)
IRV2_WIDTH_B = 384 + 384 + 384  # 1152
IRV2_WIDTH_C = IRV2_WIDTH_B + 384 + 288 + 320  # 2144


def inception_resnet_v2(num_classes: int = 1000) -> nn.Module:
    """Inception-ResNet-v2 (Figure 15 with Figures 3, 16-19): 5 x A, 10 x B, 5 x C."""
    return _network(
        InceptionV4Stem(),  # N x 384 x 35 x 35
        [InceptionResNetA(384, 32, (32, 32), (32, 48, 64)) for _ in range(5)],
        ReductionA(384, *REDUCTION_A_KLMN["inception-resnet-v2"]),  # N x 1152 x 17 x 17
        [InceptionResNetB(IRV2_WIDTH_B, 192, (128, 160, 192)) for _ in range(10)],
        ResidualReductionB(IRV2_WIDTH_B, 384, 288, (288, 320)),  # N x 2144 x 8 x 8
        [InceptionResNetC(IRV2_WIDTH_C, 192, (192, 224, 256)) for _ in range(5)],
        IRV2_WIDTH_C,
        num_classes,
    )


def inception_resnet_v2_tfslim(num_classes: int = 1000) -> nn.Module:
    """The Inception-ResNet-v2 of the authors' TF-slim code (timm's and Keras' too), not the paper's figures.

    tensorflow/models research/slim/nets/inception_resnet_v2.py, which its maintainers say
    "was done under the advise of the authors of the paper" (tensorflow/models issue
    #1553): Figure 14's stem up to 71 x 71 x 192, a max-pool and an Inception module
    (Mixed_5b, 320 maps) instead of Figure 3's stem; 10 A, 20 B and 10 C blocks instead
    of 5, 10 and 5, the last C block unscaled and without ReLU; a 1x1 convolution to 1536
    maps before the pooling. The auxiliary head of the TF-slim checkpoint is left out, as
    timm and Keras leave it out.
    """
    stem = nn.Sequential(
        OrderedDict(
            conv1=ConvBN(3, 32, 3, stride=2, valid=True),  # N x 32 x 149 x 149
            conv2=ConvBN(32, 32, 3, valid=True),  # N x 32 x 147 x 147
            conv3=ConvBN(32, 64, 3),  # N x 64 x 147 x 147
            pool1=_max3s2(),  # N x 64 x 73 x 73
            conv4=ConvBN(64, 80, 1),  # N x 80 x 73 x 73
            conv5=ConvBN(80, 192, 3, valid=True),  # N x 192 x 71 x 71
            pool2=_max3s2(),  # N x 192 x 35 x 35
            mixed_5b=Concat(
                branch1x1=ConvBN(192, 96, 1),
                branch5x5=_seq(ConvBN(192, 48, 1), ConvBN(48, 64, 5)),
                branch3x3dbl=_seq(ConvBN(192, 64, 1), ConvBN(64, 96, 3), ConvBN(96, 96, 3)),
                branch_pool=_seq(_avg3(), ConvBN(192, 64, 1)),
            ),  # N x 320 x 35 x 35
        )
    )
    return _network(
        stem,
        [InceptionResNetA(320, 32, (32, 32), (32, 48, 64)) for _ in range(10)],
        ReductionA(320, 256, 256, 384, 384),  # 320 + 384 + 384 = 1088
        [InceptionResNetB(1088, 192, (128, 160, 192)) for _ in range(20)],
        ResidualReductionB(1088, 384, 288, (288, 320)),  # 1088 + 384 + 288 + 320 = 2080
        [
            *(InceptionResNetC(2080, 192, (192, 224, 256)) for _ in range(9)),
            InceptionResNetC(2080, 192, (192, 224, 256), scale=1.0, activate=False),
        ],
        1536,
        num_classes,
        top=ConvBN(2080, 1536, 1),  # N x 1536 x 8 x 8
    )


SZEGEDY_2015 = (
    "Szegedy, Vanhoucke, Ioffe, Shlens, Wojna. Rethinking the Inception Architecture for Computer Vision. "
    "arXiv 1512.00567 (2015); CVPR 2016"
)
SZEGEDY_2016 = (
    "Szegedy, Ioffe, Vanhoucke, Alemi. Inception-v4, Inception-ResNet and the Impact of Residual Connections "
    "on Learning. arXiv 1602.07261 (2016); AAAI 2017"
)

SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="inception-v3",
        builder=inception_v3,
        input_shape=(1, 3, 299, 299),
        paper=SZEGEDY_2015,
        year=2015,
        summary="Inception-v3: Table 1's network, factorised modules (Figs. 5-7, 10), BN auxiliary head",
        auxiliary=("aux",),
    ),
    ModelSpec(
        name="inception-v3-tfslim",
        builder=inception_v3_tfslim,
        input_shape=(1, 3, 299, 299),
        paper=SZEGEDY_2015,
        year=2015,
        summary="Inception-v3 as TF-slim, Keras, torchvision and timm ship it (the released checkpoint): "
        "a 1x1/3x3/max-pool stem end, 5x5 branches, 4 modules on 17x17, not Table 1",
        published=(
            *torchvision_figures("Inception_V3_Weights.IMAGENET1K_V1", 27_161_264, "5.713", size=299),
            PublishedFigure(
                "inference_params", 23_800_000, "Params (M): 23.8",
                "timm model card inception_v3.tv_in1k (torchvision's weights, no auxiliary head)", "parameters",
                "timm builds no auxiliary head: the parameters at inference; BatchNorm scale and shift counted, "
                "running statistics not; rounded to 0.1 M", 0.05 / 23.8, "timm",
            ),
        ),
        auxiliary=("aux",),
    ),
    ModelSpec(
        name="inception-v4",
        builder=inception_v4,
        input_shape=(1, 3, 299, 299),
        paper=SZEGEDY_2016,
        year=2016,
        summary="Inception-v4: Figure 3 stem, 4 x A, Reduction-A, 7 x B, Reduction-B, 3 x C",
    ),
    ModelSpec(
        name="inception-resnet-v1",
        builder=inception_resnet_v1,
        input_shape=(1, 3, 299, 299),
        paper=SZEGEDY_2016,
        year=2016,
        summary="Inception-ResNet-v1: Figure 14 stem, 5 x A, 10 x B, 5 x C residual blocks",
    ),
    ModelSpec(
        name="inception-resnet-v2",
        builder=inception_resnet_v2,
        input_shape=(1, 3, 299, 299),
        paper=SZEGEDY_2016,
        year=2016,
        summary="Inception-ResNet-v2: Figure 3 stem, 5 x A, 10 x B, 5 x C residual blocks (paper widths)",
    ),
    ModelSpec(
        name="inception-resnet-v2-tfslim",
        builder=inception_resnet_v2_tfslim,
        input_shape=(1, 3, 299, 299),
        paper=SZEGEDY_2016,
        year=2016,
        summary="Inception-ResNet-v2 as TF-slim, timm and Keras ship it: 10 x A, 20 x B, 10 x C, not the paper's figures",
        published=(
            PublishedFigure(
                "params", 55_800_000, "Params (M): 55.8",
                "timm model card inception_resnet_v2.tf_ens_adv_in1k (the TF-slim network)", "parameters",
                "timm counts BatchNorm scale and shift and leaves out the auxiliary head; rounded to 0.1 M",
                0.05 / 55.8,
            ),
        ),
    ),
)  # fmt: skip
