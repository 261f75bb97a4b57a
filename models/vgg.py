"""VGG as Simonyan and Zisserman configure it (ICLR 2015, arXiv:1409.1556, Sec. 2 and Table 1).

Configurations A, A-LRN, B, C, D and E, each built from its column of Table 1 as the paper
writes it: 3x3 convolutions (1x1 in three places of C), stride 1, padded to keep the map
size (Sec. 2.1); 2x2 stride-2 max-pooling; ReLU after every weight layer; FC-4096,
FC-4096, FC-1000 over a fixed 7x7x512 map, with dropout 0.5 after the first two (Sec. 3.1).
No adaptive pooling: like the paper's training network this one takes 224x224 only.
``vgg-d-dense`` is D as the paper evaluates it (Sec. 3.2), its FC layers turned into
convolutions so that it takes an image of any size.

Departures from the paper: the closing soft-max of Table 1 is left out (it has no
parameters; the network returns the scores it normalises, as the loss expects).
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from .registry import ModelSpec, PublishedFigure, torchvision_figures

# Table 1, column by column, in the paper's own notation: "conv<receptive field size>-<number
# of channels>", "LRN", "maxpool". Every column then ends in FC-4096, FC-4096, FC-1000,
# soft-max (see `_classifier`). Each line is one stage; the comment is its output for a
# 224x224 input.
CONFIGS: dict[str, tuple[str, ...]] = {
    # A: 11 weight layers.
    "A": (
        "conv3-64", "maxpool",  # 64 x 112 x 112
        "conv3-128", "maxpool",  # 128 x 56 x 56
        "conv3-256", "conv3-256", "maxpool",  # 256 x 28 x 28
        "conv3-512", "conv3-512", "maxpool",  # 512 x 14 x 14
        "conv3-512", "conv3-512", "maxpool",  # 512 x 7 x 7
    ),
    # A-LRN: 11 weight layers, A with local response normalisation after the first layer.
    "A-LRN": (
        "conv3-64", "LRN", "maxpool",
        "conv3-128", "maxpool",
        "conv3-256", "conv3-256", "maxpool",
        "conv3-512", "conv3-512", "maxpool",
        "conv3-512", "conv3-512", "maxpool",
    ),
    # B: 13 weight layers.
    "B": (
        "conv3-64", "conv3-64", "maxpool",
        "conv3-128", "conv3-128", "maxpool",
        "conv3-256", "conv3-256", "maxpool",
        "conv3-512", "conv3-512", "maxpool",
        "conv3-512", "conv3-512", "maxpool",
    ),
    # C: 16 weight layers; the third layer of stages 3-5 is a 1x1 convolution.
    "C": (
        "conv3-64", "conv3-64", "maxpool",
        "conv3-128", "conv3-128", "maxpool",
        "conv3-256", "conv3-256", "conv1-256", "maxpool",
        "conv3-512", "conv3-512", "conv1-512", "maxpool",
        "conv3-512", "conv3-512", "conv1-512", "maxpool",
    ),
    # D (VGG-16): 16 weight layers.
    "D": (
        "conv3-64", "conv3-64", "maxpool",
        "conv3-128", "conv3-128", "maxpool",
        "conv3-256", "conv3-256", "conv3-256", "maxpool",
        "conv3-512", "conv3-512", "conv3-512", "maxpool",
        "conv3-512", "conv3-512", "conv3-512", "maxpool",
    ),
    # E (VGG-19): 19 weight layers.
    "E": (
        "conv3-64", "conv3-64", "maxpool",
        "conv3-128", "conv3-128", "maxpool",
        "conv3-256", "conv3-256", "conv3-256", "conv3-256", "maxpool",
        "conv3-512", "conv3-512", "conv3-512", "conv3-512", "maxpool",
        "conv3-512", "conv3-512", "conv3-512", "conv3-512", "maxpool",
    ),
}  # fmt: skip

FC_WIDTH = 4096  # Table 1: FC-4096, FC-4096
FINAL_MAP = (512, 7, 7)  # pool5's output at 224x224: 224 / 2**5 = 7


def _lrn() -> nn.LocalResponseNorm:
    # Sec. 2.1: the LRN of Krizhevsky et al. 2012 (Sec. 3.3): n = 5, k = 2, alpha = 1e-4,
    # beta = 0.75, with the sum scaled by alpha. PyTorch scales it by alpha / n, so its alpha
    # is n times the paper's.
    return nn.LocalResponseNorm(size=5, alpha=5 * 1e-4, beta=0.75, k=2.0)


def _parse_conv(entry: str) -> tuple[int, int]:
    """``"conv3-64"`` -> kernel 3, channels 64."""
    kernel, channels = entry.removeprefix("conv").split("-")
    return int(kernel), int(channels)


def _features(config: tuple[str, ...]) -> list[tuple[str, nn.Module]]:
    """The convolutional part of one Table 1 column, named conv<stage>_<i>, pool<stage> as in Caffe."""
    layers: list[tuple[str, nn.Module]] = []
    channels, stage, index = 3, 1, 0
    for entry in config:
        if entry == "maxpool":
            layers.append((f"pool{stage}", nn.MaxPool2d(2, stride=2)))  # halves the map
            stage, index = stage + 1, 0
        elif entry == "LRN":
            layers.append((f"norm{stage}", _lrn()))
        else:
            kernel, out = _parse_conv(entry)
            index += 1
            # Sec. 2.1: stride 1, padding that preserves the map (1 for 3x3, 0 for 1x1).
            layers.append((f"conv{stage}_{index}", nn.Conv2d(channels, out, kernel, padding=kernel // 2)))
            layers.append((f"relu{stage}_{index}", nn.ReLU(inplace=True)))
            channels = out
    return layers


def _classifier(num_classes: int) -> list[tuple[str, nn.Module]]:
    """FC-4096, FC-4096, FC-1000 over the fixed 7x7x512 map, dropout after the first two (Sec. 3.1)."""
    c, h, w = FINAL_MAP
    return [
        ("flatten", nn.Flatten()),  # N x 25088
        ("fc6", nn.Linear(c * h * w, FC_WIDTH)),  # N x 4096
        ("relu6", nn.ReLU(inplace=True)),
        ("drop6", nn.Dropout(0.5)),
        ("fc7", nn.Linear(FC_WIDTH, FC_WIDTH)),
        ("relu7", nn.ReLU(inplace=True)),
        ("drop7", nn.Dropout(0.5)),
        ("fc8", nn.Linear(FC_WIDTH, num_classes)),  # N x 1000
    ]


def _dense_head(num_classes: int) -> list[tuple[str, nn.Module]]:
    """Sec. 3.2: fc6 as a 7x7 convolution, fc7 and fc8 as 1x1, then the class score map averaged.

    The weights are those of ``_classifier``, reshaped: fc6's 4096 x 25088 matrix is a
    4096 x 512 x 7 x 7 kernel (the flatten order is channel, row, column). Dropout is left
    out: dense evaluation is the test-time network, where dropout does nothing.
    """
    c, h, w = FINAL_MAP
    return [
        ("fc6", nn.Conv2d(c, FC_WIDTH, (h, w))),  # N x 4096 x (H/32 - 6) x (W/32 - 6)
        ("relu6", nn.ReLU(inplace=True)),
        ("fc7", nn.Conv2d(FC_WIDTH, FC_WIDTH, 1)),
        ("relu7", nn.ReLU(inplace=True)),
        ("fc8", nn.Conv2d(FC_WIDTH, num_classes, 1)),  # N x 1000 x 6 x 6 at 384x384: the class score map
        # "the class score map is spatially averaged (sum-pooled)" into one score per class.
        ("avgpool", nn.AdaptiveAvgPool2d(1)),  # N x 1000 x 1 x 1
        ("flatten", nn.Flatten()),  # N x 1000
    ]


def vgg(config: str, num_classes: int = 1000, dense: bool = False) -> nn.Sequential:
    """The VGG network of one Table 1 column (``"A"``, ``"A-LRN"``, ..., ``"E"``).

    Args:
        config: the column of Table 1.
        num_classes: width of fc8.
        dense: the FC layers as convolutions (Sec. 3.2), for inputs of any size from 224 up.
    """
    head = _dense_head(num_classes) if dense else _classifier(num_classes)
    return nn.Sequential(OrderedDict([*_features(CONFIGS[config]), *head]))


def vgg_a() -> nn.Module:
    """Configuration A: 11 weight layers."""
    return vgg("A")


def vgg_a_lrn() -> nn.Module:
    """Configuration A-LRN: A with LRN after conv1_1."""
    return vgg("A-LRN")


def vgg_b() -> nn.Module:
    """Configuration B: 13 weight layers."""
    return vgg("B")


def vgg_c() -> nn.Module:
    """Configuration C: 16 weight layers, three of them 1x1."""
    return vgg("C")


def vgg_d() -> nn.Module:
    """Configuration D (VGG-16): 16 weight layers."""
    return vgg("D")


def vgg_e() -> nn.Module:
    """Configuration E (VGG-19): 19 weight layers."""
    return vgg("E")


def vgg_d_dense() -> nn.Module:
    """Configuration D for dense evaluation (Sec. 3.2): fully convolutional, any input size."""
    return vgg("D", dense=True)


SIMONYAN_2014 = (
    "Simonyan, Zisserman. Very deep convolutional networks for large-scale image recognition. ICLR 2015 "
    "(arXiv:1409.1556, 2014)"
)
HE_2016 = "He, Zhang, Ren, Sun. Deep residual learning for image recognition. CVPR 2016"


def _table2(millions: int, column: str) -> PublishedFigure:
    """Table 2's parameter count of one column, an integer number of millions."""
    return PublishedFigure(
        "params", millions * 1_000_000, f"Table 2, number of parameters (in millions): {column} {millions}",
        "Simonyan & Zisserman 2015, Table 2", "parameters",
        "integer millions: any count within ±0.5M, written as rel_tol = 0.5 / millions", 0.5 / millions,
    )  # fmt: skip


def _table1_depth(layers: int, column: str) -> PublishedFigure:
    """Table 1's column heading: the number of weight layers."""
    return PublishedFigure(
        "depth", layers, f"Table 1, column {column}: {layers} weight layers",
        "Simonyan & Zisserman 2015, Table 1", "weight layers",
        "conv and FC layers on the input-output path", 0.0,
    )  # fmt: skip


# torchvision's VGG11/13/16/19 are configurations A, B, D and E; the AdaptiveAvgPool2d(7)
# it puts before the classifier leaves pool5's 7x7 maps as they are at 224x224 and adds no
# multiply-add, so its documented parameters and GFLOPS are these networks' own.
SPECS = (
    ModelSpec(
        name="vgg-a", builder=vgg_a, input_shape=(1, 3, 224, 224), paper=SIMONYAN_2014, year=2014,
        summary="VGG configuration A: 8 conv (3x3) + 3 FC layers",
        published=(_table2(133, "A"), _table1_depth(11, "A"), *torchvision_figures("VGG11_Weights.IMAGENET1K_V1", 132_863_336, "7.609")),
    ),
    ModelSpec(
        name="vgg-a-lrn", builder=vgg_a_lrn, input_shape=(1, 3, 224, 224), paper=SIMONYAN_2014, year=2014,
        summary="VGG configuration A-LRN: A with local response normalisation after conv1_1",
        published=(_table2(133, "A-LRN"), _table1_depth(11, "A-LRN")),
    ),
    ModelSpec(
        name="vgg-b", builder=vgg_b, input_shape=(1, 3, 224, 224), paper=SIMONYAN_2014, year=2014,
        summary="VGG configuration B: 10 conv (3x3) + 3 FC layers",
        published=(_table2(133, "B"), _table1_depth(13, "B"), *torchvision_figures("VGG13_Weights.IMAGENET1K_V1", 133_047_848, "11.308")),
    ),
    ModelSpec(
        name="vgg-c", builder=vgg_c, input_shape=(1, 3, 224, 224), paper=SIMONYAN_2014, year=2014,
        summary="VGG configuration C: 13 conv (three of them 1x1) + 3 FC layers",
        published=(_table2(134, "C"), _table1_depth(16, "C")),
    ),
    ModelSpec(
        name="vgg-d", builder=vgg_d, input_shape=(1, 3, 224, 224), paper=SIMONYAN_2014, year=2014,
        summary="VGG configuration D (VGG-16): 13 conv (3x3) + 3 FC layers",
        published=(_table2(138, "D"), _table1_depth(16, "D"), *torchvision_figures("VGG16_Weights.IMAGENET1K_V1", 138_357_544, "15.47")),
    ),
    ModelSpec(
        name="vgg-e", builder=vgg_e, input_shape=(1, 3, 224, 224), paper=SIMONYAN_2014, year=2014,
        summary="VGG configuration E (VGG-19): 16 conv (3x3) + 3 FC layers",
        published=(
            _table2(144, "E"),
            _table1_depth(19, "E"),
            *torchvision_figures("VGG19_Weights.IMAGENET1K_V1", 143_667_240, "19.632"),
            PublishedFigure(
                "multiply_adds", 19_600_000_000, "lower complexity than VGG-16/19 nets (15.3/19.6 billion FLOPs)",
                f"{HE_2016}, Sec. 4.1 (Sec. 3.3: FLOPs are multiply-adds)", "multiply-adds",
                "conv and FC multiply-adds at 224x224, to 0.1 billion: ±0.05e9", 0.05 / 19.6,
            ),
        ),
    ),
    ModelSpec(
        name="vgg-d-dense", builder=vgg_d_dense, input_shape=(1, 3, 384, 384), paper=SIMONYAN_2014, year=2014,
        summary="VGG-16 for dense evaluation: FC layers as 7x7 and 1x1 convolutions, class score map averaged",
        published=(_table2(138, "D"), _table1_depth(16, "D")),
    ),
)  # fmt: skip
