"""Loading real-layout checkpoints: dtypes, fp8, memory bound, and clear errors on bad files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from talkies.model import load_transformer, predict_velocity
from talkies.model.config import transformer_config
from talkies.model.loading.quant import FP8, FP8Linear, quantize_fp8
from talkies.model.loading.safetensors_file import SafetensorsFile, write_safetensors
from talkies.model.transformer.model import AVTransformer

from ltx_oracle import checkpoint_tensors, reference_transformer, tiny_config, write_checkpoint


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    config = tiny_config("2.3")
    tensors = checkpoint_tensors(reference_transformer(config, seed=2), None)
    path = write_checkpoint(tmp_path_factory.mktemp("c") / "tiny.safetensors", config, tensors)
    return config, tensors, path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _velocity(model):
    g = torch.Generator().manual_seed(0)
    v = torch.randn(1, 16, 2, 2, 2, generator=g)
    a = torch.randn(1, 8, 4, 2, generator=g)
    return predict_velocity(
        model,
        v,
        a,
        0.5,
        video_context=torch.randn(1, 3, 32, generator=g),
        audio_context=torch.randn(1, 3, 16, generator=g),
        fps=25,
    )


def test_bf16_and_fp16_loads_keep_their_dtype_and_agree(tiny):
    _, _, path = tiny
    ref_v, ref_a = _velocity(load_transformer(path, dtype=torch.float32))
    for dtype in ("bf16", "fp16"):
        model = load_transformer(path, dtype=dtype)
        expected = torch.bfloat16 if dtype == "bf16" else torch.float16
        assert {p.dtype for p in model.parameters()} == {expected}
        v, a = _velocity(model)
        assert v.dtype == expected
        assert float((v.float() - ref_v).abs().max()) < 0.1 * float(ref_v.abs().max())


def test_fp8_request_quantises_block_matmuls(tiny):
    _, _, path = tiny
    model = load_transformer(path, dtype="fp8")
    fp8 = [m for n, m in model.named_modules() if isinstance(m, FP8Linear)]
    assert fp8 and all(m.weight.dtype == FP8 for m in fp8)
    assert model.patchify_proj.weight.dtype == torch.bfloat16
    ref_v, _ = _velocity(load_transformer(path, dtype=torch.float32))
    v, _ = _velocity(model)
    rel = float((v.float() - ref_v).norm() / ref_v.norm())
    assert rel < 0.15


def test_fp8_file_stays_fp8_and_uses_its_scales(tiny, tmp_path):
    config, tensors, _ = tiny
    stored = dict(tensors)
    dequantised = dict(tensors)
    for k, w in tensors.items():
        if ".transformer_blocks." in k and k.endswith(".weight") and w.ndim == 2:
            q, scale = quantize_fp8(w)
            stored[k] = q
            stored[k + "_scale"] = scale.reshape(())
            dequantised[k] = q.float() * scale
    fp8_path = write_checkpoint(tmp_path / "fp8.safetensors", config, stored)
    deq_path = write_checkpoint(tmp_path / "deq.safetensors", config, dequantised)
    model = load_transformer(fp8_path, dtype=torch.float32)
    layer = model.transformer_blocks[0].attn1.to_q
    assert isinstance(layer, FP8Linear) and layer.weight.dtype == FP8
    assert float(layer.weight_scale) == pytest.approx(
        float(stored["model.diffusion_model.transformer_blocks.0.attn1.to_q.weight_scale"])
    )
    v, a = _velocity(model)
    dv, da = _velocity(load_transformer(deq_path, dtype=torch.float32))
    assert float((v - dv).abs().max()) < 1e-5 and float((a - da).abs().max()) < 1e-5


def test_not_a_safetensors_file(tmp_path):
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"PK\x03\x04 this is a zip, not weights" * 10)
    with pytest.raises(ValueError, match="not a safetensors file"):
        load_transformer(bad)
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_transformer(tmp_path / "absent.safetensors")


def test_truncated_file(tiny, tmp_path):
    _, _, path = tiny
    cut = tmp_path / "cut.safetensors"
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) - 1000])
    with pytest.raises(ValueError, match="truncated.*download or copy it again"):
        load_transformer(cut)


def test_missing_keys_name_a_few_and_the_generation(tiny, tmp_path):
    config, tensors, _ = tiny
    partial = {k: v for k, v in tensors.items() if ".transformer_blocks.1." not in k}
    path = write_checkpoint(tmp_path / "partial.safetensors", config, partial)
    before = _sha(path)
    with pytest.raises(ValueError) as err:
        load_transformer(path)
    msg = str(err.value)
    assert "missing" in msg and "transformer_blocks.1." in msg and "LTX-2.3" in msg
    assert _sha(path) == before


def test_unexpected_keys_are_reported(tiny, tmp_path):
    config, tensors, _ = tiny
    extra = dict(
        tensors, **{"model.diffusion_model.transformer_blocks.2.attn1.to_q.weight": torch.zeros(32, 32)}
    )
    path = write_checkpoint(tmp_path / "extra.safetensors", config, extra)
    with pytest.raises(ValueError, match="does not use, e.g. model.diffusion_model.transformer_blocks.2"):
        load_transformer(path)


def test_shape_disagreeing_with_config(tiny, tmp_path):
    config, tensors, _ = tiny
    wrong = json.loads(json.dumps(config))
    wrong["transformer"]["attention_head_dim"] = 16
    path = write_checkpoint(tmp_path / "wrong.safetensors", wrong, tensors)
    with pytest.raises(ValueError, match=r"has shape .* but the config gives"):
        load_transformer(path)


def test_file_without_transformer(tmp_path):
    path = write_safetensors(tmp_path / "vae.safetensors", {"vae.decoder.conv.weight": torch.zeros(2)})
    with pytest.raises(ValueError, match="holds no LTX-2 transformer"):
        load_transformer(path)


def test_partial_v2_text_config_is_refused():
    cfg = tiny_config("2.3")
    del cfg["transformer"]["caption_proj_input_norm"]
    with pytest.raises(ValueError, match="partial LTX-2.3 text configuration"):
        transformer_config(cfg)


def _gigabyte_config() -> dict:
    return tiny_config(
        "2.0",
        num_layers=20,
        num_attention_heads=8,
        attention_head_dim=128,
        cross_attention_dim=1024,
        audio_num_attention_heads=8,
        audio_attention_head_dim=64,
        audio_cross_attention_dim=512,
        in_channels=128,
        out_channels=128,
        audio_in_channels=128,
        audio_out_channels=128,
        caption_channels=64,
    )


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="peak RSS reset needs Linux /proc")
def test_loading_a_gigabyte_checkpoint_stays_under_1_3x_its_size(tmp_path):
    config = _gigabyte_config()
    cfg = transformer_config(config)
    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in AVTransformer(cfg).state_dict().items()}
    tensors = {"model.diffusion_model." + k: torch.zeros(s, dtype=torch.bfloat16) for k, s in shapes.items()}
    path = write_checkpoint(tmp_path / "big.safetensors", config, tensors)
    del tensors
    size = path.stat().st_size
    assert size >= 1_000_000_000
    script = textwrap.dedent(
        f"""
        import torch
        from talkies.model import load_transformer

        def status(key):
            for line in open("/proc/self/status"):
                if line.startswith(key):
                    return int(line.split()[1]) * 1024

        open("/proc/self/clear_refs", "w").write("5")
        base = status("VmRSS:")
        model = load_transformer({str(path)!r}, dtype="bf16")
        assert {{p.dtype for p in model.parameters()}} == {{torch.bfloat16}}
        print(status("VmHWM:") - base)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    peak = int(out.stdout.strip().splitlines()[-1])
    assert peak < 1.3 * size, f"loading took {peak / 1e9:.2f} GB of RAM for a {size / 1e9:.2f} GB file"
    assert peak > 0.9 * size  # the weights really are in memory


def test_reader_copies_each_tensor_to_the_requested_dtype(tiny):
    _, tensors, path = tiny
    key = "model.diffusion_model.patchify_proj.weight"
    with SafetensorsFile(path) as f:
        t = f.read(key, dtype=torch.bfloat16)
    assert t.dtype == torch.bfloat16 and torch.allclose(t.float(), tensors[key], atol=1e-2)
