"""The whole recipe sized to a time limit, for a GPU machine lent for minutes.

The VAEs take the first share of the time (``timed_vaes``), then the dataset is encoded by
worker processes, then the transformer's steps are sized from its measured time per step to
fill what is left, the deadline a hard stop. The text encoder comes as a pack (its package is
too large to travel; ``text_encoder_pack``). The checkpoint is written as parts of at most
16 MiB for the way back, to be joined and evaluated where PyAV is.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from ..model.loading.builtin import BUILTIN_NAME
from ..model.text.encoder_source import open_text_encoder
from ..toyworld import sample_spec
from ..toyworld.render import caption_of
from .builtin_config import TEXT_ENCODER
from .file_parts import split_file
from .recipe import (
    DATASET_SEEDS_START,
    TransformerRun,
    dataset_stage,
    train_transformer_phases,
    train_transformer_stage,
)
from .step_timing import seconds_per_step
from .text_encoder_pack import check_captions, unpack_text_encoder
from .timed_vaes import PLANNED_SHARE, VaePlan, train_vaes_within
from .unpack import AUDIO_VAE_FITTED, VIDEO_VAE_FITTED
from .vae_phases import PhaseRun

log = logging.getLogger(__name__)

VAE_SHARE = 0.5  # of the whole time, for the VAEs
PLAN_FILE = "recipe_plan.json"


@dataclass(frozen=True)
class RecipePlan:
    vaes: VaePlan
    dataset_seconds: float
    transformer_seconds_per_step: float
    transformer_steps: int
    total_seconds: float = 0.0


def dataset_captions(clips: int) -> list[str]:
    return [caption_of(sample_spec(s)) for s in range(DATASET_SEEDS_START, DATASET_SEEDS_START + clips)]


def share_steps(steps: int, recipe: Sequence[int]) -> list[int]:
    """``steps`` split over the phases as the recipe's counts are, every phase at least one."""
    steps = max(steps, len(recipe))
    total = sum(recipe)
    shares = [max(1, math.floor(steps * n / total)) for n in recipe]
    largest = max(range(len(shares)), key=shares.__getitem__)
    shares[largest] += steps - sum(shares)  # what rounding left over, or took too many
    return shares


def reproduce_within(
    out: Path,
    seconds: float,
    recipe_steps: Mapping[str, int],
    phases: PhaseRun,
    transformers: Sequence[TransformerRun],
    *,
    dataset_clips: int,
    text_encoder_pack: Path,
    workers: int,
    parts: Path | None = None,
) -> RecipePlan:
    """Every stage into ``out`` within ``seconds``; the checkpoint's parts into ``parts``."""
    began = time.time()
    deadline = began + seconds
    folder, kept = unpack_text_encoder(text_encoder_pack, out / "text_encoder")
    check_captions(folder, kept, dataset_captions(dataset_clips) + [""])  # before any training
    vaes = train_vaes_within(out, seconds * VAE_SHARE, recipe_steps, phases)
    text_encoder = open_text_encoder(TEXT_ENCODER, folder, device="cpu", dtype=torch.float32)
    encoding = time.time()
    video_file, audio_file = out / VIDEO_VAE_FITTED, out / AUDIO_VAE_FITTED
    dataset = dataset_stage(out, dataset_clips, video_file, audio_file, text_encoder, max(1, workers))
    dataset_seconds = time.time() - encoding

    def probe(steps: int) -> None:
        train_transformer_stage(None, dataset, text_encoder, replace(transformers[-1], steps=steps))

    per_step = seconds_per_step(probe)
    steps = max(2, int((deadline - time.time()) * PLANNED_SHARE / per_step))
    shares = share_steps(steps, [r.steps for r in transformers])
    runs = [replace(r, steps=n, stop_at=deadline) for r, n in zip(transformers, shares, strict=True)]
    log.info("transformer: %s steps at %.3f s a step", " + ".join(str(r.steps) for r in runs), per_step)
    checkpoint = train_transformer_phases(out, dataset, text_encoder, runs, (video_file, audio_file))
    plan = RecipePlan(vaes, dataset_seconds, per_step, steps, time.time() - began)
    (out / PLAN_FILE).write_text(json.dumps(asdict(plan), indent=2))
    if parts is not None:
        parts.mkdir(parents=True, exist_ok=True)
        split_file(checkpoint, parts)
        (parts / PLAN_FILE).write_text((out / PLAN_FILE).read_text())
    return plan


def join_checkpoint(parts: Path, out: Path) -> Path:
    """The checkpoint ``reproduce_within`` wrote as parts, whole again in ``out``."""
    from .file_parts import join_parts

    return join_parts(parts, Path(BUILTIN_NAME).stem, out / BUILTIN_NAME)
