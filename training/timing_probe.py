"""Does a transformer read the other stream's timing, or only its content?

One stream is given clean and the other denoised from noise, as Add Sound and Animate to Sound
do, and the flow-matching loss of the generated stream is measured with four partners:

- ``true``: the clip's own other stream;
- ``off``: the same, with the audio↔video cross-attention switched off;
- ``shifted``: the clip's own other stream a latent video frame later (1/6 s for the built-in
  model; the audio by as many of its latent frames as come nearest), wrapped around;
- ``other``: the other stream of another clip.

``other`` above ``true`` says the model reads what the partner holds (which scene, which
sound); ``shifted`` above ``true`` says it reads *when* things happen in it, which is what
impact and lip sync need. A model that draws knocks wherever it likes has ``shifted`` equal to
``true``. Cheap, needs no sampling, and measured on held-out clips.

    python -m talkies.training.timing_probe CHECKPOINT [--clips N]
"""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.load import TalkiesModel
from ..model.sampling.compression import VideoCompression
from ..model.sampling.latents import (
    AUDIO_LATENTS_PER_SECOND,
    audio_positions,
    audio_tokens,
    video_frame_bounds,
    video_positions,
    video_tokens,
)
from ..model.text.conditioner import EncodedText, TextConditioner
from ..model.transformer.model import AVTransformer, Stream
from ..model.transformer.perturbations import Perturbations, Skip, skip
from .builtin_config import COMPRESSION, FPS, TEXT_ENCODER
from .latent_dataset import LatentDataset
from .train_transformer import text_batch

PARTNERS = ("true", "off", "shifted", "other")
SIGMAS = (0.3, 0.6, 0.9)
ISOLATED = (skip(Skip.AUDIO_TO_VIDEO), skip(Skip.VIDEO_TO_AUDIO))


def shift_seconds(compression: VideoCompression = COMPRESSION, fps: Fraction = FPS) -> float:
    """How late the shifted partner is: one latent video frame."""
    return compression.time / float(fps)


def audio_shift(compression: VideoCompression = COMPRESSION, fps: Fraction = FPS) -> int:
    """The shift in audio latent frames: those nearest one latent video frame, at least one."""
    return max(1, round(shift_seconds(compression, fps) * AUDIO_LATENTS_PER_SECOND))


def _partners(
    video: torch.Tensor, audio: torch.Tensor, generated: str, audio_frames: int
) -> dict[str, torch.Tensor]:
    """The four partners (as tokens) of each clip in a batch when ``generated`` is denoised; the
    sound shifted by ``audio_frames``."""
    if generated == "audio":
        given, shifted = video, video.roll(1, dims=2)
        as_tokens = video_tokens
    else:
        given, shifted = audio, audio.roll(audio_frames, dims=2)
        as_tokens = audio_tokens
    true = as_tokens(given)
    return {"true": true, "off": true, "shifted": as_tokens(shifted), "other": true.roll(1, dims=0)}


def _stream(
    tokens: torch.Tensor, denoise: float, positions: torch.Tensor, sigma: float, context: torch.Tensor
) -> Stream:
    """A batch of one stream's tokens at noise level ``sigma``: generated (1) or given clean (0)."""
    b, n = tokens.shape[:2]
    return Stream(
        latent=tokens,
        positions=positions,
        sigma=torch.full((b,), sigma),
        denoise_mask=torch.full((b, n), denoise),
        context=context,
    )


@torch.no_grad()
def partner_losses(
    transformer: AVTransformer,
    conditioner: TextConditioner,
    ds: LatentDataset,
    batch: int = 8,
    seed: int = 0,
    compression: VideoCompression = COMPRESSION,
    fps: Fraction = FPS,
) -> dict[str, dict[str, float]]:
    """{generated stream: {partner: mean flow-matching loss over clips and SIGMAS}}, the latents
    made by a VAE of ``compression`` from clips at ``fps``."""
    transformer.eval()
    conditioner.eval()
    if len(ds) < 2:
        raise ValueError("the timing probe needs at least 2 clips (the 'other' partner is another clip)")
    _, _, frames, h, w = ds.video.shape
    bounds = video_frame_bounds(frames, compression=compression)
    vpos = video_positions(1, frames, h, w, fps, frame_bounds=bounds, compression=compression)
    apos = audio_positions(1, ds.audio.shape[2])
    late = audio_shift(compression, fps)
    g = torch.Generator().manual_seed(seed)
    sums = {(s, p): [] for s in ("audio", "video") for p in PARTNERS}
    for start in range(0, len(ds) - 1, batch):
        idx = list(range(start, min(start + batch, len(ds))))
        if len(idx) < 2:  # a last batch of one has no other clip in it
            idx = [idx[0] - 1, idx[0]]
        video, audio = ds.video[idx].float(), ds.audio[idx].float()
        text = text_batch([ds.text[i] for i in idx], TEXT_ENCODER["max_tokens"])
        prompt = conditioner(EncodedText(text.hidden, text.mask))
        b = len(idx)
        clean = {"video": video_tokens(video), "audio": audio_tokens(audio)}
        positions = {"video": vpos.expand(b, -1, -1, -1), "audio": apos.expand(b, -1, -1, -1)}
        for sigma in SIGMAS:
            for generated, given in (("audio", "video"), ("video", "audio")):
                x0 = clean[generated]
                noise = torch.randn(x0.shape, generator=g)
                noisy = (1 - sigma) * x0 + sigma * noise
                for name, partner in _partners(video, audio, generated, late).items():
                    latents = {generated: (noisy, 1.0), given: (partner, 0.0)}
                    streams = {
                        kind: _stream(*latents[kind], positions[kind], sigma, context)
                        for kind, context in (("video", prompt.video), ("audio", prompt.audio))
                    }
                    perturb = Perturbations.uniform(b, ISOLATED) if name == "off" else None
                    v_pred, a_pred = transformer(streams["video"], streams["audio"], perturb)
                    pred = a_pred if generated == "audio" else v_pred
                    sums[(generated, name)].append(float((pred.float() - (noise - x0)).pow(2).mean()))
    return {s: {p: float(np.mean(sums[(s, p)])) for p in PARTNERS} for s in ("audio", "video")}


def reading(losses: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per generated stream, how much worse (relative) it does with the partner off, from another
    clip, or shifted in time: ``timing`` near 0 means the partner's timing is not read."""
    out = {}
    for stream, by in losses.items():
        true = by["true"]
        out[stream] = {
            "cross_attention": (by["off"] - true) / true,
            "content": (by["other"] - true) / true,
            "timing": (by["shifted"] - true) / true,
        }
    return out


def probe_model(model: TalkiesModel, clips: int = 32) -> dict:
    """The probe on the first ``clips`` held-out toy-world clips, encoded by the model's own VAEs
    and text encoder."""
    from .latent_dataset import encode_media, text_states
    from .toy_data import evaluation_clip

    video, audio, captions = encode_media(
        list(range(clips)), model.video_encoder, model.audio_encoder, "encode held-out clips", evaluation_clip
    )
    text = text_states(model.text_encoder, captions)
    ds = LatentDataset(video=video, audio=audio, text=text, captions=captions, seeds=list(range(clips)))
    compression, fps = model.video_compression, defaults_for(model).fps
    losses = partner_losses(
        model.transformer.float(), model.conditioner.float(), ds, compression=compression, fps=fps
    )
    shift = shift_seconds(compression, fps)
    return {"clips": clips, "shift_seconds": shift, "losses": losses, "reading": reading(losses)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m talkies.training.timing_probe", description=__doc__)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--clips", type=int, default=32, help="held-out clips to probe on (at least 2)")
    args = parser.parse_args(argv)
    print(json.dumps(probe_model(TalkiesModel(args.checkpoint), args.clips), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
