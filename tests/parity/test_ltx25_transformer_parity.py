"""LTX-2.5 transformers, loaded by our loader from reference-made files, compute what ltx-core 1.2.0 computes.

The checkpoints and the reference outputs are committed (tests/data/ltx25/, written by
make_ltx25_reference.py with ltx-core 1.2.0), so this runs without the reference installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from talkies.model import load_transformer, predict_velocity
from talkies.model.sampling.latents import (
    audio_latent,
    audio_positions,
    audio_tokens,
    video_latent,
    video_positions,
    video_tokens,
)
from talkies.model.transformer.model import AVTransformer, Stream
from talkies.model.transformer.perturbations import Perturbations, Skip, skip
from talkies.model.transformer.predict import first_frame_tokens

DATA = Path(__file__).resolve().parents[1] / "data" / "ltx25"
TOL = 1e-5
FPS = 24.0
CASES = ("published", "mixed")


@pytest.fixture(scope="module", params=CASES)
def case(request) -> tuple[str, AVTransformer, dict[str, torch.Tensor]]:
    model = load_transformer(DATA / f"{request.param}.safetensors", dtype=torch.float32)
    return request.param, model, load_file(str(DATA / f"{request.param}.reference.safetensors"))


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max())


def _predict(model, ref, sigma, masked=False):
    return predict_velocity(
        model,
        ref["video"],
        ref["audio"],
        sigma,
        video_context=ref["video_context"],
        audio_context=ref["audio_context"],
        fps=FPS,
        video_mask=ref["video_mask"] if masked else None,
        audio_mask=ref["audio_mask"] if masked else None,
    )


def _assert_matches(got: tuple[torch.Tensor, torch.Tensor], ref: dict, run: str) -> None:
    v, a = got
    assert v.shape == ref[f"{run}.video"].shape and a.shape == ref[f"{run}.audio"].shape
    assert _max_diff(v, ref[f"{run}.video"]) <= TOL
    assert _max_diff(a, ref[f"{run}.audio"]) <= TOL


def test_config_reads_the_ltx25_switches(case):
    name, model, _ = case
    c = model.cfg
    assert c.generation == "2.5"
    assert (c.video_ff_bias, c.first_frame_embedding, c.cross_attention_adaln) == (False, True, True)
    if name == "published":
        assert (c.audio_ff_bias, c.prompt_adaln, c.rope_type) == (False, False, "split")
        assert model.prompt_adaln_single is None
    else:
        assert (c.audio_ff_bias, c.prompt_adaln, c.rope_type) == (True, True, "interleaved")
    assert model.transformer_blocks[0].ff.net[2].bias is None
    assert (model.transformer_blocks[0].audio_ff.net[2].bias is None) == (not c.audio_ff_bias)


def test_uniform_sigma_matches_reference(case):
    _, model, ref = case
    _assert_matches(_predict(model, ref, 0.6), ref, "uniform")


def test_clean_first_frame_matches_reference(case):
    """Masks make per-token timesteps differ from σ: LTX-2.5's cross-attention modulation rule shows."""
    _, model, ref = case
    _assert_matches(_predict(model, ref, 0.7, masked=True), ref, "masked")


def _streams(ref: dict, *, first_frame: bool = True) -> tuple[Stream, Stream]:
    """The reference inputs as the transformer's two streams at σ 0.5 (``first_frame``: the video
    stream marks its first-frame tokens, as a 2.5 model needs)."""
    b, _, f, h, w = ref["video"].shape
    sigma = torch.full((b,), 0.5)
    video = Stream(
        latent=video_tokens(ref["video"]),
        positions=video_positions(b, f, h, w, FPS),
        sigma=sigma,
        context=ref["video_context"],
        single_frame_tokens=first_frame_tokens(b, f, h, w) if first_frame else None,
    )
    audio = Stream(
        latent=audio_tokens(ref["audio"]),
        positions=audio_positions(b, ref["audio"].shape[2]),
        sigma=sigma,
        context=ref["audio_context"],
    )
    return video, audio


def test_guidance_skips_match_reference(case):
    _, model, ref = case
    _, _, f, h, w = ref["video"].shape
    video, audio = _streams(ref)
    rules = (skip(Skip.VIDEO_SELF, [1]), skip(Skip.AUDIO_TO_VIDEO), skip(Skip.VIDEO_TO_AUDIO))
    with torch.no_grad():
        v, a = model(video, audio, Perturbations((rules, ())))
    _assert_matches((video_latent(v, f, h, w), audio_latent(a, ref["audio"].shape[1])), ref, "skips")


def test_first_frame_embedding_is_applied(case):
    """Zeroing the learned first-frame vector changes the output: the comparison above can fail."""
    _, model, ref = case
    before = _predict(model, ref, 0.6)
    saved = model.keyframes_abs_pos_embedding.detach().clone()
    try:
        with torch.no_grad():
            model.keyframes_abs_pos_embedding.zero_()
        after = _predict(model, ref, 0.6)
    finally:
        with torch.no_grad():
            model.keyframes_abs_pos_embedding.copy_(saved)
    assert _max_diff(before[0], after[0]) > 1e-4


def test_a_stream_without_its_first_frame_tokens_is_refused(case):
    _, model, ref = case
    video, audio = _streams(ref, first_frame=False)
    with pytest.raises(ValueError, match="first latent frame"):
        model(video, audio)


def test_the_sampling_loop_marks_the_first_frame_as_the_reference_does(case):
    """One Euler step from σ 1 to 0 through sample_clip is x − v, with v the parity-checked prediction:
    the loop hands the transformer the clip's first-frame tokens (a 2.5 model refuses to run without)."""
    from talkies.model.sampling.av_latent import AVLatent
    from talkies.model.sampling.compression import LTX2_COMPRESSION
    from talkies.model.sampling.denoise import sample_clip
    from talkies.model.text.conditioner import PromptEmbedding

    _, model, ref = case
    clip = AVLatent(
        video=torch.zeros_like(ref["video"]),
        audio=torch.zeros_like(ref["audio"]),
        fps=FPS,
        compression=LTX2_COMPRESSION,
    )
    b = ref["video"].shape[0]
    prompt = PromptEmbedding(
        ref["video_context"],
        ref["audio_context"],
        torch.ones(b, ref["video_context"].shape[1], dtype=torch.bool),
    )
    out = sample_clip(model, clip, prompt, None, torch.tensor([1.0, 0.0]), seed=3)
    g = torch.Generator().manual_seed(3)
    noise_v = video_latent(torch.randn(video_tokens(clip.video).shape, generator=g), *clip.video.shape[2:])
    noise_a = audio_latent(torch.randn(audio_tokens(clip.audio).shape, generator=g), clip.audio.shape[1])
    v, a = predict_velocity(
        model,
        noise_v,
        noise_a,
        1.0,
        video_context=ref["video_context"],
        audio_context=ref["audio_context"],
        fps=FPS,
    )
    assert _max_diff(out.video, noise_v - v) <= TOL
    assert _max_diff(out.audio, noise_a - a) <= TOL
