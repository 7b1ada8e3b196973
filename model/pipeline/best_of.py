"""Best of N: a clip sampled from N seeds, each decoded and scored by measured sync, the best kept.

Candidate k is seed + k, and it is exactly the clip a plain run with that seed makes: batched,
each candidate's noise comes from its own seed (``sample_clip``'s ``seeds``). The N candidates
run as one batch when the device holds their activations (always on the CPU), else one by one.

The score is :mod:`talkies.model.media.sync.score`'s: AV-Align and the onset-versus-motion lag,
weight-free and valid for any clip, with the caller's own ``measures`` where it has them (the
toy world's impact and lip sync for a model trained on it: ``toyworld/prompt_measures.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import torch

from ..media.sync.score import ClipMeasures, SyncScore, score_clip
from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent
from ..sampling.guidance import Guidance
from ..sampling.loop import StepPreview
from ..sampling.pass_batching import free_device_bytes, pass_activation_bytes, should_batch_clips
from ..text.conditioner import PromptEmbedding
from ..video_vae.tiling import VideoTiling
from .decode import DEFAULT_TILING, decode_audio, decode_video
from .load import TalkiesModel
from .sample import MAX_SEED, check_seed, sample

MAX_CANDIDATES = 16


def check_candidates(candidates: int) -> int:
    if (
        isinstance(candidates, bool)
        or not isinstance(candidates, int)
        or not 1 <= candidates <= MAX_CANDIDATES
    ):
        raise ValueError(f"candidates must be a whole number from 1 to {MAX_CANDIDATES}; got {candidates!r}")
    return candidates


def candidate_seeds(seed: int, candidates: int) -> list[int]:
    """seed, seed + 1, …, seed + candidates − 1, all within the seed range."""
    check_seed(seed)
    check_candidates(candidates)
    if seed + candidates - 1 > MAX_SEED:
        raise ValueError(
            f"{candidates} candidates from seed {seed} run past the largest seed {MAX_SEED}: "
            f"start at {MAX_SEED - candidates + 1} or lower"
        )
    return [seed + k for k in range(candidates)]


@dataclass(frozen=True)
class CandidateScore:
    """One candidate's seed and its sync figures (None where a clip has no motion or no onsets)."""

    seed: int
    av_align: float | None
    lag_ms: float | None  # positive: the sound comes late
    correlation: float | None
    score: float | None
    measured: tuple[tuple[str, float], ...] = ()  # the caller's own figures, by name

    @staticmethod
    def of(seed: int, sync: SyncScore) -> CandidateScore:
        return CandidateScore(seed, sync.av_align, sync.lag_ms, sync.correlation, sync.score, sync.measured)

    def summary(self) -> str:
        def figure(value: float | None, form: str) -> str:
            return "none" if value is None else format(value, form)

        own = "".join(f", {name} {value:.2f}" for name, value in self.measured)
        return (
            f"seed {self.seed}: sync {figure(self.score, '.3f')} (AV-Align {figure(self.av_align, '.3f')}, "
            f"lag {figure(self.lag_ms, '+.0f')} ms, correlation {figure(self.correlation, '.2f')}{own})"
        )


@dataclass(kw_only=True)
class BestOf:
    latent: AVLatent  # the kept candidate
    images: torch.Tensor  # the kept candidate decoded: (F, H, W, 3) in 0..1
    audio: Waveform
    scores: tuple[CandidateScore, ...]  # every candidate, in seed order
    kept: int  # the index of the kept one in ``scores``
    batched: bool  # whether the candidates were sampled as one batch


def best_index(scores: Sequence[CandidateScore]) -> int:
    """The highest score; unscored candidates rank last; of equal scores, the lowest seed."""
    scored = [k for k, s in enumerate(scores) if s.score is not None]
    return max(scored, key=lambda k: scores[k].score) if scored else 0


def score_lines(scores: Sequence[CandidateScore], kept: int) -> list[str]:
    """One line per candidate, the kept one marked: what the CLI prints and the node shows."""
    return [f"{'kept' if k == kept else '    '}  {s.summary()}" for k, s in enumerate(scores)]


def batch_fits(model: TalkiesModel, latent: AVLatent, prompt: PromptEmbedding, candidates: int) -> bool:
    """Whether ``candidates`` copies of ``latent`` sample as one batch on the model's device."""
    transformer = model.transformer
    video_tokens = sum(t[0, 0].numel() for t in (latent.video, *(k.latent for k in latent.keyframes)))
    video_tokens += sum(r.latent[0, 0].numel() for r in latent.references)
    clip_bytes = pass_activation_bytes(
        transformer.cfg, video_tokens, latent.audio.shape[2], prompt.video.shape[1], 1, model.compute_dtype
    )
    free = free_device_bytes(model.device)
    if free is not None:  # weights still elsewhere take their room when the transformer works
        free -= sum(
            p.numel() * p.element_size() for p in transformer.parameters() if p.device != model.device
        )
    return should_batch_clips(candidates, clip_bytes, free)


def sample_candidates(
    model: TalkiesModel,
    latent: AVLatent,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    seeds: Sequence[int],
    *,
    batched: bool,
    **sampling,
) -> list[AVLatent]:
    """One sampled clip per seed; ``sampling``: :func:`sample`'s keywords besides the noise. One by
    one, ``on_step`` counts the steps on over the candidates (candidate k's step i is k·steps + i)."""
    if batched:
        out = sample(model, latent.repeated(len(seeds)), prompt, negative, seeds=list(seeds), **sampling)
        return [out.row(k) for k in range(len(seeds))]
    on_step = sampling.pop("on_step", None)

    def counted_on(k: int) -> Callable[[StepPreview], None] | None:
        if on_step is None:
            return None
        return lambda p: on_step(replace(p, step=k * p.total + p.step, total=len(seeds) * p.total))

    return [
        sample(model, latent, prompt, negative, seed=s, on_step=counted_on(k), **sampling)
        for k, s in enumerate(seeds)
    ]


def best_of(
    model: TalkiesModel,
    latent: AVLatent,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    *,
    candidates: int,
    seed: int,
    sigmas: torch.Tensor,
    video_guidance: Guidance,
    audio_guidance: Guidance,
    isolate_modalities: bool = False,
    on_step: Callable[[StepPreview], None] | None = None,
    batch: bool | Literal["auto"] = "auto",
    tiling: VideoTiling | None = DEFAULT_TILING,
    measures: ClipMeasures | None = None,
) -> BestOf:
    """``candidates`` clips of one ``latent`` (a batch of one) from seeds ``seed`` on, the best
    kept. ``batch``: sample them as one batch (True), one by one (False), or as memory allows."""
    if latent.batch != 1:
        raise ValueError(
            f"best of N chooses among seeds of one clip; this latent is a batch of {latent.batch}"
        )
    seeds = candidate_seeds(seed, candidates)
    batched = batch_fits(model, latent, prompt, candidates) if batch == "auto" else bool(batch)
    sampled = sample_candidates(
        model,
        latent,
        prompt,
        negative,
        seeds,
        batched=batched,
        sigmas=sigmas,
        video_guidance=video_guidance,
        audio_guidance=audio_guidance,
        isolate_modalities=isolate_modalities,
        on_step=on_step,
    )
    scores, kept = [], None
    for candidate_seed, clip in zip(seeds, sampled, strict=True):
        images, audio = decode_video(model, clip, tiling), decode_audio(model, clip)
        scores.append(
            CandidateScore.of(
                candidate_seed, score_clip(images, clip.fps, audio.samples, audio.sample_rate, measures)
            )
        )
        if best_index(scores) == len(scores) - 1:
            kept = (clip, images, audio)
    best = best_index(scores)
    clip, images, audio = kept
    return BestOf(latent=clip, images=images, audio=audio, scores=tuple(scores), kept=best, batched=batched)
