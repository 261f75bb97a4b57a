"""Cited data: historical GPUs (memory, peak FP32) and the zoo papers' training recipes.

Every figure carries its source and the words it was taken from. A GPU's memory is the
marketed size in binary gigabytes (a "3 GB" GTX 580 holds 3 x 2^30 bytes); its peak is
FP32 operations per second with a fused multiply-add counted as two.
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 2**30
PF_DAY = 1e15 * 86_400  # one petaflop/s for a day, in FLOP


@dataclass(frozen=True)
class GPU:
    """A GPU as its maker or a cited source states it."""

    name: str
    memory: int  # bytes, per GPU
    peak_flops: float  # FP32 FLOP/s
    year: int
    source: str
    quote: str


VOLTA_WHITEPAPER = (
    "NVIDIA Tesla V100 GPU Architecture whitepaper (2017), Table 1 'Comparison of NVIDIA Tesla GPUs' "
    "(as reproduced at xenon.com.au/nvidia-tesla-volta-worlds-advanced-data-center-gpu/)"
)
AI_AND_COMPUTE = (
    "Amodei & Hernandez, 'AI and Compute', OpenAI (2018), Appendix: methods (openai.com/index/ai-and-compute/)"
)

GPUS: dict[str, GPU] = {
    gpu.name: gpu
    for gpu in (
        GPU(
            "gtx580", 3 * GIB, 1.58e12, 2010,
            "Krizhevsky et al. 2012, Sec. 3.2 (memory); " + AI_AND_COMPUTE + " (peak)",
            "A single GTX 580 GPU has only 3GB of memory; 2 * (1.58 * 10 ^ -3 PF) * 5.5 * 0.33",
        ),
        GPU(
            "titan-black", 6 * GIB, 5.1e12, 2014, AI_AND_COMPUTE + " (peak); guru3d GTX Titan Black review, p. 5 (memory)",
            "4 Titan Black GPU's * 15 days * 5.1 TFLOPS/GPU * 0.33 utilization; Graphics memory 6144 MB",
        ),
        GPU("k40", 12 * GIB, 5.04e12, 2013, VOLTA_WHITEPAPER, "Tesla K40: Peak FP32 TFLOP/s 5.04; Memory Size Up to 12 GB"),
        GPU(
            "k80", 12 * GIB, 8.74e12 / 2, 2014, "NVIDIA Tesla K80 announcement, SC14 (as reported by tweakpc.de, 17 Nov 2014)",
            "Tesla K80 mit zwei GK210-GPUs und 24 GB Grafikspeicher ... 8,74 TFLOPS (board of two GPUs: half each)",
        ),
        GPU("p100", 16 * GIB, 10.6e12, 2016, VOLTA_WHITEPAPER, "Tesla P100: Peak FP32 TFLOP/s 10.6; Memory Size 16 GB"),
        GPU("v100", 16 * GIB, 15e12, 2017, VOLTA_WHITEPAPER, "Tesla V100: Peak FP32 TFLOP/s 15; Memory Size 16 GB"),
        GPU(
            "a100", 80 * GIB, 19.5e12, 2020,
            "NVIDIA A100 datasheet (as tabulated at glennklockwood.com/garden/processors/A100)",
            "FP32 19.5 [TFLOPS]; 80 GB HBM2e",
        ),
        GPU(
            "h100", 80 * GIB, 67e12, 2022, "NVIDIA H100 datasheet, SXM form factor (as tabulated at gpu.blog/gpus/nvidia-h100-sxm)",
            "FP32 67 TFLOPS; VRAM 80GB",
        ),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Recipe:
    """How a zoo network was trained, in its paper's words: samples seen and the batch."""

    samples: int  # training examples passed through the network, in all
    batch: int
    epochs: float
    images: int  # per epoch, as the paper states or implies
    source: str
    quote: str
    # AlexNet, VGG and ResNet: SGD with a momentum of 0.9 (Krizhevsky et al. Sec. 5,
    # Simonyan & Zisserman Sec. 3.1, He et al. Sec. 3.4).
    optimizer: str = "momentum"


KRIZHEVSKY = "Krizhevsky et al. 2012, Sec. 5"
SIMONYAN = "Simonyan & Zisserman 2015, Sec. 3.1"
HE = "He et al. 2016, Sec. 3.4"


def _vgg() -> Recipe:
    # 370K iterations of 256 images make 74 epochs: 1.28 M images an epoch.
    return Recipe(370_000 * 256, 256, 74, 370_000 * 256 // 74, SIMONYAN,
                  "the batch size was set to 256 ... the learning was stopped after 370K iterations (74 epochs)")  # fmt: skip


def _resnet() -> Recipe:
    # 600K iterations of 256 images; at the 1.2 M images the paper's Sec. 4.1 states, 128 epochs.
    return Recipe(600_000 * 256, 256, 128, 1_200_000, HE,
                  "We use SGD with a mini-batch size of 256 ... the models are trained for up to 60 x 10^4 iterations")  # fmt: skip


RECIPES: dict[str, Recipe] = {
    "alexnet": Recipe(
        90 * 1_200_000, 128, 90, 1_200_000, KRIZHEVSKY,
        "We trained the network for roughly 90 cycles through the training set of 1.2 million images, "
        "which took five to six days on two NVIDIA GTX 580 3GB GPUs.",
    ),
    **{name: _vgg() for name in ("vgg-a", "vgg-a-lrn", "vgg-b", "vgg-c", "vgg-d", "vgg-e")},
    **{name: _resnet() for name in ("resnet-18", "resnet-34", "resnet-50", "resnet-101", "resnet-152",
                                     "plain-18", "plain-34")},
}  # fmt: skip


def pf_days(flop: float) -> float:
    """FLOP as petaflop/s-days (10^15 FLOP/s for 86,400 s)."""
    return flop / PF_DAY


def gpu_days(flop: float, peak: float, utilization: float) -> float:
    """Days one GPU of ``peak`` FLOP/s needs for ``flop`` at ``utilization`` of its peak."""
    return flop / (peak * utilization * 86_400)
