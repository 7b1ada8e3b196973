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
from .train_transformer import train_transformer
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
    video_file, audio_file = train_video_phases(out, run), train_audio_phases(out, run)
    return load_video_vae(video_file), load_audio_vae(audio_file), video_file, audio_file


def reproduce(out: Path, budget, *, seed: int, device: str, evaluate: bool, workers: int = 1) -> Result:
    out.mkdir(parents=True, exist_ok=True)
    video, audio, video_file, audio_file = _fitted_vaes(out, budget, seed, device)
    text_encoder = open_text_encoder(TEXT_ENCODER, None, device="cpu", dtype=torch.float32)
    latents_path = out / "latents.pt"
    if not latents_path.exists():
        seeds = list(range(DATASET_SEEDS_START, DATASET_SEEDS_START + budget.dataset_clips))
        encode_clips(seeds, video_file, audio_file, text_encoder, workers).save(latents_path)
    dataset = LatentDataset.load(latents_path)
    config = builtin_config()
    cfg = transformer_config(config)
    checkpoint = out / BUILTIN_NAME
    if not checkpoint.exists():
        transformer, conditioner = AVTransformer(cfg), TextConditioner(cfg)
        initialize(transformer, conditioner, seed)
        if (out / TRANSFORMER_START).exists():  # going on from a checkpoint (train --from-checkpoint)
            load_transformer_start(out / TRANSFORMER_START, transformer, conditioner)
        empty = text_states(text_encoder, [""])[0]
        trained = train_transformer(
            transformer,
            conditioner,
            dataset,
            empty,
            steps=budget.transformer_steps,
            batch=budget.transformer_batch,
            lr=5e-4,
            seed=seed,
            ema_decay=budget.ema_decay,
            max_tokens=TEXT_ENCODER["max_tokens"],
            device=device,
            window=budget.transformer_window,
            state=out / "transformer.state.pt",
        )
        write_builtin_checkpoint(
            checkpoint,
            config,
            transformer=trained.transformer.cpu(),
            conditioner=trained.conditioner.cpu(),
            video=video,
            audio=audio,
        )
    evaluation = None
    if evaluate:
        from .evaluate import evaluate_checkpoint

        evaluation = evaluate_checkpoint(checkpoint, out, prompts=budget.eval_prompts, seed=seed)
    return Result(checkpoint, evaluation)
