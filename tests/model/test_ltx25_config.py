"""LTX-2.5 checkpoints: told apart by their metadata, and what Talkies does not build yet is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors import safe_open

from talkies.model import Checkpoint, load_transformer
from talkies.model.config import transformer_config
from talkies.model.loading.safetensors_file import write_safetensors

from tiny_ltx_config import tiny_config

DATA = Path(__file__).resolve().parents[1] / "data" / "ltx25"
SWITCHES = {
    "ff_bias": False,
    "audio_ff_bias": False,
    "use_prompt_adaln_single": False,
    "use_keyframes_abs_pos_embedding": True,
}


@pytest.mark.parametrize("switch", sorted(SWITCHES))
def test_any_ltx25_switch_marks_the_generation(switch):
    cfg = transformer_config(tiny_config("2.3", **{switch: SWITCHES[switch]}))
    assert cfg.generation == "2.5"


def test_version_and_gemma_source_mark_the_generation():
    config = tiny_config("2.3")
    assert transformer_config(config, {"model_version": "2.5.0"}).generation == "2.5"
    assert transformer_config(config, {"gemma_source_checkpoint": "{}"}).generation == "2.5"
    assert transformer_config(config, {"model_version": "2.3.0"}).generation == "2.3"


def test_ltx25_defaults_to_the_split_rotary_layout():
    for generation, layout in (("2.0", "interleaved"), ("2.5", "split")):
        config = tiny_config("2.0", **(SWITCHES if generation == "2.5" else {}))
        del config["transformer"]["rope_type"]
        assert transformer_config(config).rope_type == layout


@pytest.mark.parametrize("generation", ["2.0", "2.3"])
def test_earlier_generations_keep_their_architecture(generation):
    cfg = transformer_config(tiny_config(generation))
    assert cfg.generation == generation
    assert (cfg.video_ff_bias, cfg.audio_ff_bias, cfg.prompt_adaln, cfg.first_frame_embedding) == (
        True,
        True,
        True,
        False,
    )


def _tensors(path: Path) -> dict:
    with safe_open(str(path), "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def test_a_bundled_duration_head_is_refused_by_name(tmp_path):
    source = DATA / "published.safetensors"
    with Checkpoint(source) as ckpt:
        metadata = dict(ckpt.metadata)
    tensors = _tensors(source)
    tensors["duration_head.mlp_out.weight"] = tensors["model.diffusion_model.proj_out.weight"][:1].clone()
    path = write_safetensors(tmp_path / "bundled.safetensors", tensors, metadata)
    with pytest.raises(ValueError, match="duration head"):
        load_transformer(path)
    config = json.loads(metadata["config"])
    config["duration_head"] = {"num_queries": 1}
    path = write_safetensors(
        tmp_path / "declared.safetensors", _tensors(source), {"config": json.dumps(config)}
    )
    with pytest.raises(ValueError, match="duration head"):
        load_transformer(path)


def test_an_ltx25_file_is_named_in_errors():
    with Checkpoint(DATA / "published.safetensors") as ckpt:
        assert ckpt.looks_like() == "an LTX-2.5 checkpoint"
