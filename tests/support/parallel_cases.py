"""What the multi-process tests compute, the same on one process and on every rank of a group.

Token counts are chosen so that no sequence divides evenly across 2 or 4 ranks everywhere:
the loop's clip has 18 video and 17 audio tokens, the transformer case 18 and 5.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import torch
import torch.distributed as dist

from talkies.model.parallel.exchange import TRAFFIC, set_all_to_all_engine
from talkies.model.parallel.mesh import make_mesh, split_sequence
from talkies.model.sampling.av_latent import empty_av_latent
from talkies.model.sampling.compression import LTX2_COMPRESSION
from talkies.model.sampling.denoise import sample_clip
from talkies.model.sampling.guidance import Guidance
from talkies.model.sampling.schedule import ltx2_sigmas
from talkies.model.text.conditioner import PromptEmbedding
from talkies.model.transformer.model import MaskLevels
from talkies.model.transformer.perturbations import Perturbations, Skip, skip

from tiny_av import tiny_streams, tiny_transformer

# Every pass a step can plan: cond, uncond (cfg), perturbed (stg), isolated (modality); rescale too.
VIDEO_GUIDANCE = Guidance(cfg=3.0, stg=1.0, stg_blocks=(1,), rescale=0.5, modality=2.0)
AUDIO_GUIDANCE = Guidance(cfg=5.0, stg=0.5, stg_blocks=(0, 2), modality=3.0)
HEAD_COUNTS = (2, 4)  # 4 ranks split 2 heads by gathering keys, 4 heads by Ulysses
STEPS = 3


def _prompt(seed: int) -> PromptEmbedding:
    g = torch.Generator().manual_seed(seed)
    return PromptEmbedding(
        torch.randn(1, 4, 32, generator=g),
        torch.randn(1, 4, 16, generator=g),
        torch.ones(1, 4, dtype=torch.bool),
    )


def guided_clip(
    guidance_group: dist.ProcessGroup | None = None, sequence_group: dist.ProcessGroup | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Three guided steps of a 17-frame clip at 25 fps whose first latent frame is held clean."""
    model = tiny_transformer(0)
    split_sequence(model, sequence_group)
    latent = empty_av_latent(
        96, 64, 17, Fraction(25), 1, video_channels=16, audio_bins=2, compression=LTX2_COMPRESSION
    )
    mask = torch.ones(1, 1, 3, 1, 1)
    mask[:, :, 0] = 0
    g = torch.Generator().manual_seed(4)
    video = latent.video.clone()
    video[:, :, :1] = torch.randn(1, 16, 1, 2, 3, generator=g)
    latent = replace(latent, video=video, video_mask=mask)
    out = sample_clip(
        model,
        latent,
        _prompt(0),
        _prompt(1),
        ltx2_sigmas(STEPS),
        seed=7,
        video_guidance=VIDEO_GUIDANCE,
        audio_guidance=AUDIO_GUIDANCE,
        guidance_group=guidance_group,
    )
    return out.video, out.audio


def transformer_outputs(
    heads: int, sequence_group: dist.ProcessGroup | None = None
) -> dict[str, torch.Tensor]:
    """One call on a batch of two: partial denoise masks, a self-attention bias, and per-sample
    skips (the second sample skips video self-attention in block 1 and the A/V cross-attention)."""
    model = tiny_transformer(0, **heads_config(heads))
    split_sequence(model, sequence_group)
    video, audio = tiny_streams(model, batch=2, frames=3)
    g = torch.Generator().manual_seed(9)
    v_mask = torch.ones(2, 18)
    v_mask[:, :6] = 0.0
    v_mask[1, 6:9] = 0.5
    bias = torch.randn(2, 1, 18, 18, generator=g) * 0.5
    video = replace(video, denoise_mask=MaskLevels.of(v_mask), self_attention_bias=bias)
    audio = replace(audio, denoise_mask=torch.tensor([[1.0, 1, 0.25, 1, 1], [0, 1, 1, 1, 1]]))
    perturbations = Perturbations(
        ((), (skip(Skip.VIDEO_SELF, (1,)), skip(Skip.AUDIO_TO_VIDEO), skip(Skip.VIDEO_TO_AUDIO)))
    )
    with torch.inference_mode():
        v, a = model(video, audio, perturbations)
    return {"video": v, "audio": a}


def heads_config(heads: int) -> dict:
    """The tiny config with ``heads`` heads per stream, its widths kept (its contexts have them)."""
    return {
        "video_heads": heads,
        "video_head_dim": 32 // heads,
        "audio_heads": heads,
        "audio_head_dim": 16 // heads,
    }


def _counted(compute, *args):
    """``compute(*args)`` and what this rank sent doing it: (result, (bytes, collectives))."""
    TRAFFIC.reset()
    result = compute(*args)
    return result, (TRAFFIC.bytes_sent, TRAFFIC.calls)


def single_process_results() -> dict:
    return {
        "guided_clip": guided_clip(),
        **{f"transformer_{h}_heads": transformer_outputs(h) for h in HEAD_COUNTS},
    }


def rank_results(engines: tuple[str, ...]) -> dict:
    """On every rank of the default group: the guided clip with its passes shared, with its
    tokens split, and (at 4 ranks) both on a 2×2 mesh; the transformer call with its tokens
    split, through each all-to-all engine."""
    world = dist.get_world_size()
    guidance = make_mesh(world)
    sequence = make_mesh(1)
    clip, sent = _counted(guided_clip, guidance.guidance_group)
    out = {"guidance_parallel/guided_clip": clip, "traffic/guidance_parallel": sent}
    for engine in engines:
        set_all_to_all_engine(engine)
        out[f"sequence_parallel[{engine}]/guided_clip"] = guided_clip(sequence_group=sequence.sequence_group)
        for h in HEAD_COUNTS:
            result, sent = _counted(transformer_outputs, h, sequence.sequence_group)
            out[f"sequence_parallel[{engine}]/transformer_{h}_heads"] = result
            out[f"traffic/{engine}/transformer_{h}_heads"] = sent
    if world == 4:
        hybrid = make_mesh(2)
        out["hybrid_2x2/guided_clip"] = guided_clip(hybrid.guidance_group, hybrid.sequence_group)
    return out
