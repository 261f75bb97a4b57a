"""ResNets as He, Zhang, Ren and Sun describe them (2015 and 2016).

- "Deep Residual Learning for Image Recognition" (CVPR 2016, arXiv:1512.03385): the
  ImageNet networks of Table 1 (18/34 with basic blocks, 50/101/152 with bottlenecks),
  the plain networks of Figure 3, and the CIFAR-10 networks of Sec. 4.2 (6n+2 layers).
- "Identity Mappings in Deep Residual Networks" (ECCV 2016, arXiv:1603.05027): the
  pre-activation bottleneck networks ResNet-164 and ResNet-1001 on CIFAR-10 (Sec. 4,
  Table 3-4 and the appendix) and ResNet-200 on ImageNet (Table 5).

These are version 1 networks: in a bottleneck the downsampling stride sits on the first
1x1 convolution, as in the authors' Caffe models and in the 2016 authors' code
(KaimingHe/resnet-1k-layers). torchvision's ResNet is "V1.5", which moves the stride to
the 3x3 convolution: same parameters, about 6% more multiply-adds for ResNet-50. The zoo
has it too, under its own names (``resnet-50-v1.5`` and the 101 and 152 ones), to check
torchvision's documented figures.

Departures from the papers, all of them without effect on the counts the papers state:

- Convolutions have no bias: each is followed by BatchNorm (2015, Sec. 3.4: "BN right
  after each convolution"), or in the pre-activation units feeds an addition whose next
  unit starts with BatchNorm; the authors' models drop these biases too.
- Global average pooling is ``AdaptiveAvgPool2d(1)`` so the networks run at any input
  size; at the papers' inputs it is their 7x7 (ImageNet) or 8x8 (CIFAR) average pool.
- The max-pool after conv1 pads by 1 where Caffe rounded up instead: both give 56x56.

Choices where the papers offer several:

- ResNet-18 and -34 use option B shortcuts (1x1 projection + BN where dimensions change),
  like ResNet-50/101/152 and Table 3's "ResNet-34 B". Table 2 and Figure 3 use option A
  (parameter-free), which changes ResNet-34's multiply-adds from 3.64 to 3.66 x 10^9; the
  ledger's resnet-34 claims say so. The CIFAR networks use option A, as Sec. 4.2 does.
- Pre-activation ResNet-200 on ImageNet keeps the stride on the first 1x1 (the 2016 paper
  builds its units "following [1]"); the FAIR Torch re-implementation it links to puts it
  on the 3x3.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .registry import ModelSpec, PublishedFigure, torchvision_figures


def _conv(in_channels: int, out_channels: int, kernel: int, stride: int = 1) -> nn.Conv2d:
    # "Same" padding for odd kernels; no bias (see the module docstring).
    return nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2, bias=False)


# -- shortcuts ---------------------------------------------------------------------------


class ZeroPadShortcut(nn.Module):
    """Option A (2015, Sec. 3.3): identity, subsampled by the stride, zeros for the extra maps.

    Parameter-free. The subsampling is a 1x1 average pool with the block's stride (it
    keeps every other pixel, as the authors' Torch code does with
    ``SpatialAveragePooling(1, 1, stride, stride)``), so a tracer sees a window with a
    stride; the extra maps are zero, appended after the input's own.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.extra = out_channels - in_channels
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride > 1:
            x = F.avg_pool2d(x, kernel_size=1, stride=self.stride)  # N x C x H/s x W/s
        return F.pad(x, (0, 0, 0, 0, 0, self.extra))  # N x (C + extra) x H/s x W/s


def _projection(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    """Option B (2015, Eqn. 2): a 1x1 convolution with the block's stride, then BatchNorm."""
    return nn.Sequential(
        OrderedDict(
            [
                ("conv", _conv(in_channels, out_channels, 1, stride)),
                ("bn", nn.BatchNorm2d(out_channels)),
            ]
        )
    )


ShortcutFactory = Callable[[int, int, int], nn.Module]


# -- residual blocks ---------------------------------------------------------------------


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BN, added to the shortcut, ReLU after the addition (Fig. 2).

    With ``residual=False`` it is the plain block of Figure 3 (middle): the same layers,
    no shortcut.
    """

    expansion = 1

    def __init__(
        self, in_channels: int, width: int, stride: int = 1,
        shortcut: nn.Module | None = None, residual: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        self.residual = residual
        self.conv1 = _conv(in_channels, width, 3, stride)  # the stride of conv3_1, conv4_1, conv5_1
        self.bn1 = nn.BatchNorm2d(width)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = _conv(width, width, 3)
        self.bn2 = nn.BatchNorm2d(width)
        self.shortcut = shortcut  # None: the identity
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.relu1(self.bn1(self.conv1(x)))  # N x width x H/s x W/s
        out = self.bn2(self.conv2(out))
        if self.residual:
            out = out + (x if self.shortcut is None else self.shortcut(x))
        out = self.relu2(out)
        return out


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 restore (x4), each with BN; ReLU after the addition (Fig. 5 right).

    Version 1: the stride sits on the first 1x1 (Table 1: "downsampling is performed by
    conv3_1, conv4_1, and conv5_1"; conv3_1 of a bottleneck stage is its first 1x1).
    """

    expansion = 4

    def __init__(
        self, in_channels: int, width: int, stride: int = 1,
        shortcut: nn.Module | None = None, residual: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        self.residual = residual
        self.conv1 = _conv(in_channels, width, 1, stride)  # N x width x H/s x W/s
        self.bn1 = nn.BatchNorm2d(width)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = _conv(width, width, 3)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv3 = _conv(width, width * self.expansion, 1)  # N x 4*width x H/s x W/s
        self.bn3 = nn.BatchNorm2d(width * self.expansion)
        self.shortcut = shortcut
        self.relu3 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.relu1(self.bn1(self.conv1(x)))
        out = self.relu2(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.residual:
            out = out + (x if self.shortcut is None else self.shortcut(x))
        out = self.relu3(out)
        return out


class BottleneckV15(Bottleneck):
    """torchvision's "V1.5" bottleneck: the stride on the 3x3 instead of the first 1x1.

    Not in the paper: fb.resnet.torch (Gross and Wilber, 2016) moved it, and torchvision
    followed. The first 1x1 of a stage's first block then runs on the full-size maps, with
    four times its version-1 multiply-adds; the 3x3 forms the same outputs as before from
    the same fan-in, and the parameters are the same.
    """

    def __init__(
        self, in_channels: int, width: int, stride: int = 1,
        shortcut: nn.Module | None = None, residual: bool = True,
    ) -> None:  # fmt: skip
        super().__init__(in_channels, width, 1, shortcut, residual)
        self.conv2 = _conv(width, width, 3, stride)  # N x width x H/s x W/s


class PreActBottleneck(nn.Module):
    """The full pre-activation unit of 2016 (Fig. 4(e)): BN-ReLU-conv three times, then the addition.

    Nothing follows the addition, so the identity path stays clean. A unit that changes
    dimensions has a 1x1 projection shortcut that reads the pre-activated input (2016,
    appendix: "these projection shortcuts are also with pre-activation"): its BN-ReLU
    comes before the two paths split. ``preact=False`` leaves the pre-activation out, for
    the first unit of the ImageNet network, whose conv1 is already followed by BN-ReLU
    (2016, appendix: "the first activation right after conv1").
    """

    expansion = 4

    def __init__(self, in_channels: int, width: int, stride: int = 1, preact: bool = True) -> None:
        super().__init__()
        out_channels = width * self.expansion
        self.bn1: nn.Module | None = nn.BatchNorm2d(in_channels) if preact else None
        self.relu1: nn.Module | None = nn.ReLU(inplace=True) if preact else None
        self.conv1 = _conv(in_channels, width, 1, stride)  # stride on the first 1x1, as in [1]
        self.bn2 = nn.BatchNorm2d(width)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = _conv(width, width, 3)
        self.bn3 = nn.BatchNorm2d(width)
        self.relu3 = nn.ReLU(inplace=True)
        self.conv3 = _conv(width, out_channels, 1)  # N x 4*width x H/s x W/s
        # No BN on the projection: what it feeds is the next unit's pre-activation.
        changes = stride != 1 or in_channels != out_channels
        self.shortcut: nn.Module | None = _conv(in_channels, out_channels, 1, stride) if changes else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = x
        if self.bn1 is not None and self.relu1 is not None:
            pre = self.relu1(self.bn1(x))
        identity: torch.Tensor = x if self.shortcut is None else self.shortcut(pre)
        out: torch.Tensor = self.conv1(pre)
        out = self.conv2(self.relu2(self.bn2(out)))
        out = self.conv3(self.relu3(self.bn3(out)))
        return out + identity


# -- generic builders --------------------------------------------------------------------

Block = type[BasicBlock] | type[Bottleneck]


def _stage(
    block: Block, in_channels: int, width: int, count: int, stride: int,
    shortcut: ShortcutFactory | None,
) -> tuple[nn.Sequential, int]:  # fmt: skip
    """``count`` blocks of ``width``; the first takes the stride and any change of dimensions."""
    out_channels = width * block.expansion
    blocks = []
    for i in range(count):
        s = stride if i == 0 else 1
        cin = in_channels if i == 0 else out_channels
        changes = s != 1 or cin != out_channels
        # Only where dimensions change is there a shortcut module (options A and B);
        # everywhere else the shortcut is the identity.
        sc = shortcut(cin, out_channels, s) if (changes and shortcut is not None) else None
        blocks.append(block(cin, width, s, shortcut=sc, residual=shortcut is not None))
    return nn.Sequential(*blocks), out_channels


def _head(channels: int, num_classes: int) -> list[tuple[str, nn.Module]]:
    return [
        ("avgpool", nn.AdaptiveAvgPool2d(1)),  # N x C x 1 x 1: global average pooling
        ("flatten", nn.Flatten()),
        ("fc", nn.Linear(channels, num_classes)),  # N x num_classes
    ]


def _imagenet_stem() -> list[tuple[str, nn.Module]]:
    return [
        ("conv1", nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)),  # N x 64 x 112 x 112
        ("bn1", nn.BatchNorm2d(64)),
        ("relu", nn.ReLU(inplace=True)),
        ("maxpool", nn.MaxPool2d(3, stride=2, padding=1)),  # N x 64 x 56 x 56
    ]


def imagenet_resnet(
    block: Block, counts: Sequence[int], shortcut: ShortcutFactory | None = _projection, num_classes: int = 1000
) -> nn.Sequential:
    """Table 1's networks: conv1, max-pool, four stages (conv2_x to conv5_x) of 64-512 wide blocks, fc.

    ``shortcut=None`` gives the plain network of Figure 3 (middle).
    """
    layers = _imagenet_stem()
    channels = 64
    for i, (width, count) in enumerate(zip((64, 128, 256, 512), counts)):
        # conv2_x keeps the 56x56 maps (the max-pool halved them); the others halve them.
        stage, channels = _stage(block, channels, width, count, 1 if i == 0 else 2, shortcut)
        layers.append((f"layer{i + 1}", stage))  # N x channels x 56/2^i x 56/2^i
    return nn.Sequential(OrderedDict([*layers, *_head(channels, num_classes)]))


def cifar_resnet(
    depth: int, shortcut: ShortcutFactory | None = ZeroPadShortcut, num_classes: int = 10
) -> nn.Sequential:
    """Sec. 4.2's 6n+2 networks: a 3x3 conv, three stages of 2n 3x3 layers (16, 32, 64 filters), fc.

    Option A shortcuts ("on this dataset we use identity shortcuts in all cases (i.e.,
    option A)"); ``shortcut=None`` gives the plain counterpart.
    """
    if (depth - 2) % 6:
        raise ValueError(f"a CIFAR ResNet has 6n+2 layers; {depth} is not of that form")
    n = (depth - 2) // 6
    layers: list[tuple[str, nn.Module]] = [
        ("conv1", _conv(3, 16, 3)),  # N x 16 x 32 x 32
        ("bn1", nn.BatchNorm2d(16)),
        ("relu", nn.ReLU(inplace=True)),
    ]
    channels = 16
    for i, width in enumerate((16, 32, 64)):
        # "The subsampling is performed by convolutions with a stride of 2."
        stage, channels = _stage(BasicBlock, channels, width, n, 1 if i == 0 else 2, shortcut)
        layers.append((f"layer{i + 1}", stage))  # N x width x 32/2^i x 32/2^i
    return nn.Sequential(OrderedDict([*layers, *_head(channels, num_classes)]))


def _preact_stage(in_channels: int, width: int, count: int, stride: int, first_preact: bool = True) -> nn.Sequential:
    out_channels = width * PreActBottleneck.expansion
    return nn.Sequential(
        *(
            PreActBottleneck(in_channels if i == 0 else out_channels, width, stride if i == 0 else 1,
                             preact=first_preact or i > 0)
            for i in range(count)
        )
    )  # fmt: skip


def _preact_tail(channels: int, num_classes: int) -> list[tuple[str, nn.Module]]:
    # 2016, appendix: "for the last Residual Unit ... an extra activation right after its
    # element-wise addition".
    return [("bn_final", nn.BatchNorm2d(channels)), ("relu_final", nn.ReLU(inplace=True)),
            *_head(channels, num_classes)]  # fmt: skip


def cifar_preact_resnet(depth: int, num_classes: int = 10) -> nn.Sequential:
    """The 2016 paper's 9n+2 bottleneck networks: a 3x3 conv (16), three stages of n units (64, 128, 256 out), fc.

    Units are [1x1, 16; 3x3, 16; 1x1, 64] on 32x32 maps, then 32/128 and 64/256
    (appendix: "a [3x3, 16; 3x3, 16] unit in ResNet-110 is replaced with a [1x1, 16;
    3x3, 16; 1x1, 64] unit in ResNet-164"); the first unit of each stage has a projection
    shortcut, and the first one's pre-activation is conv1's activation.
    """
    if (depth - 2) % 9:
        raise ValueError(f"a pre-activation bottleneck CIFAR ResNet has 9n+2 layers; {depth} is not of that form")
    n = (depth - 2) // 9
    layers: list[tuple[str, nn.Module]] = [("conv1", _conv(3, 16, 3))]  # N x 16 x 32 x 32
    channels = 16
    for i, width in enumerate((16, 32, 64)):
        layers.append((f"layer{i + 1}", _preact_stage(channels, width, n, 1 if i == 0 else 2)))
        channels = width * PreActBottleneck.expansion  # N x 4*width x 32/2^i x 32/2^i
    return nn.Sequential(OrderedDict([*layers, *_preact_tail(channels, num_classes)]))


def imagenet_preact_resnet(counts: Sequence[int], num_classes: int = 1000) -> nn.Sequential:
    """Table 1's bottleneck layout with 2016's pre-activation units; conv1 keeps its BN-ReLU."""
    layers = _imagenet_stem()
    channels = 64
    for i, (width, count) in enumerate(zip((64, 128, 256, 512), counts)):
        # The first unit reads conv1's activation (through the max-pool): no second BN-ReLU.
        layers.append((f"layer{i + 1}", _preact_stage(channels, width, count, 1 if i == 0 else 2, i > 0)))
        channels = width * PreActBottleneck.expansion
    return nn.Sequential(OrderedDict([*layers, *_preact_tail(channels, num_classes)]))


# -- the variants ------------------------------------------------------------------------


def resnet18() -> nn.Sequential:
    """ResNet-18 (Table 1), option B projections where dimensions change."""
    return imagenet_resnet(BasicBlock, (2, 2, 2, 2))


def resnet34() -> nn.Sequential:
    """ResNet-34 (Table 1, Figure 3 right), option B projections where dimensions change."""
    return imagenet_resnet(BasicBlock, (3, 4, 6, 3))


def resnet50() -> nn.Sequential:
    """ResNet-50 (Table 1): bottlenecks, option B."""
    return imagenet_resnet(Bottleneck, (3, 4, 6, 3))


def resnet101() -> nn.Sequential:
    """ResNet-101 (Table 1): bottlenecks, option B."""
    return imagenet_resnet(Bottleneck, (3, 4, 23, 3))


def resnet152() -> nn.Sequential:
    """ResNet-152 (Table 1): bottlenecks, option B."""
    return imagenet_resnet(Bottleneck, (3, 8, 36, 3))


def resnet50_v15() -> nn.Sequential:
    """ResNet-50 with the stride on the 3x3 (torchvision's resnet50)."""
    return imagenet_resnet(BottleneckV15, (3, 4, 6, 3))


def resnet101_v15() -> nn.Sequential:
    """ResNet-101 with the stride on the 3x3 (torchvision's resnet101)."""
    return imagenet_resnet(BottleneckV15, (3, 4, 23, 3))


def resnet152_v15() -> nn.Sequential:
    """ResNet-152 with the stride on the 3x3 (torchvision's resnet152)."""
    return imagenet_resnet(BottleneckV15, (3, 8, 36, 3))


def plain18() -> nn.Sequential:
    """The 18-layer plain network (Sec. 4.1, Table 1 without shortcuts)."""
    return imagenet_resnet(BasicBlock, (2, 2, 2, 2), shortcut=None)


def plain34() -> nn.Sequential:
    """The 34-layer plain network (Figure 3 middle)."""
    return imagenet_resnet(BasicBlock, (3, 4, 6, 3), shortcut=None)


def resnet20() -> nn.Sequential:
    """CIFAR-10 ResNet-20 (n = 3)."""
    return cifar_resnet(20)


def resnet32() -> nn.Sequential:
    """CIFAR-10 ResNet-32 (n = 5)."""
    return cifar_resnet(32)


def resnet44() -> nn.Sequential:
    """CIFAR-10 ResNet-44 (n = 7)."""
    return cifar_resnet(44)


def resnet56() -> nn.Sequential:
    """CIFAR-10 ResNet-56 (n = 9)."""
    return cifar_resnet(56)


def resnet110() -> nn.Sequential:
    """CIFAR-10 ResNet-110 (n = 18)."""
    return cifar_resnet(110)


def resnet1202() -> nn.Sequential:
    """CIFAR-10 ResNet-1202 (n = 200)."""
    return cifar_resnet(1202)


def preact_resnet164() -> nn.Sequential:
    """CIFAR-10 pre-activation ResNet-164 (n = 18 bottleneck units per stage)."""
    return cifar_preact_resnet(164)


def preact_resnet1001() -> nn.Sequential:
    """CIFAR-10 pre-activation ResNet-1001 (n = 111: 333 units)."""
    return cifar_preact_resnet(1001)


def preact_resnet200() -> nn.Sequential:
    """ImageNet pre-activation ResNet-200: ResNet-152 with 16 more units on the 28x28 maps."""
    return imagenet_preact_resnet((3, 24, 36, 3))


# -- published figures -------------------------------------------------------------------

HE_2015 = "He, Zhang, Ren, Sun. Deep residual learning for image recognition. CVPR 2016 (arXiv:1512.03385, 2015)"
HE_2016 = "He, Zhang, Ren, Sun. Identity mappings in deep residual networks. ECCV 2016 (arXiv:1603.05027)"


def _depth(layers: int, quote: str, source: str, shortcuts: str) -> PublishedFigure:
    return PublishedFigure(
        "depth", layers, quote, source, "weighted layers",
        f"convolutional and fully connected layers on the longest path; {shortcuts}", 0.0,
    )  # fmt: skip


# What the shortcuts add to the depth, by kind of network.
_PROJECTIONS = "a 1x1 projection shortcut is 1 layer beside 2 or 3 and does not lengthen the path"
_PLAIN = "no shortcuts"
_OPTION_A = "identity and zero-padding shortcuts have no weighted layer"


def _millions(value: float, quote: str, source: str, decimals: int) -> PublishedFigure:
    # "0.27M" is a count rounded to two decimals of a million: within half a unit of its last digit.
    half_unit = 0.5 * 10.0**-decimals
    return PublishedFigure(
        "params", value * 1e6, quote, source, "parameters",
        f"parameters (weights, BN scale and shift, fc bias), in millions rounded to {decimals} "
        f"decimal{'s' if decimals > 1 else ''} (±{half_unit:g}M); BN running statistics are buffers, not counted",
        half_unit / value,
    )  # fmt: skip


_TABLE6 = "He et al. 2015, Table 6 (# params)"
_V15 = (
    "He, Zhang, Ren, Sun (2015) with the stride on the 3x3, after Gross and Wilber, "
    "fb.resnet.torch (2016), as in torchvision"
)
_TABLE4_2016 = "He et al. 2016, Table 4 (ResNets' number of parameters)"

SPECS = (
    ModelSpec("resnet-18", resnet18, (1, 3, 224, 224), HE_2015, 2015,
              "ResNet-18: basic blocks [2, 2, 2, 2], option B projections",
              (_depth(18, "18-layer", "He et al. 2015, Table 1", _PROJECTIONS),
               # torchvision's resnet18 is this network (basic blocks have no 1x1 to move a stride from)
               *torchvision_figures("ResNet18_Weights.IMAGENET1K_V1", 11_689_512, "1.814"))),
    ModelSpec("resnet-34", resnet34, (1, 3, 224, 224), HE_2015, 2015,
              "ResNet-34: basic blocks [3, 4, 6, 3], option B projections",
              (_depth(34, "a residual network with 34 parameter layers", "He et al. 2015, Figure 3", _PROJECTIONS),
               *torchvision_figures("ResNet34_Weights.IMAGENET1K_V1", 21_797_672, "3.664"))),
    ModelSpec("resnet-50", resnet50, (1, 3, 224, 224), HE_2015, 2015,
              "ResNet-50: bottlenecks [3, 4, 6, 3], stride on the first 1x1 (v1), option B",
              (_depth(50, "50-layer", "He et al. 2015, Table 1", _PROJECTIONS),)),
    ModelSpec("resnet-101", resnet101, (1, 3, 224, 224), HE_2015, 2015,
              "ResNet-101: bottlenecks [3, 4, 23, 3], stride on the first 1x1 (v1), option B",
              (_depth(101, "101-layer", "He et al. 2015, Table 1", _PROJECTIONS),)),
    ModelSpec("resnet-152", resnet152, (1, 3, 224, 224), HE_2015, 2015,
              "ResNet-152: bottlenecks [3, 8, 36, 3], stride on the first 1x1 (v1), option B",
              (_depth(152, "152-layer", "He et al. 2015, Table 1", _PROJECTIONS),)),
    ModelSpec("resnet-50-v1.5", resnet50_v15, (1, 3, 224, 224), _V15, 2016,
              "ResNet-50 V1.5 (torchvision's resnet50): the stride on the 3x3 of each stage's first bottleneck",
              (_depth(50, "50-layer", "He et al. 2015, Table 1", _PROJECTIONS),
               *torchvision_figures("ResNet50_Weights.IMAGENET1K_V1", 25_557_032, "4.089"))),
    ModelSpec("resnet-101-v1.5", resnet101_v15, (1, 3, 224, 224), _V15, 2016,
              "ResNet-101 V1.5 (torchvision's resnet101): the stride on the 3x3 of each stage's first bottleneck",
              (_depth(101, "101-layer", "He et al. 2015, Table 1", _PROJECTIONS),
               *torchvision_figures("ResNet101_Weights.IMAGENET1K_V1", 44_549_160, "7.801"))),
    ModelSpec("resnet-152-v1.5", resnet152_v15, (1, 3, 224, 224), _V15, 2016,
              "ResNet-152 V1.5 (torchvision's resnet152): the stride on the 3x3 of each stage's first bottleneck",
              (_depth(152, "152-layer", "He et al. 2015, Table 1", _PROJECTIONS),
               *torchvision_figures("ResNet152_Weights.IMAGENET1K_V1", 60_192_808, "11.514"))),
    ModelSpec("plain-18", plain18, (1, 3, 224, 224), HE_2015, 2015,
              "the 18-layer plain network: ResNet-18 without shortcuts",
              (_depth(18, "18-layer plain net", "He et al. 2015, Sec. 4.1 and Table 2", _PLAIN),)),
    ModelSpec("plain-34", plain34, (1, 3, 224, 224), HE_2015, 2015,
              "the 34-layer plain network of Figure 3 (middle): ResNet-34 without shortcuts",
              (_depth(34, "a plain network with 34 parameter layers", "He et al. 2015, Figure 3", _PLAIN),)),
    ModelSpec("resnet-20", resnet20, (1, 3, 32, 32), HE_2015, 2015,
              "CIFAR-10 ResNet-20: 3 stages of 3 basic blocks, 16/32/64 filters, option A",
              (_depth(20, "20 layers", _TABLE6, _OPTION_A), _millions(0.27, "0.27M", _TABLE6, 2))),
    ModelSpec("resnet-32", resnet32, (1, 3, 32, 32), HE_2015, 2015,
              "CIFAR-10 ResNet-32: 3 stages of 5 basic blocks, 16/32/64 filters, option A",
              (_depth(32, "32 layers", _TABLE6, _OPTION_A), _millions(0.46, "0.46M", _TABLE6, 2))),
    ModelSpec("resnet-44", resnet44, (1, 3, 32, 32), HE_2015, 2015,
              "CIFAR-10 ResNet-44: 3 stages of 7 basic blocks, 16/32/64 filters, option A",
              (_depth(44, "44 layers", _TABLE6, _OPTION_A), _millions(0.66, "0.66M", _TABLE6, 2))),
    ModelSpec("resnet-56", resnet56, (1, 3, 32, 32), HE_2015, 2015,
              "CIFAR-10 ResNet-56: 3 stages of 9 basic blocks, 16/32/64 filters, option A",
              (_depth(56, "56 layers", _TABLE6, _OPTION_A), _millions(0.85, "0.85M", _TABLE6, 2))),
    ModelSpec("resnet-110", resnet110, (1, 3, 32, 32), HE_2015, 2015,
              "CIFAR-10 ResNet-110: 3 stages of 18 basic blocks, 16/32/64 filters, option A",
              (_depth(110, "110 layers", _TABLE6, _OPTION_A), _millions(1.7, "1.7M", _TABLE6, 1))),
    ModelSpec("resnet-1202", resnet1202, (1, 3, 32, 32), HE_2015, 2015,
              "CIFAR-10 ResNet-1202: 3 stages of 200 basic blocks, 16/32/64 filters, option A",
              (_depth(1202, "1202 layers", _TABLE6, _OPTION_A), _millions(19.4, "19.4M", _TABLE6, 1))),
    ModelSpec("preact-resnet-164", preact_resnet164, (1, 3, 32, 32), HE_2016, 2016,
              "CIFAR-10 pre-activation ResNet-164: 3 x 18 bottleneck units, 64/128/256 out",
              (_depth(164, "ResNet-164", "He et al. 2016, Sec. 4.1 and Table 3", _PROJECTIONS),
               _millions(1.7, "ResNet-164 [ours] (1.7M)", _TABLE4_2016, 1))),
    ModelSpec("preact-resnet-1001", preact_resnet1001, (1, 3, 32, 32), HE_2016, 2016,
              "CIFAR-10 pre-activation ResNet-1001: 3 x 111 bottleneck units, 64/128/256 out",
              # Table 4's "10.2M" is in claims/preact-resnet-1001.toml: it does not hold as a
              # count of all trainable parameters (10.33M), see the claim's note.
              (_depth(1001, "a 1001-layer bottleneck architecture", "He et al. 2016, Sec. 4.1", _PROJECTIONS),)),
    ModelSpec("preact-resnet-200", preact_resnet200, (1, 3, 224, 224), HE_2016, 2016,
              "ImageNet pre-activation ResNet-200: bottleneck units [3, 24, 36, 3]",
              (_depth(200, "ResNet-200", "He et al. 2016, Table 5", _PROJECTIONS),)),
)  # fmt: skip
