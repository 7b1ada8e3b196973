"""Talkies LoRA: chained on the model from ComfyUI's loras folder, nothing at strength 0, checked at once."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from talkies.model.loading.safetensors_file import write_safetensors
from talkies.nodes.latent_dict import from_latent_dict
from talkies.nodes.lora import TalkiesLoRA

from loras import layer_shapes, write_random_lora
from tiny_nodes import encode, load_tiny_model, sampled_clip


@pytest.fixture(scope="module")
def setup(tiny_models_dir):
    model = load_tiny_model()
    folder = tiny_models_dir / "loras"
    folder.mkdir(exist_ok=True)
    names = ("transformer_blocks.0.attn1.to_q", "transformer_blocks.1.ff.net.2")
    write_random_lora(
        folder / "style.safetensors", layer_shapes(model.transformer, names), 0, rank=2, scale=1.0
    )
    bad = {f"single_blocks.0.linear1.{part}.weight": torch.zeros(2, 2) for part in ("lora_A", "lora_B")}
    write_safetensors(folder / "flux.safetensors", bad, {})
    return model


def _sample(model):
    latent = sampled_clip(model, encode(model, "a red ball bounces"), 9)
    return from_latent_dict(latent, Fraction(24))[0].video


def test_the_lora_node_lists_the_folder_and_chains_on_the_model(setup):
    schema = TalkiesLoRA.define_schema()
    (combo,) = [spec for spec in schema.inputs if spec.id == "lora_name"]
    assert {"style.safetensors", "flux.safetensors"} <= set(combo.options)
    base = _sample(setup)
    off = TalkiesLoRA.execute(setup, "style.safetensors", 0.0).args[0]
    on = TalkiesLoRA.execute(setup, "style.safetensors", 1.0).args[0]
    twice = TalkiesLoRA.execute(on, "style.safetensors", -1.0).args[0]
    assert torch.equal(_sample(off), base)
    assert not torch.allclose(_sample(on), base)
    assert torch.allclose(_sample(twice), base, atol=1e-4), "+1 then -1 of the same LoRA cancel"
    assert torch.equal(_sample(setup), base), "back on the plain model, the stack is taken off again"
    assert setup.loras == [], "the model it chains on keeps no LoRA"
    assert on.transformer is setup.transformer, "one transformer, its LoRA stack swapped, nothing reloaded"
    assert on.text_encoder is setup.text_encoder


def test_a_lora_for_another_model_is_refused_at_the_lora_node(setup):
    with pytest.raises(ValueError, match="single_blocks.0.linear1.*another model family"):
        TalkiesLoRA.execute(setup, "flux.safetensors", 1.0)
    with pytest.raises(FileNotFoundError, match="models/loras"):
        TalkiesLoRA.execute(setup, "missing.safetensors", 1.0)
