"""Hugging Face text encoders from local folders: Gemma 3's layout at a tiny size."""

from __future__ import annotations

import logging

import pytest
import torch

from talkies.model import load_text_conditioner
from talkies.model.text.encoder import HFTextEncoder, check_prompt

from ltx_oracle import TEXT_HIDDEN, TEXT_LAYERS, write_text_checkpoint

transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

WORDS = "a red ball bounces on the wooden floor loud knock rain falls softly".split()


def _tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"<pad>": 0, "<eos>": 1, "<unk>": 2, **{w: i + 3 for i, w in enumerate(WORDS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )


@pytest.fixture(scope="module")
def gemma_folder(tmp_path_factory):
    torch.manual_seed(0)
    cfg = transformers.Gemma3TextConfig(
        vocab_size=len(WORDS) + 3,
        hidden_size=TEXT_HIDDEN,
        intermediate_size=24,
        num_hidden_layers=TEXT_LAYERS - 1,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=6,
        max_position_embeddings=512,
        sliding_window=16,
    )
    folder = tmp_path_factory.mktemp("gemma")
    transformers.Gemma3TextModel(cfg).save_pretrained(folder)
    _tokenizer().save_pretrained(folder)
    return folder


def test_encoder_stacks_every_layer_with_left_padding(gemma_folder):
    enc = HFTextEncoder.from_folder(gemma_folder, dtype=torch.float32, max_tokens=128)
    assert (enc.hidden_size, enc.hidden_states) == (TEXT_HIDDEN, TEXT_LAYERS)
    out = enc.encode(["a red ball bounces", "  rain falls softly on the wooden floor  "])
    assert out.hidden.shape == (2, 128, TEXT_HIDDEN, TEXT_LAYERS)
    assert out.mask[0].tolist() == [0] * 124 + [1] * 4  # left padding: real tokens last
    assert int(out.mask[1].sum()) == 7
    direct = enc.model(
        input_ids=enc.tokenizer(
            ["a red ball bounces"], padding="max_length", max_length=128, return_tensors="pt"
        ).input_ids,
        attention_mask=out.mask[:1],
        output_hidden_states=True,
    )
    assert torch.allclose(out.hidden[:1, ..., -1], direct.hidden_states[-1], atol=1e-6)


def test_encoder_feeds_the_connectors(gemma_folder, tmp_path):
    path, _ = write_text_checkpoint(tmp_path / "t.safetensors", "2.0")
    conditioner = load_text_conditioner(path)
    enc = HFTextEncoder.from_folder(gemma_folder, dtype=torch.float32, max_tokens=128)
    a = conditioner(enc.encode(["a red ball bounces"]))
    b = conditioner(enc.encode(["rain falls softly"]))
    assert a.video.shape == (1, 128, TEXT_HIDDEN) and a.audio.shape == (1, 128, TEXT_HIDDEN)
    assert float((a.video - b.video).abs().max()) > 1e-3  # the prompt matters


def test_long_prompts_are_cut_with_a_warning(gemma_folder, caplog):
    enc = HFTextEncoder.from_folder(gemma_folder, dtype=torch.float32, max_tokens=4)
    with caplog.at_level(logging.WARNING):
        out = enc.encode(["a red ball bounces on the wooden floor"])
    assert out.hidden.shape[1] == 4 and "cut to 4 tokens" in caplog.text


def test_missing_folder_and_empty_prompt(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a text encoder folder"):
        HFTextEncoder.from_folder(tmp_path)
    with pytest.raises(ValueError, match="prompt is empty"):
        check_prompt("   ")
    assert check_prompt("", required=False) == ""
