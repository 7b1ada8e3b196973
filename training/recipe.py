"""The whole recipe of the built-in model, one resumable stage after another."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from ..model.audio_config import audio_vae_config
from ..model.audio_vae import AudioDecoder, AudioEncoder
from ..model.config import transformer_config
from ..model.safetensors_file import SafetensorsFile, write_safetensors
from ..model.text import TextConditioner
from ..model.text_encoder_source import open_text_encoder
from ..model.transformer import AVTransformer
from ..model.video_vae import VideoDecoder, VideoEncoder
from ..model.video_vae_config import video_vae_config
from .assemble import fit_audio_statistics, fit_video_statistics, write_builtin_checkpoint
from .builtin_config import AUDIO_VAE, TEXT_ENCODER, VIDEO_VAE, builtin_config
from .init_weights import initialize
from .latent_dataset import LatentDataset, encode_clips, text_states
from .train_audio_vae import train_audio_vae
from .train_transformer import train_transformer
from .train_video_vae import train_video_vae

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "talkies_toyworld.safetensors"

# Disjoint seed ranges per use (all below the held-out range of toy_data).
VAE_SEEDS = range(0, 1_000_000)
STATISTICS_SEEDS_START = 1_000_000
DATASET_SEEDS_START = 2_000_000


@dataclass
class Result:
    checkpoint: Path
    evaluation: Path | None


def _load_pair(path: Path, encoder: torch.nn.Module, decoder: torch.nn.Module) -> None:
    with SafetensorsFile(path) as f:
        state = {k: f.read(k) for k in f.keys()}
    for prefix, module in (("encoder.", encoder), ("decoder.", decoder)):
        module.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})


def _save_pair(path: Path, encoder: torch.nn.Module, decoder: torch.nn.Module) -> None:
    state = {f"encoder.{k}": v for k, v in encoder.state_dict().items()}
    state.update({f"decoder.{k}": v for k, v in decoder.state_dict().items()})
    write_safetensors(path, {k: v.detach().cpu().contiguous() for k, v in state.items()})


def _fitted_vaes(out: Path, budget, seed: int, device: str):
    video = VideoEncoder(video_vae_config(VIDEO_VAE)), VideoDecoder(video_vae_config(VIDEO_VAE))
    acfg = audio_vae_config({"audio_vae": AUDIO_VAE})
    audio = AudioEncoder(acfg), AudioDecoder(acfg)
    fitted_video, fitted_audio = out / "video_vae_fitted.safetensors", out / "audio_vae_fitted.safetensors"
    if not fitted_video.exists():
        raw = out / "video_vae.safetensors"
        if not raw.exists():
            train_video_vae(
                raw, steps=budget.video_vae_steps, train_seeds=VAE_SEEDS, seed=seed, device=device
            )
        _load_pair(raw, *video)
        stats = range(STATISTICS_SEEDS_START, STATISTICS_SEEDS_START + budget.statistics_clips)
        fit_video_statistics(video[0].eval(), stats)
        video[1].per_channel_statistics.load_state_dict(video[0].per_channel_statistics.state_dict())
        _save_pair(fitted_video, *video)
    if not fitted_audio.exists():
        raw = out / "audio_vae.safetensors"
        if not raw.exists():
            train_audio_vae(
                raw, steps=budget.audio_vae_steps, train_seeds=VAE_SEEDS, seed=seed, device=device
            )
        _load_pair(raw, *audio)
        stats = range(STATISTICS_SEEDS_START, STATISTICS_SEEDS_START + budget.statistics_clips)
        fit_audio_statistics(audio[0].eval(), stats)
        audio[1].per_channel_statistics.load_state_dict(audio[0].per_channel_statistics.state_dict())
        _save_pair(fitted_audio, *audio)
    _load_pair(fitted_video, *video)
    _load_pair(fitted_audio, *audio)
    return tuple(m.eval() for m in video), tuple(m.eval() for m in audio)


def reproduce(out: Path, budget, *, seed: int, device: str, evaluate: bool) -> Result:
    out.mkdir(parents=True, exist_ok=True)
    video, audio = _fitted_vaes(out, budget, seed, device)
    text_encoder = open_text_encoder(TEXT_ENCODER, None, device="cpu", dtype=torch.float32)
    latents_path = out / "latents.pt"
    if not latents_path.exists():
        seeds = list(range(DATASET_SEEDS_START, DATASET_SEEDS_START + budget.dataset_clips))
        encode_clips(seeds, video[0], audio[0], text_encoder).save(latents_path)
    dataset = LatentDataset.load(latents_path)
    config = builtin_config()
    cfg = transformer_config(config)
    checkpoint = out / CHECKPOINT_NAME
    if not checkpoint.exists():
        transformer, conditioner = AVTransformer(cfg), TextConditioner(cfg)
        initialize(transformer, conditioner, seed)
        empty = text_states(text_encoder, [""])[0]
        transformer, conditioner = train_transformer(
            transformer,
            conditioner,
            dataset,
            empty,
            steps=budget.transformer_steps,
            batch=budget.transformer_batch,
            lr=5e-4,
            seed=seed,
            max_tokens=TEXT_ENCODER["max_tokens"],
            device=device,
        )
        write_builtin_checkpoint(
            checkpoint,
            config,
            transformer=transformer.cpu(),
            conditioner=conditioner.cpu(),
            video=video,
            audio=audio,
        )
    evaluation = None
    if evaluate:
        from .evaluate import evaluate_checkpoint

        evaluation = evaluate_checkpoint(checkpoint, out, prompts=budget.eval_prompts, seed=seed)
    return Result(checkpoint, evaluation)
