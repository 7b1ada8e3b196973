"""A transformer and a text encoder that do not belong together are refused, naming the right files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors import safe_open

from talkies.model import load_text_conditioner
from talkies.model.loading.safetensors_file import write_safetensors
from talkies.model.pipeline.load import TalkiesModel

DATA = Path(__file__).resolve().parents[1] / "data" / "ltx25"
GEMMA4 = DATA / "text.gemma4.safetensors"
LTX25 = DATA / "text.transformer.safetensors"


def _copy(source: Path, target: Path, edit_metadata) -> Path:
    with safe_open(str(source), "pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}
        metadata = dict(f.metadata())
    edit_metadata(metadata)
    return write_safetensors(target, tensors, metadata)


@pytest.fixture()
def ltx23(tmp_path) -> Path:
    """The same text side stamped LTX-2.3, without LTX-2.5's switches and Gemma source."""

    def as_23(metadata):
        config = json.loads(metadata["config"])
        for key in ("ff_bias", "audio_ff_bias", "use_prompt_adaln_single", "use_keyframes_abs_pos_embedding"):
            config["transformer"].pop(key)
        metadata.update(config=json.dumps(config), model_version="2.3.0")
        metadata.pop("gemma_source_checkpoint")

    return _copy(LTX25, tmp_path / "ltx-2.3-22b-dev.safetensors", as_23)


@pytest.fixture()
def gemma3_folder(tmp_path) -> Path:
    folder = tmp_path / "gemma-3-12b-it"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "gemma3"}))
    return folder


def test_an_ltx23_transformer_refuses_the_gemma4_encoder(ltx23):
    with pytest.raises(
        ValueError, match=r"text\.gemma4\.safetensors is LTX-2\.5's Gemma 4.*ltx-2\.5-22b.*Gemma 3"
    ):
        TalkiesModel(ltx23, text_encoder=GEMMA4)


def test_an_ltx25_transformer_refuses_a_gemma3_folder(gemma3_folder):
    with pytest.raises(
        ValueError, match=r"LTX-2\.5 transformer.*gemma4-12b-with-proj-ltx-2\.5.*gemma-3-12b-it"
    ):
        TalkiesModel(LTX25, text_encoder=gemma3_folder)
    with pytest.raises(ValueError, match="gemma4-12b-with-proj"):
        load_text_conditioner(LTX25, text_encoder=gemma3_folder)


def test_an_ltx25_transformer_refuses_another_gemma4_build(tmp_path):
    def other_build(metadata):
        config = json.loads(metadata["gemma_config"])
        config["gemma_version"] = "gemma4-12b-it"
        metadata["gemma_config"] = json.dumps(config)

    other = _copy(GEMMA4, tmp_path / "gemma4-stock.safetensors", other_build)
    with pytest.raises(ValueError, match=r"'gemma4-12b-ltx-v1'.*'gemma4-12b-it'"):
        TalkiesModel(LTX25, text_encoder=other)


def test_an_ltx25_transformer_without_its_encoder_names_the_file():
    with pytest.raises(FileNotFoundError, match="gemma4-12b-with-proj-ltx-2.5-bf16.safetensors"):
        load_text_conditioner(LTX25)
    model = TalkiesModel(LTX25)
    with pytest.raises(FileNotFoundError, match="gemma4-12b-with-proj"):
        _ = model.text_encoder


def test_the_matching_pair_opens():
    model = TalkiesModel(LTX25, text_encoder=GEMMA4, dtype="fp32")
    assert model.generation == "2.5"
    assert model.conditioner.feature_extractor.hidden_size == 32
