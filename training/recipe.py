"""The whole recipe of the built-in model, one resumable stage after another."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from ..model.config import transformer_config
from ..model.loading.builtin import BUILTIN_NAME
from ..model.text.conditioner import TextConditioner
from ..model.text.encoder_source import open_text_encoder
from ..model.transformer.model import AVTransformer
from .assemble import write_builtin_checkpoint
from .builtin_config import TEXT_ENCODER, builtin_config
from .init_weights import initialize
from .latent_dataset import LatentDataset, encode_clips, text_states
from .train_transformer import TrainedTransformer, train_transformer
from .unpack import TRANSFORMER_START, load_transformer_start
from .vae_files import load_audio_vae, load_video_vae
from .vae_phases import (
    PHASE_STEPS,
    PhaseRun,
    train_audio_phases,
    train_video_phases,
)

log = logging.getLogger(__name__)


# Seeds of the transformer's clips, apart from the VAEs' (VAE_SEEDS, STATISTICS_SEEDS_START).
DATASET_SEEDS_START = 2_000_000


@dataclass
class Result:
    checkpoint: Path
    evaluation: Path | None


def _fitted_vaes(out: Path, budget, seed: int, device: str):
    run = PhaseRun(
        steps={name: getattr(budget, name) for name in PHASE_STEPS},
        statistics_clips=budget.statistics_clips,
        seed=seed,
        device=device,
    )
    return train_video_phases(out, run), train_audio_phases(out, run)


TRANSFORMER_LR = 5e-4


@dataclass(kw_only=True)
class TransformerRun:
    steps: int
    batch: int
    window: int | None
    ema_decay: float
    seed: int
    device: str
    stop_at: float | None = None  # time.time() at which it ends early, keeping what it has


def transformer_run(budget, seed: int, device: str) -> TransformerRun:
    return TransformerRun(
        steps=budget.transformer_steps,
        batch=budget.transformer_batch,
        window=budget.transformer_window,
        ema_decay=budget.ema_decay,
        seed=seed,
        device=device,
    )


def dataset_stage(out: Path, clips: int, video_file: Path, audio_file: Path, text_encoder, workers: int):
    """The transformer's training set: ``clips`` toy-world clips encoded once (kept in ``out``)."""
    latents_path = out / "latents.pt"
    if not latents_path.exists():
        seeds = list(range(DATASET_SEEDS_START, DATASET_SEEDS_START + clips))
        encode_clips(seeds, video_file, audio_file, text_encoder, workers).save(latents_path)
    return LatentDataset.load(latents_path)


def new_transformer(seed: int, out: Path | None = None) -> tuple[AVTransformer, TextConditioner]:
    """Fresh weights, or those a run going on from a checkpoint starts from (in ``out``)."""
    cfg = transformer_config(builtin_config())
    transformer, conditioner = AVTransformer(cfg), TextConditioner(cfg)
    initialize(transformer, conditioner, seed)
    if out is not None and (out / TRANSFORMER_START).exists():  # train --from-checkpoint
        load_transformer_start(out / TRANSFORMER_START, transformer, conditioner)
    return transformer, conditioner


def train_transformer_stage(
    out: Path | None, dataset: LatentDataset, text_encoder, run: TransformerRun
) -> TrainedTransformer:
    """The transformer on ``dataset`` (its state kept in ``out``, if given, to resume from)."""
    transformer, conditioner = new_transformer(run.seed, out)
    return train_transformer(
        transformer,
        conditioner,
        dataset,
        text_states(text_encoder, [""])[0],
        steps=run.steps,
        batch=run.batch,
        lr=TRANSFORMER_LR,
        seed=run.seed,
        ema_decay=run.ema_decay,
        max_tokens=TEXT_ENCODER["max_tokens"],
        device=run.device,
        window=run.window,
        state=None if out is None else out / "transformer.state.pt",
        stop_at=run.stop_at,
    )


def write_checkpoint(out: Path, trained: TrainedTransformer, video_file: Path, audio_file: Path) -> Path:
    return write_builtin_checkpoint(
        out / BUILTIN_NAME,
        builtin_config(),
        transformer=trained.transformer.cpu(),
        conditioner=trained.conditioner.cpu(),
        video=load_video_vae(video_file),
        audio=load_audio_vae(audio_file),
    )


def reproduce(
    out: Path,
    budget,
    *,
    seed: int,
    device: str,
    evaluate: bool,
    workers: int = 1,
    text_encoder_folder: Path | None = None,
) -> Result:
    out.mkdir(parents=True, exist_ok=True)
    video_file, audio_file = _fitted_vaes(out, budget, seed, device)
    text_encoder = open_text_encoder(TEXT_ENCODER, text_encoder_folder, device="cpu", dtype=torch.float32)
    dataset = dataset_stage(out, budget.dataset_clips, video_file, audio_file, text_encoder, workers)
    checkpoint = out / BUILTIN_NAME
    if not checkpoint.exists():
        trained = train_transformer_stage(out, dataset, text_encoder, transformer_run(budget, seed, device))
        write_checkpoint(out, trained, video_file, audio_file)
    evaluation = None
    if evaluate:
        from .evaluate import evaluate_checkpoint

        evaluation = evaluate_checkpoint(checkpoint, out, prompts=budget.eval_prompts, seed=seed)
    return Result(checkpoint, evaluation)
