"""fp8 weights: the dequantising path is exact against dequantised weights, close to fp32, and
the fp8-matmul path (forced on CPU, where torch also implements it) stays within tolerance."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from talkies.model.loading import quant
from talkies.model.loading.checkpoint import is_block_linear
from talkies.model.loading.quant import (
    FP8,
    FP8Linear,
    dequantize_fp8,
    fp8_matmul,
    quantize_fp8,
    quantize_linears,
)

from tiny_av import tiny_streams, tiny_transformer


def _block_linears(model: nn.Module) -> set[str]:
    return {n for n, m in model.named_modules() if isinstance(m, nn.Linear) and is_block_linear(n)}


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.float() - b.float()).norm() / b.float().norm())


@pytest.fixture(scope="module")
def models():
    fp32 = tiny_transformer(seed=4)
    fp8 = copy.deepcopy(fp32).to(torch.bfloat16)
    quantize_linears(fp8, _block_linears(fp8))
    dequantised = copy.deepcopy(fp32).to(torch.bfloat16)
    for name in _block_linears(dequantised):
        layer = fp8.get_submodule(name)
        weight = dequantize_fp8(layer.weight, layer.weight_scale, torch.bfloat16)
        dequantised.get_submodule(name).weight.data = weight
    return fp32, fp8, dequantised


def _run(model):
    video, audio = tiny_streams(model, batch=2)
    with torch.no_grad():
        return model(video, audio)


def test_quantised_blocks_hold_fp8_weights(models):
    _, fp8, _ = models
    layers = [m for m in fp8.modules() if isinstance(m, FP8Linear)]
    assert len(layers) == len(_block_linears(models[0]))
    assert all(m.weight.dtype == FP8 and m.weight_scale.dtype == torch.float32 for m in layers)
    assert fp8.patchify_proj.weight.dtype == torch.bfloat16


def test_cpu_path_equals_dequantised_weights_exactly(models):
    _, fp8, dequantised = models
    assert not fp8.transformer_blocks[0].attn1.to_q.uses_scaled_mm(torch.zeros(1, 32, dtype=torch.bfloat16))
    for got, expected in zip(_run(fp8), _run(dequantised), strict=True):
        assert torch.equal(got, expected)


def test_cpu_path_is_close_to_fp32(models):
    fp32, fp8, _ = models
    # e4m3 keeps 3 mantissa bits: weights within ~6 % each, the output within 5 % overall.
    for got, expected in zip(_run(fp8), _run(fp32), strict=True):
        assert _rel(got, expected) < 0.05


def test_fp8_matmul_path_is_close_to_the_dequantised_path(models, monkeypatch):
    _, fp8, dequantised = models
    calls = []
    real = torch._scaled_mm

    def counting(*args, **kwargs):
        calls.append(args[0].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(quant, "scaled_mm_supported", lambda device: True)
    monkeypatch.setattr(torch, "_scaled_mm", counting)
    got = _run(fp8)
    # Every block matmul with 16-multiple dims went through fp8 (the 2-head gate logits did not).
    first = [n for n in _block_linears(fp8) if n.startswith("transformer_blocks.0.")]
    per_block = sum(1 for n in first if "gate" not in n)
    assert len(calls) == per_block * fp8.cfg.num_layers
    # Activations are quantised too (per tensor, e4m3): within 5 % of the dequantised path.
    for g, e in zip(got, _run(dequantised), strict=True):
        assert _rel(g, e) < 0.05


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_fp8_matmul_of_one_layer(dtype):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 5, 32, generator=g).to(dtype)
    w = torch.randn(48, 32, generator=g) * 0.1
    b = torch.randn(48, generator=g).to(dtype)
    q, scale = quantize_fp8(w)
    out = fp8_matmul(x, q, scale, b)
    assert out.shape == (3, 5, 48) and out.dtype == dtype
    exact = nn.functional.linear(x.float(), dequantize_fp8(q, scale, torch.float32), b.float())
    assert _rel(out, exact) < 0.04
    assert _rel(fp8_matmul(x, q, scale, None), exact - b.float()) < 0.04


def test_fp8_matmul_needs_fitting_shapes_and_hardware(monkeypatch):
    layer = FP8Linear(32, 8)
    x = torch.zeros(2, 32, dtype=torch.bfloat16)
    assert not layer.uses_scaled_mm(x)  # CPU: no fp8 tensor cores
    monkeypatch.setattr(quant, "scaled_mm_supported", lambda device: True)
    assert not layer.uses_scaled_mm(x)  # 8 outputs: not a multiple of 16
    assert FP8Linear(32, 16).uses_scaled_mm(x)
    assert not FP8Linear(32, 16).uses_scaled_mm(x.float())  # fp32 activations stay dequantised
