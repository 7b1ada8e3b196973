"""Best of N: candidate k is the clip seed + k makes alone, batched or not, and the kept one is the
candidate whose own clip scores highest."""

from __future__ import annotations

import pytest
import torch

from talkies.model.media.sync.score import score_clip
from talkies.model.pipeline.best_of import (
    MAX_CANDIDATES,
    CandidateScore,
    batch_fits,
    best_index,
    best_of,
    candidate_seeds,
    check_candidates,
    sample_candidates,
)
from talkies.model.pipeline.empty_clip import empty_latent
from talkies.model.pipeline.generate import ClipRequest, generate, plan_clip
from talkies.model.pipeline.sample import MAX_SEED, sample
from talkies.model.pipeline.text_encode import encode_prompts

PROMPT = "a red ball bounces on a wooden floor"
FRAMES = 9


@pytest.fixture(scope="module")
def setting(quick_model):
    plan = plan_clip(quick_model, ClipRequest(frames=FRAMES))
    latent = empty_latent(quick_model, plan.width, plan.height, plan.frames, plan.fps)
    pos, neg = encode_prompts(quick_model, PROMPT, "")
    sampling = {
        "sigmas": plan.sigmas,
        "video_guidance": plan.video_guidance,
        "audio_guidance": plan.audio_guidance,
    }
    return latent, pos, neg, sampling


def test_candidates_batched_equal_one_by_one_equal_single_runs(quick_model, setting):
    latent, pos, neg, sampling = setting
    seeds = [4, 5, 6]
    batched = sample_candidates(quick_model, latent, pos, neg, seeds, batched=True, **sampling)
    one_by_one = sample_candidates(quick_model, latent, pos, neg, seeds, batched=False, **sampling)
    for seed, b, u in zip(seeds, batched, one_by_one, strict=True):
        single = generate(quick_model, PROMPT, frames=FRAMES, seed=seed).latent
        assert torch.equal(u.video, single.video) and torch.equal(u.audio, single.audio)
        torch.testing.assert_close(b.video, single.video, rtol=0, atol=1e-4)
        torch.testing.assert_close(b.audio, single.audio, rtol=0, atol=1e-4)
    assert float((batched[0].video - batched[1].video).abs().max()) > 1e-2, "each candidate has its own seed"
    # One seed for the whole batch draws other noise: the per-candidate seeds are what makes them match.
    shared = sample(quick_model, latent.repeated(3), pos, neg, seed=4, **sampling)
    assert float((shared.row(1).video - batched[1].video).abs().max()) > 1e-2


def test_the_kept_candidate_is_the_seed_whose_own_clip_scores_highest(quick_model, setting):
    latent, pos, neg, sampling = setting
    seeds = candidate_seeds(4, 3)
    alone = [generate(quick_model, PROMPT, frames=FRAMES, seed=s) for s in seeds]
    own = [score_clip(c.images, c.fps, c.audio.samples, c.audio.sample_rate).score for c in alone]
    winner = max(range(3), key=lambda k: own[k])
    assert winner not in (0, 2) and len(set(own)) == 3, f"a case where the middle seed wins: {own}"
    for batch in (True, False):
        best = best_of(quick_model, latent, pos, neg, candidates=3, seed=4, batch=batch, **sampling)
        assert best.batched is batch
        assert [s.seed for s in best.scores] == seeds
        assert [s.score for s in best.scores] == pytest.approx(own, abs=1e-3)
        assert best.kept == winner
        torch.testing.assert_close(best.latent.video, alone[winner].latent.video, rtol=0, atol=1e-4)
        assert best.images.shape == alone[winner].images.shape


def test_progress_counts_on_over_candidates_sampled_one_by_one(quick_model, setting):
    latent, pos, neg, sampling = setting
    steps = len(sampling["sigmas"]) - 1
    for batched, expected in (
        (True, [(i, steps) for i in range(1, steps + 1)]),
        (False, [(i, 3 * steps) for i in range(1, 3 * steps + 1)]),
    ):
        seen = []
        sample_candidates(
            quick_model,
            latent,
            pos,
            neg,
            [1, 2, 3],
            batched=batched,
            on_step=lambda p, seen=seen: seen.append((p.step, p.total)),
            **sampling,
        )
        assert seen == expected


def test_generate_with_candidates_returns_the_best_and_every_score(quick_model):
    clip = generate(quick_model, PROMPT, frames=FRAMES, seed=4, candidates=3)
    assert [s.seed for s in clip.candidates] == [4, 5, 6]
    best = clip.candidates[clip.kept]
    assert best.score == max(s.score for s in clip.candidates if s.score is not None)
    alone = generate(quick_model, PROMPT, frames=FRAMES, seed=best.seed)
    torch.testing.assert_close(clip.latent.video, alone.latent.video, rtol=0, atol=1e-4)
    assert generate(quick_model, PROMPT, frames=FRAMES, seed=4).candidates == ()


def _scored(seed: int, score: float | None) -> CandidateScore:
    return CandidateScore(seed, None if score is None else 0.1, None if score is None else 0.0, None, score)


def test_unscored_candidates_rank_last_and_ties_keep_the_lower_seed():
    assert (
        best_index([_scored(0, None), _scored(1, 0.1), _scored(2, None), _scored(3, 0.3), _scored(4, 0.3)])
        == 3
    )
    assert best_index([_scored(0, None), _scored(1, None)]) == 0
    assert best_index([_scored(0, 0.0), _scored(1, None)]) == 0
    assert "sync none" in _scored(7, None).summary() and "seed 7" in _scored(7, None).summary()


@pytest.mark.parametrize("bad", [0, -1, MAX_CANDIDATES + 1, 2.0, True])
def test_a_candidate_count_outside_the_range_is_refused(bad, quick_model):
    with pytest.raises(ValueError, match=f"candidates must be a whole number from 1 to {MAX_CANDIDATES}"):
        check_candidates(bad)
    with pytest.raises(ValueError, match="candidates must be"):
        plan_clip(quick_model, ClipRequest(candidates=bad))


def test_candidate_seeds_stay_within_the_seed_range():
    assert candidate_seeds(MAX_SEED - 2, 3) == [MAX_SEED - 2, MAX_SEED - 1, MAX_SEED]
    with pytest.raises(ValueError, match="past the largest seed"):
        candidate_seeds(MAX_SEED - 1, 3)


def test_a_batch_of_candidates_is_refused_for_a_batch_latent(quick_model, setting):
    latent, pos, neg, sampling = setting
    with pytest.raises(ValueError, match="batch of 2"):
        best_of(quick_model, latent.repeated(2), pos, neg, candidates=2, seed=0, **sampling)


def test_the_cpu_batches_candidates(quick_model, setting):
    latent, pos, _, _ = setting
    assert batch_fits(quick_model, latent, pos, 4)
    assert not batch_fits(quick_model, latent, pos, 1)
