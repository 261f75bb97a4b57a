"""AlexNet as Krizhevsky, Sutskever and Hinton trained it on two GPUs (NIPS 2012, Sec. 3).

The two towers are grouped convolutions (groups=2): conv2, conv4 and conv5 see only their
own GPU's half of the previous layer; conv3 and the fully connected layers see both.
This is not torchvision's single-tower AlexNet (the "one weird trick" variant).
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from .registry import ModelSpec, PublishedFigure


def _lrn() -> nn.LocalResponseNorm:
    # Sec. 3.3: k = 2, n = 5, alpha = 1e-4, beta = 0.75. PyTorch divides alpha by n,
    # the paper does not: 5 x 1e-4 here is the paper's 1e-4.
    return nn.LocalResponseNorm(size=5, alpha=5e-4, beta=0.75, k=2.0)


def alexnet(num_classes: int = 1000) -> nn.Module:
    """The two-tower AlexNet for a 3 x 227 x 227 input.

    The paper writes 224 x 224; with an 11 x 11 stride-4 first layer only 227 gives the
    55 x 55 maps that the rest of its figures need, so 227 is the input here.
    """
    return nn.Sequential(
        OrderedDict(
            [
                ("conv1", nn.Conv2d(3, 96, 11, stride=4)),  # N x 96 x 55 x 55
                ("relu1", nn.ReLU(inplace=True)),
                # Sec. 3.5: normalisation follows conv1 and conv2, pooling follows it.
                ("norm1", _lrn()),
                ("pool1", nn.MaxPool2d(3, stride=2)),  # N x 96 x 27 x 27
                ("conv2", nn.Conv2d(96, 256, 5, padding=2, groups=2)),  # N x 256 x 27 x 27
                ("relu2", nn.ReLU(inplace=True)),
                ("norm2", _lrn()),
                ("pool2", nn.MaxPool2d(3, stride=2)),  # N x 256 x 13 x 13
                ("conv3", nn.Conv2d(256, 384, 3, padding=1)),  # across both towers
                ("relu3", nn.ReLU(inplace=True)),
                ("conv4", nn.Conv2d(384, 384, 3, padding=1, groups=2)),
                ("relu4", nn.ReLU(inplace=True)),
                ("conv5", nn.Conv2d(384, 256, 3, padding=1, groups=2)),  # N x 256 x 13 x 13
                ("relu5", nn.ReLU(inplace=True)),
                ("pool5", nn.MaxPool2d(3, stride=2)),  # N x 256 x 6 x 6
                ("flatten", nn.Flatten()),
                ("fc6", nn.Linear(256 * 6 * 6, 4096)),
                ("relu6", nn.ReLU(inplace=True)),
                ("drop6", nn.Dropout(0.5)),
                ("fc7", nn.Linear(4096, 4096)),
                ("relu7", nn.ReLU(inplace=True)),
                ("drop7", nn.Dropout(0.5)),
                ("fc8", nn.Linear(4096, num_classes)),  # N x 1000
            ]
        )
    )


KRIZHEVSKY_2012 = (
    "Krizhevsky, Sutskever, Hinton. ImageNet classification with deep convolutional neural networks. NIPS 2012"
)

SPECS = (
    ModelSpec(
        name="alexnet",
        builder=alexnet,
        input_shape=(1, 3, 227, 227),
        paper=KRIZHEVSKY_2012,
        year=2012,
        summary="AlexNet, the original two-tower network (grouped conv2, conv4, conv5)",
        published=(
            PublishedFigure(
                "params", 60_000_000, "the neural network, which has 60 million parameters",
                "Krizhevsky et al. 2012, abstract", "parameters",
                "prose figure '60 million'", 0.05,
            ),
            PublishedFigure(
                "neurons", 650_000, "and 650,000 neurons",
                "Krizhevsky et al. 2012, abstract", "neurons",
                "prose figure '650,000', input units not included", 0.05,
            ),
        ),
    ),
)  # fmt: skip
