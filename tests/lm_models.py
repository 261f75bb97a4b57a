"""Two language models built from ``torch.nn`` pieces, to their published configurations.

GPT-2 small (Radford et al. 2019, the 117M/124M model: 12 layers, width 768, 12 heads,
vocabulary 50,257, context 1,024, learned position embeddings, output head tied to the
token embedding) and a Llama-2-7B-shaped model (Touvron et al. 2023, table 1 and the
released configuration: 32 layers, width 4096, 32 heads, SwiGLU hidden 11,008, vocabulary
32,000, RMSNorm, untied head). Rotary position embeddings are left out of the Llama: they
hold no parameters and no multiply-adds of a weighted layer. Both take token ids,
``(batch, length)`` int64, and return logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with one fused q, k, v projection (GPT-2's ``c_attn``)."""

    def __init__(self, width: int, heads: int, bias: bool = True) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width, bias=bias)
        self.proj = nn.Linear(width, width, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, length, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=2)  # 3 x N x L x C
        q, k, v = (t.view(n, length, self.heads, width // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # N x heads x L x C/heads
        return self.proj(y.transpose(1, 2).reshape(n, length, width))


class GPT2Block(nn.Module):
    """Pre-norm block: attention, then a 4x MLP with GELU, each with a residual."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.fc = nn.Linear(width, 4 * width)
        self.fc_proj = nn.Linear(4 * width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.fc_proj(F.gelu(self.fc(self.ln_2(x)), approximate="tanh"))


class GPT2(nn.Module):
    """GPT-2: token and learned position embeddings, pre-norm blocks, a head tied to the token embedding."""

    def __init__(
        self, layers: int = 12, width: int = 768, heads: int = 12, vocabulary: int = 50_257, context: int = 1_024
    ) -> None:
        super().__init__()
        self.wte = nn.Embedding(vocabulary, width)
        self.wpe = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(GPT2Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocabulary, bias=False)
        self.head.weight = self.wte.weight  # tied: one tensor, used twice

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.wte(ids) + self.wpe(positions)  # N x L x C
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))  # N x L x vocabulary


def gpt2_small() -> GPT2:
    """GPT-2 small: 12 layers, width 768, 12 heads."""
    return GPT2()


class SwiGLU(nn.Module):
    """Llama's feed-forward: ``down(silu(gate(x)) * up(x))``, no biases."""

    def __init__(self, width: int, hidden: int) -> None:
        super().__init__()
        self.gate = nn.Linear(width, hidden, bias=False)
        self.up = nn.Linear(width, hidden, bias=False)
        self.down = nn.Linear(hidden, width, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.silu(self.gate(x)) * self.up(x))


class LlamaAttention(nn.Module):
    """Causal multi-head attention with separate q, k, v, o projections and no biases."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width, bias=False)
        self.k = nn.Linear(width, width, bias=False)
        self.v = nn.Linear(width, width, bias=False)
        self.o = nn.Linear(width, width, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, length, width = x.shape
        q, k, v = (
            p(x).view(n, length, self.heads, width // self.heads).transpose(1, 2) for p in (self.q, self.k, self.v)
        )
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # N x heads x L x C/heads
        return self.o(y.transpose(1, 2).reshape(n, length, width))


class LlamaBlock(nn.Module):
    """Pre-norm block with RMSNorm: attention, then SwiGLU, each with a residual."""

    def __init__(self, width: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.attention_norm = nn.RMSNorm(width, eps=1e-5)
        self.attention = LlamaAttention(width, heads)
        self.ffn_norm = nn.RMSNorm(width, eps=1e-5)
        self.feed_forward = SwiGLU(width, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.attention_norm(x))
        return x + self.feed_forward(self.ffn_norm(x))


class Llama(nn.Module):
    """A Llama-2-shaped decoder: token embedding, RMSNorm blocks, an untied head."""

    def __init__(
        self, layers: int = 32, width: int = 4096, heads: int = 32, hidden: int = 11_008, vocabulary: int = 32_000
    ) -> None:
        super().__init__()
        self.tok_embeddings = nn.Embedding(vocabulary, width)
        self.layers = nn.ModuleList(LlamaBlock(width, heads, hidden) for _ in range(layers))
        self.norm = nn.RMSNorm(width, eps=1e-5)
        self.output = nn.Linear(width, vocabulary, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.tok_embeddings(ids)  # N x L x C
        for layer in self.layers:
            x = layer(x)
        return self.output(self.norm(x))  # N x L x vocabulary


def llama2_7b() -> Llama:
    """Llama-2-7B's shapes: 32 layers, width 4096, 32 heads, SwiGLU 11,008, vocabulary 32,000."""
    return Llama()
