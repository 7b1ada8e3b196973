"""Talkies Sampler's candidates input: the best of N seeds by measured sync, every score shown."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from talkies.model.media.sync.score import score_clip
from talkies.model.pipeline.best_of import MAX_CANDIDATES
from talkies.model.pipeline.decode import decode_audio, decode_video
from talkies.nodes.empty_clip import TalkiesEmptyClip
from talkies.nodes.latent_dict import from_latent_dict
from talkies.nodes.sampler import TalkiesSampler

from tiny_nodes import encode, load_tiny_model


@pytest.fixture(scope="module")
def model(tiny_models_dir):
    return load_tiny_model()


@pytest.fixture(scope="module")
def prompts(model):
    return encode(model)


@pytest.fixture(scope="module")
def latent(model):
    return TalkiesEmptyClip.execute(model, width=64, height=64, length=9, unit="frames", fps=24.0).args[0]


def _run(model, prompts, latent, **kw):
    return TalkiesSampler.execute(model, prompts, latent, **{"steps": 2, "preview": False, **kw})


def _clip(output):
    return from_latent_dict(output.args[0], Fraction(24))[0]


def test_the_candidates_input_is_one_to_the_most_candidates_and_defaults_to_one():
    schema = TalkiesSampler.define_schema()
    spec = next(i for i in schema.inputs if i.id == "candidates")
    assert (spec.default, spec.min, spec.max) == (1, 1, MAX_CANDIDATES)
    assert [o.display_name for o in schema.outputs] == ["latent", "scores"]


def test_one_candidate_samples_that_seed_and_lists_no_scores(model, prompts, latent):
    plain = _run(model, prompts, latent, seed=5)
    again = _run(model, prompts, latent, seed=5, candidates=1)
    assert torch.equal(_clip(plain).video, _clip(again).video)
    assert plain.args[1] == "" and plain.ui is None


def test_several_candidates_keep_the_best_scoring_seed_and_show_every_score(model, prompts, latent):
    own = {}
    for seed in (4, 5, 6):
        clip = _clip(_run(model, prompts, latent, seed=seed))
        audio = decode_audio(model, clip)
        own[seed] = score_clip(decode_video(model, clip), clip.fps, audio.samples, audio.sample_rate).score
    winner = max(own, key=lambda s: -1.0 if own[s] is None else own[s])
    assert winner != 4, f"a case where keeping the first seed would be wrong: {own}"
    out = _run(model, prompts, latent, seed=4, candidates=3)
    lines = out.args[1].splitlines()
    assert out.ui == {"text": lines} and len(lines) == 3
    for line, seed in zip(lines, (4, 5, 6), strict=True):
        assert f"seed {seed}: sync " in line and "AV-Align" in line and "lag" in line
        assert line.startswith("kept") == (seed == winner)
    torch.testing.assert_close(
        _clip(out).video, _clip(_run(model, prompts, latent, seed=winner)).video, rtol=0, atol=1e-4
    )
