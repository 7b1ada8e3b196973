"""Feature extractors (V1, V2) and embeddings connectors equal the reference."""

from __future__ import annotations

import pytest
import torch

from talkies.model import load_text_conditioner
from talkies.model.text.conditioner import EncodedText

from ltx_oracle import TEXT_HIDDEN, TEXT_LAYERS, write_text_checkpoint

TOL = 1e-5


def _hidden_states(batch: int, length: int, valid: list[int], seed: int = 5):
    """Left-padded prompts: per-layer hidden states as an encoder returns them, and the mask."""
    g = torch.Generator().manual_seed(seed)
    layers = tuple(torch.randn(batch, length, TEXT_HIDDEN, generator=g) * 3 for _ in range(TEXT_LAYERS))
    mask = torch.zeros(batch, length, dtype=torch.int64)
    for b, n in enumerate(valid):
        mask[b, length - n :] = 1
    return layers, mask


@pytest.fixture(scope="module", params=["2.0", "2.3"])
def pair(request, tmp_path_factory):
    path, ref = write_text_checkpoint(
        tmp_path_factory.mktemp("txt") / "text.safetensors", request.param, seed=7
    )
    return request.param, ref, load_text_conditioner(path)


@pytest.mark.parametrize("valid", [19, 128, 1])
def test_connectors_and_features_match_reference(pair, valid):
    _, ref, ours = pair
    layers, mask = _hidden_states(1, 128, [valid])
    with torch.no_grad():
        expected = ref.process_hidden_states(layers, mask, padding_side="left")
        got = ours(EncodedText(torch.stack(layers, dim=-1), mask))
    assert got.video.shape == expected.video_encoding.shape
    assert float((got.video - expected.video_encoding).abs().max()) <= TOL
    assert float((got.audio - expected.audio_encoding).abs().max()) <= TOL
    assert torch.equal(got.mask.long(), expected.attention_mask.long())


def test_batched_prompts_match_one_at_a_time(pair):
    """The reference handles one prompt at a time; ours batches prompts of different lengths."""
    _, ref, ours = pair
    layers, mask = _hidden_states(3, 256, [5, 200, 256])
    with torch.no_grad():
        got = ours(EncodedText(torch.stack(layers, dim=-1), mask))
        for b in range(3):
            one = ref.process_hidden_states(tuple(x[b : b + 1] for x in layers), mask[b : b + 1])
            assert float((got.video[b : b + 1] - one.video_encoding).abs().max()) <= TOL
            assert float((got.audio[b : b + 1] - one.audio_encoding).abs().max()) <= TOL


def test_text_length_must_fit_the_registers(pair):
    _, _, ours = pair
    layers, mask = _hidden_states(1, 100, [10])
    with pytest.raises(ValueError, match="multiple of the 128"):
        ours(EncodedText(torch.stack(layers, dim=-1), mask))
