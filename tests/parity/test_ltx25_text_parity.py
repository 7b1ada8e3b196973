"""LTX-2.5's text path, loaded by our loader from reference-made files, computes what ltx-core 1.2.0 computes.

A tiny Gemma 4 text encoder file with LTX's projection and the text side of a tiny 2.5 transformer
file, in the published layouts, with the reference's tokens, hidden states and contexts for three
prompts (tests/data/ltx25/text.*, written by make_ltx25_text_reference.py), so this runs without
the reference installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from talkies.model import load_text_conditioner
from talkies.model.text.encoder_source import open_text_encoder

DATA = Path(__file__).resolve().parents[1] / "data" / "ltx25"
ENCODER = DATA / "text.gemma4.safetensors"
TRANSFORMER = DATA / "text.transformer.safetensors"
TOL = 1e-5


@pytest.fixture(scope="module")
def reference() -> tuple[dict[str, torch.Tensor], list[str], int]:
    with safe_open(str(DATA / "text.reference.safetensors"), "pt") as f:
        meta = f.metadata()
    return (
        load_file(str(DATA / "text.reference.safetensors")),
        json.loads(meta["prompts"]),
        int(meta["max_tokens"]),
    )


@pytest.fixture(scope="module")
def encoder(reference):
    _, _, max_tokens = reference
    return open_text_encoder({"max_tokens": max_tokens}, ENCODER, device="cpu", dtype=torch.float32)


def test_tokens_follow_the_reference_rules(encoder, reference):
    ref, prompts, _ = reference
    encoded = encoder.encode(prompts)
    assert torch.equal(encoded.mask.cpu(), ref["attention_mask"])
    bos = encoder.tokenizer.bos_token_id
    first_real = ref["attention_mask"].argmax(dim=1)
    assert all(int(ref["input_ids"][i, j]) == bos for i, j in enumerate(first_real))


def test_gemma4_hidden_states_match_reference(encoder, reference):
    ref, prompts, _ = reference
    hidden = encoder.encode(prompts).hidden
    tail = ref["hidden_tail"]
    assert hidden.shape[-1] == tail.shape[-1] and hidden.shape[2] == tail.shape[2]
    assert float((hidden[:, -tail.shape[1] :] - tail).abs().max()) <= TOL


def test_contexts_match_reference(encoder, reference):
    ref, prompts, _ = reference
    conditioner = load_text_conditioner(TRANSFORMER, text_encoder=ENCODER)
    assert not conditioner.video_embeddings_connector.cfg.ff_bias
    with torch.no_grad():
        out = conditioner(encoder.encode(prompts))
    assert out.video.shape == ref["video"].shape and out.audio.shape == ref["audio"].shape
    assert float((out.video - ref["video"]).abs().max()) <= TOL
    assert float((out.audio - ref["audio"]).abs().max()) <= TOL
    assert torch.equal(out.mask.long(), ref["mask"])
