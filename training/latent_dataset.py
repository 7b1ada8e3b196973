"""Stage 3: toy-world clips encoded once into the latents and text states the transformer learns from.

Text states keep only the real tokens of each caption (MiniLM pads on the right and its
outputs for real tokens do not depend on the padding), stored in half precision.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch

from ..model.audio_vae.codec import encode_audio
from ..model.audio_vae.model import AudioEncoder
from ..model.media.waveform import Waveform
from ..model.text.encoder import HFTextEncoder
from ..model.video_vae.model import VideoEncoder
from .builtin_config import FPS, FRAMES
from .progress import Progress
from .toy_data import TrainingClip, clip_for_seed

log = logging.getLogger(__name__)

AUDIO_FRAMES = round(FRAMES / FPS * 25)


@dataclass(kw_only=True)
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
        return LatentDataset(
            video=d["video"], audio=d["audio"], text=d["text"], captions=d["captions"], seeds=d["seeds"]
        )


def text_states(encoder: HFTextEncoder, captions: list[str], batch: int = 64) -> list[torch.Tensor]:
    out: list[torch.Tensor] = []
    for i in range(0, len(captions), batch):
        enc = encoder.encode(captions[i : i + batch])
        for hidden, mask in zip(enc.hidden, enc.mask, strict=True):
            out.append(hidden[mask.bool()].to(torch.float16).cpu())
    return out


@torch.no_grad()
def encode_media(
    seeds: list[int],
    video_encoder: VideoEncoder,
    audio_encoder: AudioEncoder,
    label: str = "encode clips",
    clip_of: Callable[[int], TrainingClip] = clip_for_seed,
) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Video and audio latents (float16) and captions of the toy-world clips of ``seeds``
    (training clips; ``clip_of`` may name others, e.g. held-out ones)."""
    video, audio, captions = [], [], []
    progress = Progress(label, len(seeds), report_every=max(1, len(seeds) // 10))
    for i, seed in enumerate(seeds, 1):
        clip = clip_of(seed)
        video.append(video_encoder.encode(clip.pixels[None]).to(torch.float16)[0])
        latent = encode_audio(Waveform(clip.waveform[None], 16000), audio_encoder)
        audio.append(latent[0, :, :AUDIO_FRAMES].to(torch.float16))
        captions.append(clip.caption)
        progress.update(i)
    return torch.stack(video), torch.stack(audio), captions


def _encode_shard(job: tuple[list[int], str, str, int]) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    seeds, video_path, audio_path, shard = job
    torch.set_num_threads(1)
    from .vae_files import load_audio_vae, load_video_vae

    return encode_media(
        seeds,
        load_video_vae(Path(video_path))[0],
        load_audio_vae(Path(audio_path))[0],
        f"encode shard {shard}",
    )


def encode_clips(
    seeds: list[int], video_vae: Path, audio_vae: Path, text_encoder: HFTextEncoder, workers: int = 1
) -> LatentDataset:
    """The dataset for ``seeds``, encoded by ``workers`` processes (one CPU thread each)."""
    shards = [seeds[i::workers] for i in range(workers)]
    jobs = [(shard, str(video_vae), str(audio_vae), i) for i, shard in enumerate(shards)]
    if workers == 1:
        parts = [_encode_shard(jobs[0])]
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            parts = list(pool.map(_encode_shard, jobs))
    order = [s for shard in shards for s in shard]
    video = torch.cat([p[0] for p in parts])
    audio = torch.cat([p[1] for p in parts])
    captions = [c for p in parts for c in p[2]]
    back = sorted(range(len(order)), key=lambda i: order[i])
    return LatentDataset(
        video=video[back],
        audio=audio[back],
        text=text_states(text_encoder, [captions[i] for i in back]),
        captions=[captions[i] for i in back],
        seeds=sorted(seeds),
    )
