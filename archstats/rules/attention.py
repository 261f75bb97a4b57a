"""Attention's two matrix products, whichever kernel computes them.

``F.scaled_dot_product_attention(q, k, v)`` with ``q`` of shape ``(..., L, E)``, ``k`` of
``(..., S, E)`` and ``v`` of ``(..., S, Ev)`` forms the scores ``q kᵀ`` (``L·S·E``
multiply-adds per head and batch element) and the output ``softmax(scores) v``
(``L·S·Ev``): ``L·S·(E + Ev)``, which is ``2·L·S·d`` when ``E = Ev = d``. The math, flash,
memory-efficient and cuDNN kernels and the CPU kernel compute the same products, so the
count does not depend on the kernel. A mask (boolean or additive) and the scaling change
no product. With ``is_causal`` (or a causal mask) the whole ``L×S`` score matrix is
counted, as torchvision's figures and ``torch.utils.flop_counter.FlopCounterMode`` count
it, not the half a causal kernel may skip. Grouped-query attention counts ``q``'s heads.

The products belong to every convention that counts matrix products (``macs``, ``flops``,
``flops-all``), not to ``fvcore``'s: fvcore has no handle for attention.
"""

from __future__ import annotations

import math

from archstats.rules.table import MULTIPLY_ADD, Shape, register

MATRIX_PRODUCTS = ("macs", "flops", "flops-all")


@register(
    "aten::scaled_dot_product_attention",
    key="attention",
    category=MULTIPLY_ADD,
    conventions=MATRIX_PRODUCTS,
    label="attention",
)
def attention_macs(q: Shape, k: Shape, v: Shape) -> int:
    """Attention: L·S·(E + Ev) per head and batch element (q kᵀ, then the weights times v)."""
    heads = math.prod(int(d) for d in q[:-2])
    length, source = int(q[-2]), int(k[-2])
    return heads * length * source * (int(q[-1]) + int(v[-1]))
