"""The VAE stages of the recipe as data: each phase's result file, its options and its start.

The video VAE trains in four runs (whole frames; objects weighed up; frame differences around
moving objects weighed up; last the decoder alone on the frozen encoder), with the latent
statistics fitted before the last; the audio VAE in one, then its statistics. A phase whose
result is already in the run folder is skipped, so an interrupted run resumes. The step-budget
recipe and the GPU stage sized to a time limit run the same phases.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from pathlib import Path

from .assemble import fit_audio_statistics, fit_video_statistics
from .builtin_config import WIDTH
from .train_audio_vae import train_audio_vae
from .train_video_vae import train_video_vae
from .unpack import AUDIO_VAE_FITTED, VIDEO_VAE_FITTED
from .vae_files import load_pair, new_audio_vae, new_video_vae, save_pair

log = logging.getLogger(__name__)

# Disjoint seed ranges per use (all below the held-out range of toy_data).
VAE_SEEDS = range(0, 1_000_000)
STATISTICS_SEEDS_START = 1_000_000

# Whole 128-px frames from the start: trained on windows, the decoder reads position from the
# window's edges and tiles whole frames (four faces for one). Object-weighted, in 9-frame windows.
WHOLE_FRAMES = dict(lr=6e-4, focus_objects=True, crop_side=WIDTH, crop_frames=9)
VIDEO_STATISTICS = "video_vae_statistics.safetensors"
AUDIO_RAW = "audio_vae.safetensors"


@dataclass(frozen=True)
class VideoPhase:
    result: str
    steps: str  # the Budget field with its steps
    state: str
    start_from: str | None = None
    options: dict = field(default_factory=dict)


VIDEO_PHASES = (
    VideoPhase("video_vae.safetensors", "video_vae_steps", "video_vae.state.pt"),
    VideoPhase(
        "video_vae_objects.safetensors",
        "video_vae_object_steps",
        "video_vae_objects.state.pt",
        start_from="video_vae.safetensors",
    ),
    # Frame-to-frame differences around moving objects weighed up, so the 4x time compression
    # does not round a bounce off over three frames.
    VideoPhase(
        "video_vae_motion.safetensors",
        "video_vae_motion_steps",
        "video_vae_motion.state.pt",
        start_from="video_vae_objects.safetensors",
        options=dict(lr=3e-4, moving_weight=16.0, motion_weight=4.0),
    ),
    # The decoder alone on the frozen encoder, moving objects weighed up twice as much again: the
    # latents stay as they are (a transformer trained on them keeps working), and moving balls
    # come back sharper (on 24 held-out clips, contacts within +-1 frame 21/97 -> 40/97, balls
    # right 58 % -> 83 %).
    VideoPhase(
        VIDEO_VAE_FITTED,
        "video_vae_decoder_steps",
        "video_vae_decoder.state.pt",
        start_from=VIDEO_STATISTICS,
        options=dict(lr=2e-4, moving_weight=32.0, motion_weight=8.0, decoder_only=True),
    ),
)
AUDIO_STEPS = "audio_vae_steps"
# Every Budget field that counts a VAE phase's steps.
PHASE_STEPS = tuple(p.steps for p in VIDEO_PHASES) + (AUDIO_STEPS,)


@dataclass(frozen=True, kw_only=True)
class PhaseRun:
    """How the phases run: ``steps`` by Budget field, and the machine's settings."""

    steps: Mapping[str, int]
    statistics_clips: int
    seed: int = 0
    device: str = "cpu"
    video_batch: int = 4
    audio_batch: int = 8
    pool: Pool | None = None  # worker processes that render the next batches
    stop_at: float | None = None  # time.time() at which a phase ends early, keeping what it has


def _statistics_seeds(run: PhaseRun) -> range:
    return range(STATISTICS_SEEDS_START, STATISTICS_SEEDS_START + run.statistics_clips)


def _fit_video_statistics(source: Path, out: Path, run: PhaseRun) -> None:
    pair = new_video_vae()
    load_pair(source, *pair)
    fit_video_statistics(pair[0].to(run.device).eval(), _statistics_seeds(run))
    pair[1].per_channel_statistics.load_state_dict(pair[0].per_channel_statistics.state_dict())
    save_pair(out, *pair)


def train_video_phase(
    index: int, target: Path, run: PhaseRun, *, start_from: Path | None, state: Path | None, steps: int = 0
) -> Path:
    """One video phase into ``target`` (``steps`` other than the run's, for timing it)."""
    phase = VIDEO_PHASES[index]
    return train_video_vae(
        target,
        steps=steps or run.steps[phase.steps],
        seed=run.seed + index,
        start_from=start_from,
        state=state,
        train_seeds=VAE_SEEDS,
        device=run.device,
        batch=run.video_batch,
        pool=run.pool,
        stop_at=run.stop_at,
        **{**WHOLE_FRAMES, **phase.options},
    )


def train_audio_phase(target: Path, run: PhaseRun, steps: int = 0) -> Path:
    """The audio VAE into ``target`` (``steps`` other than the run's, for timing it)."""
    return train_audio_vae(
        target,
        steps=steps or run.steps[AUDIO_STEPS],
        train_seeds=VAE_SEEDS,
        seed=run.seed,
        device=run.device,
        batch=run.audio_batch,
        pool=run.pool,
        stop_at=run.stop_at,
    )


def train_video_phases(out: Path, run: PhaseRun) -> Path:
    """Every video VAE phase not yet done in ``out``; returns the fitted pair's file."""
    for i, phase in enumerate(VIDEO_PHASES):
        if (out / VIDEO_VAE_FITTED).exists():  # the last phase's result: nothing left to do
            break
        target = out / phase.result
        if target.exists():
            continue
        if phase.start_from == VIDEO_STATISTICS and not (out / VIDEO_STATISTICS).exists():
            _fit_video_statistics(out / VIDEO_PHASES[i - 1].result, out / VIDEO_STATISTICS, run)
        start = None if phase.start_from is None else out / phase.start_from
        result = train_video_phase(i, target, run, start_from=start, state=out / phase.state)
        if result != target:  # stopped at the time limit: what it has stands for the phase
            log.info("%s: keeping the weights of the phase stopped early", phase.result)
            result.replace(target)
    return out / VIDEO_VAE_FITTED


def train_audio_phases(out: Path, run: PhaseRun) -> Path:
    """The audio VAE and its statistics, unless ``out`` has them; returns the fitted pair's file."""
    fitted = out / AUDIO_VAE_FITTED
    if fitted.exists():
        return fitted
    raw = out / AUDIO_RAW
    if not raw.exists():
        train_audio_phase(raw, run)
    pair = new_audio_vae()
    load_pair(raw, *pair)
    fit_audio_statistics(pair[0].to(run.device).eval(), _statistics_seeds(run))
    pair[1].per_channel_statistics.load_state_dict(pair[0].per_channel_statistics.state_dict())
    return save_pair(fitted, *pair)


def take_vaes(parts: Path, out: Path) -> tuple[Path, Path]:
    """The fitted pairs from the parts the timed stage wrote, into ``out`` as the recipe's files,
    so the recipe goes on with the dataset and the transformer."""
    from .file_parts import join_parts

    if not parts.is_dir():
        raise FileNotFoundError(
            f"no folder {parts}: give the folder with the VAE parts (--parts of --vaes-within)"
        )
    return tuple(
        join_parts(parts, Path(name).stem, out / name) for name in (VIDEO_VAE_FITTED, AUDIO_VAE_FITTED)
    )
