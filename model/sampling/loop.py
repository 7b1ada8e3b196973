"""The joint denoising loop: guided x0 predictions, masked tokens kept clean, Euler steps.

Everything here works on token layouts (B, N, C). A latent state carries the current
sample, the clean values of conditioning tokens, the per-token denoise mask and the
token positions. Noise comes from a CPU generator so a seed gives the same clip anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import torch
import torch.distributed as dist

from ..parallel.guidance import PassShare
from ..text.conditioner import PromptEmbedding
from ..transformer.model import AVTransformer, MaskLevels, Stream
from ..transformer.perturbations import Perturbations, SkipRule
from .guidance import Guidance, GuidancePass, PassKind, plan_passes
from .pass_batching import free_device_bytes, pass_activation_bytes, should_batch


@dataclass(kw_only=True)
class LatentState:
    latent: torch.Tensor  # (B, N, C)
    clean: torch.Tensor  # (B, N, C): the values masked tokens are pinned to
    mask: torch.Tensor  # (B, N): 1 = generate, 0 = keep clean, in between = partial
    positions: torch.Tensor  # (B, axes, N, 2)
    attention_bias: torch.Tensor | None = None
    # (B, N) bool: video tokens of a clip's causal first latent frame (one pixel frame each),
    # which LTX-2.5 marks with a learned embedding; None for audio.
    single_frame: torch.Tensor | None = None

    @staticmethod
    def empty(tokens: torch.Tensor, positions: torch.Tensor) -> LatentState:
        b, n, _ = tokens.shape
        return LatentState(
            latent=tokens,
            clean=tokens.clone(),
            mask=torch.ones(b, n, device=tokens.device),
            positions=positions,
        )


def draw_noise(shape: torch.Size, generator: torch.Generator | Sequence[torch.Generator]) -> torch.Tensor:
    """Gaussian noise on the CPU: from one generator, or row k of the batch from generator k."""
    if isinstance(generator, torch.Generator):
        return torch.randn(shape, generator=generator, dtype=torch.float32, device="cpu")
    if len(generator) != shape[0]:
        raise ValueError(f"{len(generator)} noise generators for a batch of {shape[0]}; give one per clip")
    return torch.cat([draw_noise((1, *shape[1:]), g) for g in generator])


def add_noise(
    state: LatentState, generator: torch.Generator | Sequence[torch.Generator], scale: float = 1.0
) -> LatentState:
    """Replace the generated part with Gaussian noise drawn on the CPU (token layout)."""
    noise = draw_noise(state.latent.shape, generator).to(device=state.latent.device, dtype=state.latent.dtype)
    m = (state.mask * scale)[..., None].to(state.latent.dtype)
    return replace(state, latent=noise * m + state.latent * (1 - m))


def to_x0(x: torch.Tensor, velocity: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
    """x0 = x − v · t with per-token t = σ · mask, computed in float32."""
    return (x.float() - velocity.float() * timesteps[..., None].float()).to(x.dtype)


def pin_clean(x0: torch.Tensor, state: LatentState) -> torch.Tensor:
    m = state.mask[..., None]
    return (x0 * m + state.clean.float() * (1 - m)).to(x0.dtype)


def euler_step(x: torch.Tensor, x0: torch.Tensor, sigma: float, sigma_next: float) -> torch.Tensor:
    velocity = ((x.float() - x0.float()) / sigma).to(x.dtype)
    return (x.float() + velocity.float() * (sigma_next - sigma)).to(x.dtype)


@dataclass(kw_only=True)
class StepPreview:
    """What a progress callback sees after each step."""

    step: int
    total: int
    sigma: float
    video_x0: torch.Tensor
    audio_x0: torch.Tensor


def _stacked(passes: list[Stream], denoise_mask: MaskLevels) -> Stream:
    """One stream's inputs of several guidance passes as one batch."""
    first = passes[0]

    def cat(tensors) -> torch.Tensor:
        return torch.cat(list(tensors), dim=0)

    bias = None if first.self_attention_bias is None else cat(p.self_attention_bias for p in passes)
    single = None if first.single_frame_tokens is None else cat(p.single_frame_tokens for p in passes)
    return replace(
        first,
        single_frame_tokens=single,
        latent=cat(p.latent for p in passes),
        positions=cat(p.positions for p in passes),
        sigma=cat(p.sigma for p in passes),
        context=cat(p.context for p in passes),
        denoise_mask=denoise_mask,
        self_attention_bias=bias,
    )


def _repeat_levels(levels: MaskLevels, times: int) -> MaskLevels:
    """The same mask for ``times`` stacked copies of the batch (no host sync)."""
    return MaskLevels(levels.levels, None if levels.index is None else levels.index.repeat(times, 1))


class Denoiser:
    """Guided x0 prediction for both streams at one σ, reusing work the plan allows.

    ``batch_passes``: run the guidance passes as one batch (True), one after another (False),
    or batch them when the device's memory allows ("auto", decided once per shape).
    ``always_skip``: attention layers switched off in every pass (e.g. to measure what the
    audio↔video cross-attention contributes).
    ``guidance_group``: a process group whose ranks share each step's passes (every rank calls
    the denoiser with the same inputs and gets the same prediction).
    """

    def __init__(
        self,
        model: AVTransformer,
        prompt: PromptEmbedding,
        negative: PromptEmbedding | None,
        video_guidance: Guidance,
        audio_guidance: Guidance,
        batch_passes: bool | Literal["auto"] = "auto",
        always_skip: tuple[SkipRule, ...] = (),
        guidance_group: dist.ProcessGroup | None = None,
    ) -> None:
        if batch_passes not in (True, False, "auto"):
            raise ValueError(f"batch_passes must be True, False or 'auto'; got {batch_passes!r}")
        self.model = model
        self.prompt = prompt
        self.negative = negative
        self.video_guidance = video_guidance
        self.audio_guidance = audio_guidance
        self.passes = plan_passes(video_guidance, audio_guidance)
        if any(p.negative_prompt for p in self.passes) and negative is None:
            raise ValueError("CFG above 1 needs a negative prompt (an empty one is fine)")
        self.batch_passes = batch_passes
        self.always_skip = tuple(always_skip)
        self.guidance_group = guidance_group
        self._auto_batch: dict[tuple, bool] = {}
        self._last: tuple[torch.Tensor, torch.Tensor] | None = None
        self._levels: dict[int, MaskLevels] = {}
        self._skips: dict[tuple, Perturbations] = {}

    def _perturbations(self, batch: int, passes: tuple[GuidancePass, ...]) -> Perturbations:
        """Built once per (batch, passes) so their per-block keep factors are cached too."""
        key = (batch, passes)
        if key not in self._skips:
            self._skips[key] = Perturbations(
                sum((((p.rules + self.always_skip),) * batch for p in passes), ())
            )
        return self._skips[key]

    def _batching(self, video: LatentState, audio: LatentState, passes: int) -> bool:
        if self.batch_passes != "auto":
            return bool(self.batch_passes)
        key = (video.latent.shape, audio.latent.shape, passes)
        if key not in self._auto_batch:
            b, v_tokens, _ = video.latent.shape
            a_tokens, text_tokens = audio.latent.shape[1], self.prompt.video.shape[1]
            pass_bytes = pass_activation_bytes(
                self.model.cfg, v_tokens, a_tokens, text_tokens, b, video.latent.dtype
            )
            self._auto_batch[key] = should_batch(passes, pass_bytes, free_device_bytes(video.latent.device))
        return self._auto_batch[key]

    def _levels_of(self, state: LatentState) -> MaskLevels:
        key = id(state.mask)
        if key not in self._levels:
            self._levels[key] = MaskLevels.of(state.mask)
        return self._levels[key]

    def _streams(
        self, video: LatentState, audio: LatentState, sigma: torch.Tensor, p: GuidancePass, step: int
    ) -> tuple[Stream, Stream]:
        prompt = self.negative if p.negative_prompt else self.prompt
        # The conditional-side passes skip a stream whose guidance reuses its last prediction;
        # the negative pass runs both, as the reference does.
        v_on = p.negative_prompt or not self.video_guidance.skips(step)
        a_on = p.negative_prompt or not self.audio_guidance.skips(step)
        dtype = video.latent.dtype

        def stream(state: LatentState, context: torch.Tensor, enabled: bool) -> Stream:
            return Stream(
                latent=state.latent,
                positions=state.positions,
                sigma=sigma,
                context=context.to(dtype),
                denoise_mask=self._levels_of(state),
                self_attention_bias=state.attention_bias,
                enabled=enabled,
                single_frame_tokens=state.single_frame,
            )

        v, a = stream(video, prompt.video, v_on), stream(audio, prompt.audio, a_on)
        return v, a

    def _run(
        self,
        passes: list[GuidancePass],
        video: LatentState,
        audio: LatentState,
        sigma: torch.Tensor,
        step: int,
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        b = video.latent.shape[0]
        if len(passes) == 1 or not self._batching(video, audio, len(passes)):
            out = []
            for p in passes:
                v, a = self._streams(video, audio, sigma, p, step)
                out.append(self.model(v, a, self._perturbations(b, (p,))))
            return out
        streams = [self._streams(video, audio, sigma, p, step) for p in passes]
        if len({(v.enabled, a.enabled) for v, a in streams}) > 1:
            return self._run_unbatched(passes, video, audio, sigma, step)
        v = _stacked([v for v, _ in streams], _repeat_levels(self._levels_of(video), len(passes)))
        a = _stacked([a for _, a in streams], _repeat_levels(self._levels_of(audio), len(passes)))
        vo, ao = self.model(v, a, self._perturbations(b, tuple(passes)))
        return list(zip(vo.split(b), ao.split(b), strict=True))

    def _run_plan(
        self, video: LatentState, audio: LatentState, sigma: torch.Tensor, step: int
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Every planned pass's velocities, this rank's share run here when the passes are shared."""
        if self.guidance_group is None:
            return self._run(self.passes, video, audio, sigma, step)
        share = PassShare.of(len(self.passes), self.guidance_group)
        mine = [self.passes[i] for i in share.mine]
        results = self._run(mine, video, audio, sigma, step) if mine else []
        return share.gather(results, video.latent, audio.latent)

    def _run_unbatched(self, passes, video, audio, sigma, step):
        batch_passes, self.batch_passes = self.batch_passes, False
        try:
            return self._run(passes, video, audio, sigma, step)
        finally:
            self.batch_passes = batch_passes

    def __call__(
        self, video: LatentState, audio: LatentState, sigma: float, step: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        vg, ag = self.video_guidance, self.audio_guidance
        if self._last is not None and vg.skips(step) and ag.skips(step):
            return self._last
        b = video.latent.shape[0]
        sig = torch.full((b,), sigma, device=video.latent.device, dtype=torch.float32)
        results = dict(
            zip([p.kind for p in self.passes], self._run_plan(video, audio, sig, step), strict=True)
        )
        v_t = video.mask * sigma
        a_t = audio.mask * sigma
        x0 = {k: (to_x0(video.latent, v, v_t), to_x0(audio.latent, a, a_t)) for k, (v, a) in results.items()}
        cond = x0[PassKind.COND]

        def other(kind: PassKind, i: int):
            return x0[kind][i] if kind in x0 else 0.0

        video_x0 = vg.combine(
            cond[0], other(PassKind.UNCOND, 0), other(PassKind.PERTURBED, 0), other(PassKind.ISOLATED, 0)
        )
        audio_x0 = ag.combine(
            cond[1], other(PassKind.UNCOND, 1), other(PassKind.PERTURBED, 1), other(PassKind.ISOLATED, 1)
        )
        if self._last is not None:
            video_x0 = self._last[0] if vg.skips(step) else video_x0
            audio_x0 = self._last[1] if ag.skips(step) else audio_x0
        self._last = (video_x0, audio_x0)
        return video_x0, audio_x0


def denoise(
    denoiser: Callable[[LatentState, LatentState, float, int], tuple[torch.Tensor, torch.Tensor]],
    video: LatentState,
    audio: LatentState,
    sigmas: torch.Tensor,
    on_step: Callable[[StepPreview], None] | None = None,
) -> tuple[LatentState, LatentState]:
    """Euler over ``sigmas``; conditioning tokens stay at their clean values."""
    values = [float(s) for s in sigmas]
    total = len(values) - 1
    for i in range(total):
        video_x0, audio_x0 = denoiser(video, audio, values[i], i)
        video_x0 = pin_clean(video_x0, video)
        audio_x0 = pin_clean(audio_x0, audio)
        video = replace(video, latent=euler_step(video.latent, video_x0, values[i], values[i + 1]))
        audio = replace(audio, latent=euler_step(audio.latent, audio_x0, values[i], values[i + 1]))
        if on_step is not None:
            on_step(
                StepPreview(
                    step=i + 1, total=total, sigma=values[i + 1], video_x0=video_x0, audio_x0=audio_x0
                )
            )
    return video, audio
