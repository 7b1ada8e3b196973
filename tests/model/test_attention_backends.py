"""Which attention kernel a call goes to, and that optional kernels compute what SDPA computes.

The optional kernels are replaced by fake modules that compute exact attention in their
(B, T, H, D) layout and record their calls; the CUDA capability probe is replaced so the
choice can be exercised on a CPU.
"""

from __future__ import annotations

import logging
import sys
import types

import pytest
import torch
import torch.nn.functional as F

from talkies.model.transformer import attention as attn
from talkies.model.transformer.attention import attention, choose_backend, set_attention_backend

from tiny_av import tiny_streams, tiny_transformer


def _exact(q, k, v):
    out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
    return out.transpose(1, 2)


def _fake(module: str, function: str, calls: list, returns_lse: bool = False) -> types.ModuleType:
    mod = types.ModuleType(module)

    def run(q, k, v, **kwargs):
        assert q.ndim == 4 and q.stride(-1) == 1
        calls.append(module)
        out = _exact(q, k, v)
        return (out, torch.zeros(q.shape[0], q.shape[2], q.shape[1])) if returns_lse else out

    setattr(mod, function, run)
    return mod


@pytest.fixture
def kernels(monkeypatch):
    """All three optional kernels 'installed' as fakes, on a pretend CUDA device of capability 9.0."""
    calls: list[str] = []
    fakes = {
        "flash_attn_interface": _fake("flash_attn_interface", "flash_attn_func", calls, returns_lse=True),
        "flash_attn": _fake("flash_attn", "flash_attn_func", calls),
        "sageattention": _fake("sageattention", "sageattn", calls),
    }
    for name, mod in fakes.items():
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.setattr(attn, "_modules", {})
    monkeypatch.setattr(attn, "_preference", "auto")
    capability = {"value": (9, 0)}
    monkeypatch.setattr(attn, "_capability", lambda device: capability["value"])
    return calls, capability, monkeypatch


def _qkv(dtype=torch.bfloat16, heads=4, head_dim=64, tq=10, tk=7):
    g = torch.Generator().manual_seed(0)
    q = torch.randn(2, tq, heads * head_dim, generator=g).to(dtype)
    k = torch.randn(2, tk, heads * head_dim, generator=g).to(dtype)
    v = torch.randn(2, tk, heads * head_dim, generator=g).to(dtype)
    return q, k, v


def _sdpa_reference(q, k, v, heads, mask=None):
    return attn._sdpa(q, k, v, heads, mask)


def test_cpu_tensors_always_use_sdpa(monkeypatch):
    calls: list[str] = []
    monkeypatch.setitem(sys.modules, "flash_attn", _fake("flash_attn", "flash_attn_func", calls))
    monkeypatch.setattr(attn, "_modules", {})
    monkeypatch.setattr(attn, "_preference", "auto")
    q, k, v = _qkv()
    assert choose_backend(q.device, q.dtype, 64, masked=False) == "sdpa"
    assert torch.equal(attention(q, k, v, 4), _sdpa_reference(q, k, v, 4))
    assert calls == []


def test_fastest_fitting_kernel_is_chosen_and_matches_sdpa(kernels):
    calls, capability, _ = kernels
    q, k, v = _qkv()
    expected = _sdpa_reference(q, k, v, 4)
    for cap, module in [((9, 0), "flash_attn_interface"), ((8, 9), "flash_attn"), ((12, 0), "flash_attn")]:
        capability["value"] = cap
        calls.clear()
        out = attention(q, k, v, 4)
        assert calls == [module], cap
        assert out.shape == expected.shape and torch.equal(out, expected)


def test_calls_that_do_not_fit_fall_back_to_sdpa(kernels):
    calls, capability, _ = kernels
    q, k, v = _qkv()
    keep = torch.ones(2, 7, dtype=torch.bool)
    keep[0, 3:] = False
    assert torch.equal(attention(q, k, v, 4, keep), _sdpa_reference(q, k, v, 4, keep))
    q32, k32, v32 = _qkv(torch.float32)
    assert torch.equal(attention(q32, k32, v32, 4), _sdpa_reference(q32, k32, v32, 4))
    capability["value"] = (7, 5)  # older than any optional kernel supports
    assert torch.equal(attention(q, k, v, 4), _sdpa_reference(q, k, v, 4))
    assert calls == []


def test_head_dims_decide_between_kernels(kernels):
    calls, capability, monkeypatch = kernels
    monkeypatch.setitem(sys.modules, "flash_attn_interface", None)  # FA3 absent
    monkeypatch.setitem(sys.modules, "flash_attn", None)  # FA2 absent
    assert choose_backend(torch.device("cpu"), torch.bfloat16, 128, masked=False) == "sage"
    assert choose_backend(torch.device("cpu"), torch.float16, 64, masked=False) == "sage"
    assert choose_backend(torch.device("cpu"), torch.bfloat16, 80, masked=False) == "sdpa"
    q, k, v = _qkv(head_dim=32)
    attention(q, k, v, 4)
    assert calls == []
    q, k, v = _qkv(head_dim=128)
    assert torch.equal(attention(q, k, v, 4), _sdpa_reference(q, k, v, 4))
    assert calls == ["sageattention"]


def test_preference_restricts_the_choice(kernels):
    calls, _, _ = kernels
    q, k, v = _qkv()
    set_attention_backend("sdpa")
    attention(q, k, v, 4)
    assert calls == []
    set_attention_backend("sage")
    attention(q, k, v, 4)
    assert calls == ["sageattention"]
    set_attention_backend("flash_attn_2")
    assert choose_backend(q.device, q.dtype, 160, masked=False) == "flash_attn_2"
    with pytest.raises(ValueError, match="auto, sdpa, flash_attn_3"):
        set_attention_backend("xformers")


def test_a_broken_install_counts_as_absent(kernels, caplog):
    calls, _, monkeypatch = kernels
    real_import = attn.importlib.import_module

    def failing(name, *args):
        if name == "flash_attn_interface":
            raise OSError("undefined symbol in flash_attn_3 extension")
        return real_import(name, *args)

    monkeypatch.setattr(attn.importlib, "import_module", failing)
    q, k, v = _qkv()
    with caplog.at_level(logging.WARNING, logger=attn.__name__):
        attention(q, k, v, 4)
    assert calls == ["flash_attn"]
    assert "does not load" in caplog.text


def test_whole_model_gives_the_same_output_through_a_kernel(kernels):
    calls, _, _ = kernels
    model = tiny_transformer(dtype=torch.bfloat16)
    video, audio = tiny_streams(model, batch=2)
    set_attention_backend("sdpa")
    with torch.no_grad():
        expected = model(video, audio)
    set_attention_backend("auto")
    with torch.no_grad():
        got = model(video, audio)
    # Per block: self and text attention of each stream, audio->video and video->audio.
    assert len(calls) == 6 * model.cfg.num_layers
    assert all(torch.equal(g, e) for g, e in zip(got, expected, strict=True))
