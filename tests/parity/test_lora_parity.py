"""LoRAs as ltx-core fuses them: each key layout, stacked strengths, bf16 and fp8 weights, removal.

fp32: our ΔW equals the reference's within 1e-6 (same product, another association order).
bf16: the reference rounds ΣΔW to bf16 before adding it to the bf16 weight, we add in fp32 and
round once, so fused weights agree to one bf16 rounding step (relative 2⁻⁷ of the weight).
"""

from __future__ import annotations

import pytest
import torch

from talkies.model import load_transformer
from talkies.model.loading.lora import apply_loras, read_lora

from loras import layer_shapes, write_random_lora
from ltx_oracle import checkpoint_tensors, reference_transformer, tiny_config, write_checkpoint

fuse_loras = pytest.importorskip("ltx_core.loader.fuse_loras")
primitives = pytest.importorskip("ltx_core.loader.primitives")

RANK = 4
LAYERS = (
    "transformer_blocks.0.attn1.to_q",
    "transformer_blocks.1.audio_ff.net.2",
    "transformer_blocks.1.audio_to_video_attn.to_k",
)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    config = tiny_config("2.3")
    reference = reference_transformer(config)
    path = tmp_path_factory.mktemp("lora") / "base.safetensors"
    return write_checkpoint(path, config, checkpoint_tensors(reference, None)), reference


def _shapes(model: torch.nn.Module) -> dict[str, tuple[int, int]]:
    return layer_shapes(model, LAYERS)


def _lora(tmp_path, shapes, seed: int, layout: str = "peft", alpha: float | None = None):
    """A random LoRA file in a published layout and its (down, up) per layer."""
    path = tmp_path / f"lora_{seed}_{layout}.safetensors"
    return write_random_lora(path, shapes, seed, rank=RANK, layout=layout, alpha=alpha, scale=0.1)


def _reference_delta(pairs_and_strengths, name: str, scale: float = 1.0) -> torch.Tensor:
    loras = [
        primitives.LoraStateDictWithStrength(
            primitives.StateDict(
                {f"{name}.lora_A.weight": down * scale, f"{name}.lora_B.weight": up},
                torch.device("cpu"),
                0,
                {torch.float32},
            ),
            strength,
        )
        for pairs, strength in pairs_and_strengths
        for down, up in [pairs[name]]
    ]
    return fuse_loras._prepare_deltas(loras, f"{name}.weight", torch.float32, torch.device("cpu"))


@pytest.mark.parametrize(("layout", "alpha"), [("peft", None), ("kohya", 2.0), ("peft", 8.0)])
def test_stacked_loras_fuse_as_the_reference_in_fp32(checkpoint, tmp_path, layout, alpha):
    path, _ = checkpoint
    model = load_transformer(path, dtype=torch.float32)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    shapes = _shapes(model)
    first, first_pairs = _lora(tmp_path, shapes, 1, layout, alpha)
    second, second_pairs = _lora(tmp_path, shapes, 2, layout, alpha)
    applied = apply_loras(model, [(read_lora(first), 0.7), (read_lora(second), -0.4)])
    scale = 1.0 if alpha is None else alpha / RANK
    for name in shapes:
        expected = _reference_delta([(first_pairs, 0.7), (second_pairs, -0.4)], name, scale)
        got = model.state_dict()[f"{name}.weight"] - before[f"{name}.weight"]
        assert (got - expected).abs().max() <= 1e-6, name
    untouched = [k for k in before if not any(k.startswith(n) for n in shapes)]
    assert all(torch.equal(model.state_dict()[k], before[k]) for k in untouched)
    applied.remove()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in before.items())


def test_bf16_fused_weights_match_the_reference_to_one_rounding(checkpoint, tmp_path):
    path, reference = checkpoint
    model = load_transformer(path, dtype=torch.bfloat16)
    shapes = _shapes(model)
    file, pairs = _lora(tmp_path, shapes, 3)
    apply_loras(model, [(read_lora(file), 0.8)])
    lora_sd = {k.removeprefix("diffusion_model."): v for k, v in read_safetensors_dict(file).items()}
    model_sd = {k: v.to(torch.bfloat16) for k, v in reference.state_dict().items()}
    fused = fuse_loras.apply_loras(
        primitives.StateDict(model_sd, torch.device("cpu"), 0, {torch.bfloat16}),
        [
            primitives.LoraStateDictWithStrength(
                primitives.StateDict(lora_sd, torch.device("cpu"), 0, set()), 0.8
            )
        ],
    ).sd
    ours = model.state_dict()
    for name in shapes:
        key, (down, up) = f"{name}.weight", pairs[name]
        delta = 0.8 * (up @ down)
        # Each side rounds to bf16 (8 significant bits): the reference twice (ΔW, then W + ΔW), we once.
        bound = 2**-7 * (ours[key].float().abs() + delta.abs()) + 1e-6
        assert ((ours[key].float() - fused[key].float()).abs() <= bound).all(), name


def read_safetensors_dict(path) -> dict[str, torch.Tensor]:
    from talkies.model.loading.safetensors_file import SafetensorsFile

    with SafetensorsFile(path) as f:
        return {k: f.read(k) for k in f.keys()}
