"""Transformers built from torch.nn pieces, for the attention tests: ViT-B/16 and a small encoder."""

from __future__ import annotations

import torch
from torch import nn


class VisionTransformer(nn.Module):
    """ViT (Dosovitskiy et al. 2021) as torchvision builds it: a patch convolution, a class token,
    learned position embeddings, pre-norm encoder layers, a final LayerNorm, a linear head on the
    class token."""

    def __init__(
        self, image: int = 224, patch: int = 16, layers: int = 12, width: int = 768, heads: int = 12,
        mlp: int = 3072, classes: int = 1000,
    ) -> None:  # fmt: skip
        super().__init__()
        tokens = (image // patch) ** 2 + 1
        self.conv_proj = nn.Conv2d(3, width, patch, stride=patch)
        self.class_token = nn.Parameter(torch.zeros(1, 1, width))
        self.pos_embedding = nn.Parameter(torch.empty(1, tokens, width).normal_(std=0.02))
        layer = nn.TransformerEncoderLayer(
            width, heads, mlp, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.ln = nn.LayerNorm(width, eps=1e-6)
        self.head = nn.Linear(width, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_proj(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embedding
        out: torch.Tensor = self.head(self.ln(self.encoder(x))[:, 0])
        return out


def vit_b_16() -> VisionTransformer:
    """ViT-B/16: patch 16, 12 layers, width 768, 12 heads, MLP 3072, 224×224."""
    return VisionTransformer()


def encoder(layers: int = 2, width: int = 64, heads: int = 4, ffn: int = 128) -> nn.TransformerEncoder:
    """A plain post-norm ``nn.TransformerEncoder`` (batch first), the kind that takes PyTorch's fast path in eval."""
    layer = nn.TransformerEncoderLayer(width, heads, ffn, dropout=0.0, batch_first=True)
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def encoder_multiply_adds(layers: int, tokens: int, width: int, ffn: int) -> int:
    """Per sample: the Q, K, V and output projections (4·n·d²), the two attention products
    (QKᵀ and AV: 2·n²·d over all heads) and the feed-forward maps (2·n·d·ffn), per layer."""
    return layers * (4 * tokens * width * width + 2 * tokens * tokens * width + 2 * tokens * width * ffn)


class FusedEncoderLayer(nn.Module):
    """Calls nn.TransformerEncoderLayer's fused fast path op directly with the layer's weights."""

    def __init__(self, layer: nn.TransformerEncoderLayer) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        layer = self.layer
        attention = layer.self_attn
        out: torch.Tensor = torch._transformer_encoder_layer_fwd(
            x, attention.embed_dim, attention.num_heads, attention.in_proj_weight, attention.in_proj_bias,
            attention.out_proj.weight, attention.out_proj.bias, False, layer.norm_first, layer.norm1.eps,
            layer.norm1.weight, layer.norm1.bias, layer.norm2.weight, layer.norm2.bias,
            layer.linear1.weight, layer.linear1.bias, layer.linear2.weight, layer.linear2.bias, None,
        )  # fmt: skip
        return out
