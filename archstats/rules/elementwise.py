"""The scalar operations of one call, for the ``flops-all`` convention, by torch function name.

Registered under the names the forward pass calls (``relu``, ``max_pool2d``), each a pure
function of the call's input and output element counts, a window (a pooling window's
elements, LRN's size) and whether it ran in training mode (BatchNorm's batch statistics,
dropout's mask). One function evaluation (tanh, exp, a comparison) is one operation.
Weighted ops (convolutions, linear maps, matrix products, distances) are counted as
multiply-adds by their own rules and price nothing here.
"""

from __future__ import annotations

from archstats.rules.table import ACTIVATION, ELEMENTWISE, NORMALISATION, POOLING, TABLE, Category, register

FLOPS_ALL = ("flops-all",)

# Rules, per output element unless stated.
BATCH_NORM_EVAL = 2  # one scale and one shift per element: the statistics are constants
NORM_WITH_STATISTICS = 8  # mean 1, variance 3 (subtract, square, add), normalise 2, affine 2
SOFTMAX_OPS = 3  # exponential, the sum, the division

# Calls of weighted ops: counted as multiply-adds, no elementwise work of their own.
WEIGHTED_CALLS = frozenset({"conv1d", "conv2d", "conv3d", "linear", "matmul", "mm", "bmm", "addmm", "cdist", "einsum"})
DROPOUT = frozenset({"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"})


@register(
    "cat", "concat", "concatenate", "stack", "view", "reshape", "flatten", "unflatten", "squeeze",
    "unsqueeze", "permute", "transpose", "t", "contiguous", "clone", "expand", "expand_as",
    "getitem", "index_select", "gather", "narrow", "select", "split", "chunk", "unbind", "pad",
    "constant_pad_nd", "to", "float", "type_as", "detach", "identity", "view_as", "repeat",
    "tile", "roll", "flip", "channel_shuffle", "pixel_shuffle", "pixel_unshuffle", "zero_pad2d", "get",
    key="moves", category=ELEMENTWISE, conventions=(),
)  # fmt: skip
def moves(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """Moves, copies or selects elements: no arithmetic."""
    return 0


@register("max_pool1d", "max_pool2d", "max_pool3d", key="max_pool", category=POOLING, conventions=FLOPS_ALL)
def max_pool(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """Max pooling: window - 1 comparisons per output."""
    return out_elements * (window - 1)


@register("avg_pool1d", "avg_pool2d", "avg_pool3d", key="avg_pool", category=POOLING, conventions=FLOPS_ALL)
def avg_pool(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """Average pooling: window - 1 additions and a division per output."""
    return out_elements * window


@register(
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    key="adaptive_avg_pool", category=POOLING, conventions=FLOPS_ALL,
)  # fmt: skip
def adaptive_avg_pool(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """Adaptive average pooling: every input added once, one division per output."""
    return in_elements


@register(
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    key="adaptive_max_pool", category=POOLING, conventions=FLOPS_ALL,
)  # fmt: skip
def adaptive_max_pool(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """Adaptive max pooling: one comparison per input beyond each output's first."""
    return max(in_elements - out_elements, 0)


@register("batch_norm", key="batch_norm", category=NORMALISATION, conventions=FLOPS_ALL)
def batch_norm(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """BatchNorm: 2 per element in eval mode (a scale and a shift), 8 with batch statistics."""
    return out_elements * (NORM_WITH_STATISTICS if training else BATCH_NORM_EVAL)


@register(
    "layer_norm", "group_norm", "instance_norm", "rms_norm", key="norm", category=NORMALISATION, conventions=FLOPS_ALL
)
def statistic_norm(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """Layer, group, instance and RMS norm: 8 per element (mean 1, variance 3, normalise 2, affine 2)."""
    return out_elements * NORM_WITH_STATISTICS


@register("local_response_norm", key="local_response_norm", category=NORMALISATION, conventions=FLOPS_ALL)
def local_response_norm(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """LRN: size + 4 per element (x² once, the window's sum, then ×α/n, +k, ^β and ÷)."""
    return out_elements * (window + 4)


@register(
    "relu", "relu6", "leaky_relu", "hardtanh", "threshold", "clamp", "clip", "tanh", "sigmoid",
    "gelu", "silu", "elu", "selu", "celu", "softplus", "mish", "hardswish", "hardsigmoid", "prelu",
    "logsigmoid", "softsign", "tanhshrink",
    key="activation", category=ACTIVATION, conventions=FLOPS_ALL,
)  # fmt: skip
def activation(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """An activation: 1 per element."""
    return out_elements


@register("softmax", "log_softmax", "softmin", key="softmax", category=ACTIVATION, conventions=FLOPS_ALL)
def softmax(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """Softmax: 3 per element (the exponential, the sum, the division)."""
    return out_elements * SOFTMAX_OPS


@register(*sorted(DROPOUT), key="dropout", category=ELEMENTWISE, conventions=FLOPS_ALL)
def dropout(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """Dropout: one multiply by the scaled mask per element when training, none in eval."""
    return out_elements if training else 0


@register(
    "add", "iadd", "radd", "sub", "isub", "rsub", "mul", "imul", "rmul", "div", "truediv",
    "itruediv", "rtruediv", "pow", "rpow", "ipow", "sqrt", "rsqrt", "exp", "log", "neg", "abs",
    "square", "reciprocal", "maximum", "minimum", "where", "addcmul", "addcdiv",
    key="elementwise", category=ELEMENTWISE, conventions=FLOPS_ALL,
)  # fmt: skip
def binary(in_elements: int, out_elements: int, window: int = 1, training: bool = False) -> int:
    """Residual additions, scalings and other elementwise arithmetic: 1 per element."""
    return out_elements


def elementwise_ops(
    name: str, in_elements: int, out_elements: int, window: int = 1, training: bool = False
) -> tuple[Category | str, int] | None:
    """The category and the scalar operations of one call of the torch function ``name``.

    Args:
        name: the function's name as called (``relu``, ``max_pool2d``).
        in_elements: elements of its first input, whole batch.
        out_elements: elements of its output, whole batch.
        window: a pooling window's element count, or LRN's size.
        training: whether BatchNorm computed batch statistics or dropout drew a mask.

    Returns:
        ``(category, operations)``; ``("", 0)`` for a weighted op or a move; ``None`` when
        no rule prices the function (reported, never silently zero).
    """
    if name in WEIGHTED_CALLS:
        return ("", 0)
    found = TABLE.get(name)
    if found is None:
        return None
    if not found.conventions:
        return ("", 0)
    return (found.category, found.formula(in_elements, out_elements, window, training))
