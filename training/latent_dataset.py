"""Stage 3: toy-world clips encoded once into the latents and text states the transformer learns from.

Text states keep only the real tokens of each caption (MiniLM pads on the right and its
outputs for real tokens do not depend on the padding), stored in half precision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from ..model.audio_codec import encode_audio
from ..model.audio_vae import AudioEncoder
from ..model.text_encoder import HFTextEncoder
from ..model.video_vae import VideoEncoder
from ..model.waveform import Waveform
from .builtin_config import FPS, FRAMES
from .progress import Progress
from .toy_data import clip_for_seed

log = logging.getLogger(__name__)

AUDIO_FRAMES = round(FRAMES / FPS * 25)


@dataclass
class LatentDataset:
    video: torch.Tensor  # (N, C, F, H, W) float16, normalised
    audio: torch.Tensor  # (N, 8, T, 16) float16, normalised
    text: list[torch.Tensor]  # per clip: (n_tokens, hidden, layers) float16
    captions: list[str]
    seeds: list[int]

    def __len__(self) -> int:
        return len(self.seeds)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".part")
        torch.save(
            {
                "video": self.video,
                "audio": self.audio,
                "text": self.text,
                "captions": self.captions,
                "seeds": self.seeds,
            },
            tmp,
        )
        tmp.replace(path)

    @staticmethod
    def load(path: Path) -> LatentDataset:
        d = torch.load(path, weights_only=True)
        return LatentDataset(d["video"], d["audio"], d["text"], d["captions"], d["seeds"])


def text_states(encoder: HFTextEncoder, captions: list[str], batch: int = 64) -> list[torch.Tensor]:
    out: list[torch.Tensor] = []
    for i in range(0, len(captions), batch):
        enc = encoder.encode(captions[i : i + batch])
        for hidden, mask in zip(enc.hidden, enc.mask, strict=True):
            out.append(hidden[mask.bool()].to(torch.float16).cpu())
    return out


@torch.no_grad()
def encode_clips(
    seeds: list[int],
    video_encoder: VideoEncoder,
    audio_encoder: AudioEncoder,
    text_encoder: HFTextEncoder,
) -> LatentDataset:
    video, audio, captions = [], [], []
    progress = Progress("encode clips", len(seeds), report_every=max(1, len(seeds) // 10))
    for i, seed in enumerate(seeds, 1):
        clip = clip_for_seed(seed)
        video.append(video_encoder.encode(clip.pixels[None]).to(torch.float16)[0])
        latent = encode_audio(Waveform(clip.waveform[None], 16000), audio_encoder)
        audio.append(latent[0, :, :AUDIO_FRAMES].to(torch.float16))
        captions.append(clip.caption)
        progress.update(i)
    return LatentDataset(
        torch.stack(video), torch.stack(audio), text_states(text_encoder, captions), captions, list(seeds)
    )
