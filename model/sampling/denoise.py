"""Sampling a clip's latents: masks and keyframes in, seeded noise, guided denoising, latents out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal

import torch
import torch.distributed as dist

from ..text.conditioner import PromptEmbedding
from ..transformer.model import AVTransformer
from ..transformer.perturbations import SkipRule
from ..transformer.predict import first_frame_tokens
from .av_latent import AVLatent
from .conditioning import append_keyframe, append_reference, drop_appended
from .guidance import Guidance
from .latents import audio_latent, audio_positions, audio_tokens, video_latent, video_positions, video_tokens
from .loop import Denoiser, LatentState, StepPreview, add_noise, denoise
from .schedule import check_sigmas

NO_GUIDANCE = Guidance()


def _batched(prompt: PromptEmbedding, batch: int, dtype: torch.dtype, device) -> PromptEmbedding:
    p = prompt.to(device, dtype)
    if p.video.shape[0] == batch:
        return p
    if p.video.shape[0] != 1:
        raise ValueError(
            f"{p.video.shape[0]} prompts for a batch of {batch}; give one prompt or one per clip"
        )
    return PromptEmbedding(
        p.video.expand(batch, -1, -1), p.audio.expand(batch, -1, -1), p.mask.expand(batch, -1)
    )


def initial_states(latent: AVLatent, device, dtype) -> tuple[LatentState, LatentState]:
    """Token states with the clip's masks and keyframes applied (before noise)."""
    b, _, f, h, w = latent.video.shape
    t = latent.audio.shape[2]
    v_tokens = video_tokens(latent.video).to(device, dtype)
    a_tokens = audio_tokens(latent.audio).to(device, dtype)
    video = LatentState(
        latent=v_tokens,
        clean=v_tokens.clone(),
        mask=latent.video_token_mask().to(device),
        positions=video_positions(
            b,
            f,
            h,
            w,
            latent.fps,
            start=latent.video_start,
            causal=latent.causal_start,
            compression=latent.compression,
            device=device,
        ),
        # A window that starts later (an extension's tail) has no latent frame of one pixel frame:
        # none marked, so a transformer with a first-frame embedding (LTX-2.5) still gets its mask.
        single_frame=first_frame_tokens(b, f, h, w, device)
        if latent.causal_start
        else torch.zeros(b, f * h * w, dtype=torch.bool, device=device),
    )
    audio_pos = audio_positions(b, t, start=latent.audio_start, causal=latent.causal_start, device=device)
    audio = LatentState(
        latent=a_tokens,
        clean=a_tokens.clone(),
        mask=latent.audio_token_mask().to(device),
        positions=audio_pos,
    )
    for k in latent.keyframes:
        frame = k.pixel_frame + latent.video_start
        video = append_keyframe(
            video, k.latent.to(device, dtype), frame, latent.fps, k.strength, compression=latent.compression
        )
    for r in latent.references:
        video = append_reference(
            video,
            r.latent.to(device, dtype),
            latent.fps,
            r.strength,
            downscale=r.downscale,
            compression=latent.compression,
        )
    return video, audio


def sample_clip(
    model: AVTransformer,
    latent: AVLatent,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    sigmas: torch.Tensor,
    *,
    seed: int | None = None,
    seeds: Sequence[int] | None = None,
    generator: torch.Generator | None = None,
    video_guidance: Guidance = NO_GUIDANCE,
    audio_guidance: Guidance = NO_GUIDANCE,
    batch_passes: bool | Literal["auto"] = "auto",
    on_step: Callable[[StepPreview], None] | None = None,
    always_skip: tuple[SkipRule, ...] = (),
    guidance_group: dist.ProcessGroup | None = None,
) -> AVLatent:
    """Denoise ``latent`` along ``sigmas``; tokens whose mask is below 1 keep (part of) their values,
    and a stream whose mask is 0 everywhere (Add Sound's picture, Animate to Sound's sound) is
    not guided: only the passes the generated stream's guidance needs run.

    Noise is drawn from a CPU generator seeded with ``seed`` (video first, then audio, in
    token order), scaled by the first σ so a partial schedule refines rather than replaces;
    or from ``generator`` as it stands, so stages of one generation continue one noise stream;
    or, with ``seeds`` (one per clip of the batch), clip k's from its own generator seeded
    ``seeds[k]``, so that it is the noise a batch of one with ``seed=seeds[k]`` draws.

    ``guidance_group``: ranks that share each step's guidance passes (``Denoiser``); every rank
    of it calls this with the same arguments and gets the same latents.
    """
    if sum(x is not None for x in (seed, seeds, generator)) != 1:
        raise ValueError("give the noise a seed, one seed per clip, or a generator (one of them)")
    sigmas = check_sigmas(sigmas)
    device, dtype = next(model.parameters()).device, model.dtype
    b = latent.batch
    video, audio = initial_states(latent, device, dtype)
    own_tokens = video_tokens(latent.video).shape[1]
    # A stream held clean everywhere gets no guidance: its passes would only recompute what is
    # pinned anyway (its tokens still run, for the other stream attends to them).
    if not bool((video.mask[:, :own_tokens] > 0).any()):
        video_guidance = NO_GUIDANCE
    if not bool((audio.mask > 0).any()):
        audio_guidance = NO_GUIDANCE
    if seeds is not None:
        generator = [torch.Generator().manual_seed(int(s)) for s in seeds]
    elif generator is None:
        generator = torch.Generator().manual_seed(int(seed))
    scale = float(sigmas[0])
    video, audio = add_noise(video, generator, scale), add_noise(audio, generator, scale)
    denoiser = Denoiser(
        model,
        _batched(prompt, b, dtype, device),
        None if negative is None else _batched(negative, b, dtype, device),
        video_guidance,
        audio_guidance,
        batch_passes=batch_passes,
        always_skip=always_skip,
        guidance_group=guidance_group,
    )
    with torch.inference_mode():
        video, audio = denoise(denoiser, video, audio, sigmas, on_step)
    video = drop_appended(video, own_tokens)
    _, _, f, h, w = latent.video.shape
    return replace(
        latent,
        video=video_latent(video.latent, f, h, w).to(latent.video.dtype),
        audio=audio_latent(audio.latent, latent.audio.shape[1]).to(latent.audio.dtype),
        keyframes=(),
        references=(),
    )
