"""LoRAs on the transformer: nothing at strength 0, the fused weights at strength 1 (also per matmul on
fp8 weights, with no memory beyond the LoRA tensors), and clear errors for files that do not fit."""

from __future__ import annotations

import pytest
import torch

from talkies.model import load_transformer
from talkies.model.loading.lora import apply_loras, read_lora
from talkies.model.loading.quant import FP8Linear, dequantize_fp8
from talkies.model.loading.safetensors_file import write_safetensors

from loras import layer_shapes, write_random_lora
from ltx_oracle import checkpoint_tensors, reference_transformer, tiny_config, write_checkpoint
from memory_meter import PeakTensorMemory
from tiny_av import tiny_streams

RANK = 4
BLOCK_LAYERS = (
    "attn1.to_q",
    "attn1.to_v",
    "ff.net.0.proj",
    "audio_attn2.to_out.0",
    "video_to_audio_attn.to_k",
)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    config = tiny_config("2.3")
    path = tmp_path_factory.mktemp("lora") / "base.safetensors"
    return write_checkpoint(path, config, checkpoint_tensors(reference_transformer(config), None))


def _names(model) -> list[str]:
    return [f"transformer_blocks.{b}.{layer}" for b in range(model.cfg.num_layers) for layer in BLOCK_LAYERS]


def _write_lora(path, model, seed: int, names=None, prefix: str = "diffusion_model.", rank: int = RANK):
    shapes = layer_shapes(model, names or _names(model))
    return write_random_lora(path, shapes, seed, rank=rank, prefix=prefix)[0]


def _outputs(model):
    video, audio = tiny_streams(model, batch=1, seed=3)
    with torch.no_grad():
        return model(video, audio)


def test_strength_zero_changes_nothing_and_strength_one_is_the_fused_weights(checkpoint, tmp_path):
    model = load_transformer(checkpoint, dtype=torch.float32)
    before = _outputs(model)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    lora = read_lora(_write_lora(tmp_path / "a.safetensors", model, 1))
    nothing = apply_loras(model, [(lora, 0.0)])
    assert all(torch.equal(a, b) for a, b in zip(_outputs(model), before, strict=True))
    assert not nothing.originals and not nothing.hooks
    apply_loras(model, [(lora, 1.0)])
    for name, layer in lora.layers.items():
        expected = weights[f"{name}.weight"] + layer.up @ layer.down
        assert torch.allclose(model.state_dict()[f"{name}.weight"], expected, atol=1e-6)
    assert not all(torch.allclose(a, b) for a, b in zip(_outputs(model), before, strict=True))


def test_on_fp8_weights_the_lora_runs_per_matmul_and_equals_the_fused_layer(checkpoint, tmp_path):
    model = load_transformer(checkpoint, dtype="fp8")
    name = _names(model)[0]
    linear = model.get_submodule(name)
    assert isinstance(linear, FP8Linear)
    fp8_before = linear.weight.clone()
    lora = read_lora(_write_lora(tmp_path / "b.safetensors", model, 2))
    applied = apply_loras(model, [(lora, 0.6), (lora, 0.4)])
    x = torch.randn(3, linear.in_features, dtype=model.dtype)
    layer = lora.layers[name]
    fused_weight = dequantize_fp8(linear.weight, linear.weight_scale, torch.float32) + layer.up @ layer.down
    expected = torch.nn.functional.linear(x.float(), fused_weight, linear.bias.float())
    assert torch.allclose(linear(x).float(), expected, rtol=2e-2, atol=2e-2)  # bf16 compute
    assert torch.equal(linear.weight, fp8_before), "the fp8 weights themselves stay as they were"
    applied.remove()
    plain = torch.nn.functional.linear(x.float(), fused_weight - layer.up @ layer.down, linear.bias.float())
    assert torch.allclose(linear(x).float(), plain, rtol=2e-2, atol=2e-2)


def test_a_stack_on_fp8_weights_costs_only_the_lora_tensors(checkpoint, tmp_path):
    model = load_transformer(checkpoint, dtype="fp8")
    loras = [read_lora(_write_lora(tmp_path / f"s{i}.safetensors", model, 10 + i, rank=1)) for i in range(3)]
    element = torch.tensor([], dtype=model.dtype).element_size()
    lora_bytes = sum(
        (p.down.numel() + p.up.numel()) * element for lora in loras for p in lora.layers.values()
    )
    touched = sum(model.get_submodule(n).weight.numel() for n in _names(model)) * element
    assert lora_bytes < touched / 4, "the test needs LoRAs much smaller than the layers they change"
    with PeakTensorMemory() as meter:
        applied = apply_loras(model, [(lora, 0.5) for lora in loras])
        kept = meter.current
    assert 0 < kept <= lora_bytes, f"the stack keeps {kept} bytes; its LoRA tensors are {lora_bytes}"
    assert len(applied.hooks) == len(_names(model))


@pytest.mark.parametrize("prefix", ["diffusion_model.", "model.diffusion_model.", ""])
def test_published_prefixes_all_reach_the_same_layers(checkpoint, tmp_path, prefix):
    model = load_transformer(checkpoint, dtype=torch.float32)
    lora = read_lora(_write_lora(tmp_path / "p.safetensors", model, 4, prefix=prefix))
    assert sorted(lora.layers) == sorted(_names(model))


def test_files_that_do_not_fit_are_refused_with_names(checkpoint, tmp_path):
    model = load_transformer(checkpoint, dtype=torch.float32)
    foreign = write_safetensors(
        tmp_path / "flux.safetensors",
        {
            "double_blocks.0.img_attn.qkv.lora_A.weight": torch.zeros(RANK, 8),
            "double_blocks.0.img_attn.qkv.lora_B.weight": torch.zeros(8, RANK),
        },
        {},
    )
    with pytest.raises(ValueError, match="double_blocks.0.img_attn.qkv.*another model family"):
        apply_loras(model, [(read_lora(foreign), 1.0)])
    partial = read_lora(_write_lora(tmp_path / "part.safetensors", model, 5))
    partial.layers["transformer_blocks.7.attn1.to_q"] = next(iter(partial.layers.values()))
    with pytest.raises(ValueError, match="1 of its .* layers are not in this transformer"):
        apply_loras(model, [(partial, 1.0)])
    not_lora = write_safetensors(tmp_path / "plain.safetensors", {"weight": torch.zeros(2, 2)}, {})
    with pytest.raises(ValueError, match="no LoRA layers.*'weight'"):
        read_lora(not_lora)
    half = write_safetensors(tmp_path / "half.safetensors", {"x.lora_A.weight": torch.zeros(2, 2)}, {})
    with pytest.raises(ValueError, match="no lora_B.weight partner"):
        read_lora(half)
    assert all(torch.equal(a, b) for a, b in zip(_outputs(model), _outputs(model), strict=True))


def test_a_model_loads_its_loras_with_the_transformer_and_the_cli_passes_them(tmp_path, capsys):
    from talkies.__main__ import main
    from talkies.cli.model_options import lora_choice
    from talkies.model.pipeline.generate import generate
    from talkies.model.pipeline.load import TalkiesModel

    from tiny_checkpoint import shared_tiny_checkpoint

    base = TalkiesModel(shared_tiny_checkpoint())
    names = [n for n in _names(base.transformer) if n.startswith("transformer_blocks.0.")]
    file = _write_lora(tmp_path / "t.safetensors", base.transformer, 6, names=names)
    options = {"seed": 2, "steps": 1}
    plain = generate(base, "a ball", **options).latent.video
    off = generate(
        TalkiesModel(shared_tiny_checkpoint(), loras=[(file, 0.0)]), "a ball", **options
    ).latent.video
    on = generate(
        TalkiesModel(shared_tiny_checkpoint(), loras=[(file, 1.0)]), "a ball", **options
    ).latent.video
    assert torch.equal(off, plain) and not torch.allclose(on, plain)
    assert lora_choice(f"{file}:0.5") == (file, 0.5) and lora_choice(str(file)) == (file, 1.0)
    foreign = write_safetensors(
        tmp_path / "other.safetensors",
        {"lora_unet_x.lora_down.weight": torch.zeros(1, 2), "lora_unet_x.lora_up.weight": torch.zeros(2, 1)},
        {},
    )
    args = ["generate", "a ball", "--model", str(shared_tiny_checkpoint()), "--lora", f"{foreign}:0.8"]
    assert main([*args, "-o", str(tmp_path / "x.mp4")]) == 2
    assert "another model family" in capsys.readouterr().err
    assert not (tmp_path / "x.mp4").exists()


def test_on_the_built_in_model_strength_zero_is_nothing_and_one_the_fused_weights(tmp_path):
    from talkies.model.loading.builtin import builtin_checkpoint

    model = load_transformer(builtin_checkpoint(), dtype=torch.float32)
    weights = {k: v.clone() for k, v in model.state_dict().items()}

    def unchanged() -> bool:
        return all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())

    lora = read_lora(_write_lora(tmp_path / "builtin.safetensors", model, 8))
    apply_loras(model, [(lora, 0.0)])
    assert unchanged()
    applied = apply_loras(model, [(lora, 1.0)])
    for name, layer in lora.layers.items():
        fused = weights[f"{name}.weight"] + layer.up @ layer.down
        assert torch.allclose(model.state_dict()[f"{name}.weight"], fused, atol=1e-6)
    applied.remove()
    assert unchanged()
