"""Attention counted as its matrix products, on every kernel, against closed forms and torchvision's figures.

Published figures: torchvision's model documentation for ``ViT_B_16_Weights.IMAGENET1K_V1``
(``num_params`` 86,567,656; ``_ops`` 17.564 GFLOPS, torchvision's name for billions of
multiply-adds of convolutions, linear maps and attention's products, the ``macs`` convention).
Closed forms: attention's two products are ``2·L·S·d`` per head and batch element (QKᵀ and
the weights times V), the whole ``L×S`` matrix with a causal mask too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import archstats
from archstats import conventions
from archstats.engines import run
from tests.transformer_models import FusedEncoderLayer, encoder, encoder_multiply_adds, vit_b_16

VIT_B_16_PARAMS = 86_567_656  # torchvision, ViT_B_16_Weights.IMAGENET1K_V1.meta["num_params"]
VIT_B_16_GMACS = 17.564  # torchvision, ViT_B_16_Weights.IMAGENET1K_V1.meta["_ops"], to 3 decimals
PATCHES, TOKENS, WIDTH, LAYERS, MLP = 14 * 14, 14 * 14 + 1, 768, 12, 3072


def _backends() -> list[str]:
    names = ["default"]
    if hasattr(torch.nn, "attention"):
        names += ["MATH", "FLASH_ATTENTION"]  # the kernels a CPU has
    return names


@contextlib.contextmanager
def _kernel(name: str) -> Iterator[None]:
    if name == "default":
        yield
        return
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with sdpa_kernel(getattr(SDPBackend, name)):
        yield


@pytest.fixture(scope="module")
def vit() -> nn.Module:
    torch.manual_seed(0)
    return vit_b_16().eval()


@pytest.mark.parametrize("backend", _backends())
def test_vit_b_16_matches_torchvisions_figures_on_every_kernel(vit: nn.Module, backend: str) -> None:
    with _kernel(backend):
        analysis = archstats.analyze(vit, (1, 3, 224, 224), device="cpu")
    closed_form = (
        PATCHES * WIDTH * 3 * 16 * 16  # the patch convolution
        + LAYERS * encoder_multiply_adds(1, TOKENS, WIDTH, MLP)
        + WIDTH * 1000  # the head, on the class token
    )
    macs = conventions.figures(analysis)["macs"]
    assert analysis.totals.params == VIT_B_16_PARAMS
    assert macs == closed_form
    assert abs(macs / 1e9 - VIT_B_16_GMACS) <= 0.0005
    assert not analysis.notes


def test_vit_reconciliation_names_what_fvcore_leaves_out(vit: nn.Module) -> None:
    analysis = archstats.analyze(vit, (1, 3, 224, 224), device="cpu")
    steps = conventions.reconcile(analysis)
    attention = LAYERS * 2 * TOKENS * TOKENS * WIDTH
    for step in steps[1:]:
        assert step.difference == sum(n for _, n in step.parts)
    fvcore = next(s for s in steps if s.convention.name == "fvcore")
    assert ("no attention", -attention) in fvcore.parts


@pytest.mark.parametrize("engine", ["dispatch", "fvcore"])
def test_encoder_counts_the_same_in_eval_and_training_and_equals_the_closed_form(engine: str) -> None:
    model = encoder(layers=2, width=64, heads=4, ffn=128)
    expected = encoder_multiply_adds(2, 50, 64, 128)
    for train in (False, True):
        analysis = archstats.analyze(model, (1, 50, 64), device="cpu", train=train, engine=engine)
        assert conventions.figures(analysis)["macs"] == expected


def test_the_fused_encoder_layer_op_is_counted_in_the_modules_whose_weights_it_uses() -> None:
    layer = encoder(layers=1, width=64, heads=4, ffn=128).layers[0].eval()
    analysis = archstats.analyze(FusedEncoderLayer(layer), (1, 50, 64), device="cpu")
    assert conventions.figures(analysis)["macs"] == encoder_multiply_adds(1, 50, 64, 128)
    out_proj = analysis.layer("layer.self_attn.out_proj")
    assert out_proj.called and out_proj.multiply_adds == 50 * 64 * 64
    assert out_proj.connections == 50 * 64 * (64 + 1)
    assert analysis.layer("layer.self_attn").macs_by_op["attention"] == 2 * 50 * 50 * 64


class SelfAttention(nn.Module):
    def __init__(self, width: int, heads: int, need_weights: bool) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.need_weights = need_weights

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.attn(x, x, x, need_weights=self.need_weights)[0]
        return out


@pytest.mark.parametrize("need_weights", [False, True])
def test_multihead_attention_out_proj_makes_its_own_row(need_weights: bool) -> None:
    tokens, width = 10, 16
    analysis = archstats.analyze(SelfAttention(width, 4, need_weights), (1, tokens, width), device="cpu")
    out_proj = analysis.layer("attn.out_proj")
    assert out_proj.called and out_proj.calls == 1
    assert out_proj.output_shape == (1, tokens, width)  # batch first, as its module's input
    assert out_proj.params == width * (width + 1)
    assert out_proj.multiply_adds == tokens * width * width
    assert out_proj.connections == tokens * width * (width + 1)
    attn = analysis.layer("attn")
    assert attn.multiply_adds == 3 * tokens * width * width + 2 * tokens * tokens * width
    assert attn.connections == 3 * tokens * width * (width + 1)
    assert not any("never called" in note for note in analysis.notes)


class Attend(nn.Module):
    def __init__(self, causal: bool, mask: torch.Tensor | None) -> None:
        super().__init__()
        self.causal = causal
        self.mask = mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = k = v = x.unflatten(-1, (4, 8)).transpose(1, 2)  # 4 heads of 8
        out: torch.Tensor = F.scaled_dot_product_attention(q, k, v, attn_mask=self.mask, is_causal=self.causal)
        return out


@pytest.mark.parametrize(
    ("causal", "mask"),
    [(False, None), (True, None), (False, torch.ones(12, 12, dtype=torch.bool).tril()), (False, torch.zeros(12, 12))],
    ids=["plain", "causal", "boolean-mask", "additive-mask"],
)
def test_scaled_dot_product_attention_counts_the_whole_score_matrix(causal: bool, mask: torch.Tensor | None) -> None:
    counted = run(Attend(causal, mask), torch.zeros(2, 12, 32))
    assert counted.macs[""] == {"attention": 2 * 4 * 2 * 12 * 12 * 8}  # batch 2, 4 heads, 2·L·S·d


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
@pytest.mark.parametrize("backend", ["MATH", "FLASH_ATTENTION", "EFFICIENT_ATTENTION", "CUDNN_ATTENTION"])
@pytest.mark.parametrize("causal", [False, True])
def test_every_cuda_kernel_counts_the_same_products(backend: str, causal: bool) -> None:
    from torch.nn.attention import SDPBackend, sdpa_kernel

    model = Attend(causal, None).cuda()
    with sdpa_kernel(getattr(SDPBackend, backend)):
        try:
            counted = run(model, torch.zeros(2, 12, 32, device="cuda", dtype=torch.float16))
        except Exception as error:  # a kernel this GPU or build does not have
            pytest.skip(f"{backend} does not run here: {type(error).__name__}")
    assert counted.macs[""] == {"attention": 2 * 4 * 2 * 12 * 12 * 8}
