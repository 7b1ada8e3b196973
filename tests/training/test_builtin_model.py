"""The shipped built-in model: in the repository, small, loaded by the one loader, and trained
(its clips are pictures, not the noise a random decoder makes)."""

from fractions import Fraction

import numpy as np
import pytest

from talkies.model.loading.builtin import BUILTIN_CHECKPOINT
from talkies.model.loading.safetensors_file import SafetensorsFile
from talkies.model.pipeline.generate import generate
from talkies.model.pipeline.load import TalkiesModel

# A random decoder makes noise at about 50/255 between neighbouring pixels; trained, the built-in
# model's pictures are flat areas and soft edges.
ROUGHNESS_LIMIT = 20.0


def _roughness(images) -> float:
    """Mean absolute difference between horizontally neighbouring pixels, in 0..255."""
    frames = images.numpy().astype(np.float32) * 255
    return float(np.abs(np.diff(frames, axis=2)).mean())


@pytest.fixture(scope="module")
def builtin():
    assert BUILTIN_CHECKPOINT.is_file(), "checkpoints/talkies_toyworld.safetensors must ship with the pack"
    return TalkiesModel(BUILTIN_CHECKPOINT)


def test_the_checkpoint_ships_small_in_the_ltx2_layout():
    assert BUILTIN_CHECKPOINT.stat().st_size <= 50 * 2**20
    with SafetensorsFile(BUILTIN_CHECKPOINT) as f:
        config = f.config
        keys = list(f.keys())
    assert {"transformer", "vae", "audio_vae", "vocoder", "text_encoder"} <= set(config)
    assert all(
        k.split(".")[0] in {"model", "vae", "audio_vae", "vocoder", "text_embedding_projection"} for k in keys
    )
    assert any(k.startswith("model.diffusion_model.") for k in keys)


def test_a_one_second_clip_has_exact_length_and_is_a_picture_not_noise(builtin, quick_model):
    clip = generate(
        builtin, "Two red balls bounce on a wooden floor in a quiet room, no music.", seconds=1, seed=1
    )
    assert clip.images.shape == (25, 128, 128, 3) and clip.fps == Fraction(24)
    assert clip.audio.samples.shape[-1] == round(25 * clip.audio.sample_rate / 24)
    assert float(clip.audio.samples.abs().max()) > 0
    untrained = generate(
        quick_model, "Two red balls bounce on a wooden floor.", width=128, height=128, seconds=1
    )
    assert _roughness(clip.images) < ROUGHNESS_LIMIT < _roughness(untrained.images)


# Found for the shipped checkpoint by `python -m talkies.training.proof_clip` (its docstring says
# how); a new checkpoint finds its own.
PROOF_HELD_OUT_PROMPT, PROOF_SEED = 6, 0


def test_a_held_out_impact_clip_shows_its_ball_and_a_knock_within_a_frame_of_its_contact(builtin):
    from talkies.training.evaluate import held_out_cases, score_generation
    from talkies.training.proof_clip import synced_ball

    case = held_out_cases(PROOF_HELD_OUT_PROMPT + 1)[PROOF_HELD_OUT_PROMPT]
    assert case.kind == "impacts" and case.colours, "a held-out prompt with balls"
    report, frames = score_generation(builtin, case, PROOF_SEED)
    assert frames.shape == (49, 128, 128, 3)
    assert synced_ball(report, case), (report["objects"], report["impacts"]["offsets_ms"])


def test_the_codec_ceiling_round_trips_one_stream_and_keeps_the_other_true(builtin):
    from talkies.toyworld import render, sample_spec
    from talkies.toyworld.metrics import evaluate_clip
    from talkies.toyworld.vocabulary import IMPACT_KINDS
    from talkies.training.codec_ceiling import codec_ceiling, picture_round_trip
    from talkies.training.evaluate import held_out_cases, summarize

    cases = held_out_cases(5)  # a voice clip among them, which is left out
    figures = codec_ceiling(builtin, cases, summarize, count=2)
    impacts = [c for c in cases if c.kind in IMPACT_KINDS][:2]
    truth = []
    for case in impacts:
        clip = render(sample_spec(case.seed))
        truth.append(
            (case, evaluate_clip(clip.frames, clip.fps, clip.waveform[0], clip.sample_rate, case.caption))
        )
    truth = summarize(truth)
    assert figures["clips"] == 2
    # The picture is the true one when the sound is round-tripped: the same contacts are found,
    # and the audio VAE keeps most knocks on them (89 % of 131 on 24 held-out clips, measured).
    assert figures["audio_vae"]["impact_contacts"] == truth["impact_contacts"] > 0
    assert figures["audio_vae"]["impact_within_1_frame"] >= 0.75
    assert figures["video_vae"]["impact_contacts"] > 0
    frames = render(sample_spec(impacts[0].seed)).frames
    again = picture_round_trip(builtin, frames)
    assert again.shape == frames.shape
    assert np.abs(again.astype(np.float32) - frames).mean() < 12.0  # a picture of the clip, not noise
