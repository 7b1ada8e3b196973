"""The whole recipe of the built-in model, one resumable stage after another."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
from .train_transformer import Focus, TrainedTransformer, train_transformer
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
# The transformer's later phases go on from the one before at half the first's peak rate.
# The second weighs video tokens by how much their latent cell moves: on 40 held-out prompts it
# took impacts within a frame from 3 % to 13 % and colours right from 50 % to 71 %. The third
# also weighs audio tokens around onsets and gives one stream whole twice as often, because
# the model had learned to read the other stream's content but not its timing (a partner
# shifted by 160 ms cost it nothing: training/timing_probe.py).
LATER_LR = 2.5e-4
MOTION = Focus(motion=2.0)
SYNC = Focus(motion=2.0, onsets=2.0, held_picture=0.2, held_sound=0.2)


@dataclass(kw_only=True)
class TransformerRun:
    # The phase's name: its weights are talkies_toyworld_<name>.safetensors (the last one's: the checkpoint).
    name: str
    steps: int
    batch: int
    window: int | None
    ema_decay: float
    seed: int
    device: str
    lr: float = TRANSFORMER_LR
    focus: Focus = Focus()
    start: Path | None = None  # weights to go on from (else fresh ones)
    stop_at: float | None = None  # time.time() at which it ends early, keeping what it has

    @property
    def weights_name(self) -> str:
        return f"talkies_toyworld_{self.name}.safetensors"

    @property
    def state_name(self) -> str:
        return f"transformer_{self.name}.state.pt"


def transformer_runs(budget, seed: int, device: str) -> tuple[TransformerRun, ...]:
    """The transformer's phases in order; each later one starts from the one before's result."""
    first = TransformerRun(
        name="first",
        steps=budget.transformer_steps,
        batch=budget.transformer_batch,
        window=budget.transformer_window,
        ema_decay=budget.ema_decay,
        seed=seed,
        device=device,
    )
    later = [
        ("motion", budget.transformer_motion_steps, MOTION),
        ("sync", budget.transformer_sync_steps, SYNC),
    ]
    return first, *(
        replace(first, name=name, steps=steps, seed=seed + i, lr=LATER_LR, focus=focus)
        for i, (name, steps, focus) in enumerate(later, start=1)
    )


def dataset_stage(out: Path, clips: int, video_file: Path, audio_file: Path, text_encoder, workers: int):
    """The transformer's training set: ``clips`` toy-world clips encoded once (kept in ``out``)."""
    latents_path = out / "latents.pt"
    if not latents_path.exists():
        seeds = list(range(DATASET_SEEDS_START, DATASET_SEEDS_START + clips))
        encode_clips(seeds, video_file, audio_file, text_encoder, workers).save(latents_path)
    return LatentDataset.load(latents_path)


def new_transformer(seed: int, start: Path | None = None) -> tuple[AVTransformer, TextConditioner]:
    """Fresh weights, or ``start``'s (a checkpoint, or the transformer file of --from-checkpoint)."""
    cfg = transformer_config(builtin_config())
    transformer, conditioner = AVTransformer(cfg), TextConditioner(cfg)
    initialize(transformer, conditioner, seed)
    if start is not None:
        load_transformer_start(start, transformer, conditioner)
    return transformer, conditioner


def train_transformer_stage(
    state: Path | None, dataset: LatentDataset, text_encoder, run: TransformerRun
) -> TrainedTransformer:
    """One transformer phase on ``dataset`` (resuming from ``state``, if given and there)."""
    transformer, conditioner = new_transformer(run.seed, run.start)
    return train_transformer(
        transformer,
        conditioner,
        dataset,
        text_states(text_encoder, [""])[0],
        steps=run.steps,
        batch=run.batch,
        lr=run.lr,
        seed=run.seed,
        ema_decay=run.ema_decay,
        max_tokens=TEXT_ENCODER["max_tokens"],
        device=run.device,
        window=run.window,
        state=state,
        stop_at=run.stop_at,
        focus=run.focus,
    )


def write_checkpoint(path: Path, trained: TrainedTransformer, video_file: Path, audio_file: Path) -> Path:
    return write_builtin_checkpoint(
        path,
        builtin_config(),
        transformer=trained.transformer.cpu(),
        conditioner=trained.conditioner.cpu(),
        video=load_video_vae(video_file),
        audio=load_audio_vae(audio_file),
    )


def train_transformer_phases(
    out: Path, dataset: LatentDataset, text_encoder, runs: Sequence[TransformerRun], vaes
) -> Path:
    """The transformer phases not yet done in ``out`` (each resumable); returns the checkpoint."""
    checkpoint = out / BUILTIN_NAME
    if checkpoint.exists():
        return checkpoint
    start = out / TRANSFORMER_START if (out / TRANSFORMER_START).exists() else None  # --from-checkpoint
    for i, run in enumerate(runs):
        weights = checkpoint if i == len(runs) - 1 else out / run.weights_name
        if not weights.exists():
            run = run if run.start is not None or start is None else replace(run, start=start)
            trained = train_transformer_stage(out / run.state_name, dataset, text_encoder, run)
            write_checkpoint(weights, trained, *vaes)
        start = weights
    return checkpoint


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
    runs = transformer_runs(budget, seed, device)
    checkpoint = train_transformer_phases(out, dataset, text_encoder, runs, (video_file, audio_file))
    evaluation = None
    if evaluate:
        from .evaluate import evaluate_checkpoint

        evaluation = evaluate_checkpoint(checkpoint, out, prompts=budget.eval_prompts, seed=seed)
    return Result(checkpoint, evaluation)
