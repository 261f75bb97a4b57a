"""What fvcore adds to the multiply-adds: normalisation, resampling, adaptive average pooling.

fvcore's default handles for these ops, as pure functions of shapes. Only the ``fvcore``
convention takes them; ``flops-all`` prices the same ops by its own elementwise rules
(:mod:`archstats.rules.elementwise`).
"""

from __future__ import annotations

import math

from archstats.rules.table import NORMALISATION, POOLING, RESAMPLING, Shape, register

FVCORE = ("fvcore",)


def norm_macs(x: Shape, affine: bool) -> int:
    """Layer, group and instance norm: 4 per element, 5 with an affine map (fvcore's estimate)."""
    return math.prod(x) * (5 if affine else 4)


register("aten::group_norm", key="group_norm", category=NORMALISATION, conventions=FVCORE, label="GroupNorm")(norm_macs)
register("aten::layer_norm", key="layer_norm", category=NORMALISATION, conventions=FVCORE, label="LayerNorm")(norm_macs)
register("aten::instance_norm", key="instance_norm", category=NORMALISATION, conventions=FVCORE, label="InstanceNorm")(
    norm_macs
)


@register("aten::batch_norm", key="batch_norm", category=NORMALISATION, conventions=FVCORE, label="BatchNorm")
def batch_norm_macs(x: Shape, affine: bool, training: bool) -> int:
    """``aten::batch_norm``: 1 per element, 2 with an affine map; as a norm layer when training."""
    if training:
        return norm_macs(x, affine)
    return math.prod(x) * (2 if affine else 1)


@register(
    "aten::adaptive_avg_pool2d",
    key="adaptive_avg_pool2d",
    category=POOLING,
    conventions=FVCORE,
    label="adaptive average pooling",
)
def input_elements(x: Shape) -> int:
    """``aten::adaptive_avg_pool2d``: one per input element."""
    return math.prod(x)


@register(
    "aten::upsample_nearest2d",
    key="upsample_nearest2d",
    category=RESAMPLING,
    conventions=FVCORE,
    label="nearest upsampling",
)
def output_elements(out: Shape) -> int:
    """Nearest upsampling: one per output element."""
    return math.prod(out)


@register(
    "aten::upsample_bilinear2d",
    key="upsample_bilinear2d",
    category=RESAMPLING,
    conventions=FVCORE,
    label="bilinear upsampling",
)
def bilinear_elements(out: Shape) -> int:
    """Bilinear upsampling: four per output element (its four neighbours)."""
    return 4 * math.prod(out)


register("aten::grid_sampler", key="grid_sampler", category=RESAMPLING, conventions=FVCORE, label="grid sampling")(
    bilinear_elements
)
