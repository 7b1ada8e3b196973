"""Multimodal guidance: per-stream CFG, STG, modality isolation and rescale.

Each stream's prediction (in denoised, x0, space) is

    cond + (cfg − 1)(cond − uncond) + stg (cond − perturbed) + (modality − 1)(cond − isolated)

where ``uncond`` uses the negative prompt, ``perturbed`` skips self-attention in the STG
blocks of the streams that ask for STG, and ``isolated`` skips audio↔video cross-attention.
Rescale pulls the result's spread back towards that of ``cond``. A pass is only run when
some stream's scale makes it matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

import torch

from ..transformer.perturbations import Skip, SkipRule, skip


@dataclass(kw_only=True, frozen=True)
class Guidance:
    cfg: float = 1.0
    stg: float = 0.0
    stg_blocks: tuple[int, ...] = field(default_factory=tuple)
    rescale: float = 0.0
    modality: float = 1.0
    skip_step: int = 0

    def __post_init__(self) -> None:
        if self.skip_step < 0:
            raise ValueError(f"skip_step must be ≥ 0, got {self.skip_step}")
        if not 0.0 <= self.rescale <= 1.0:
            raise ValueError(f"rescale must be within 0..1, got {self.rescale}")

    @property
    def uses_uncond(self) -> bool:
        return not math.isclose(self.cfg, 1.0)

    @property
    def uses_perturbed(self) -> bool:
        return not math.isclose(self.stg, 0.0)

    @property
    def uses_isolated(self) -> bool:
        return not math.isclose(self.modality, 1.0)

    def skips(self, step: int) -> bool:
        """Reuse the previous prediction on this step (every ``skip_step + 1``-th step runs)."""
        return self.skip_step > 0 and step % (self.skip_step + 1) != 0

    def combine(
        self,
        cond: torch.Tensor,
        uncond: torch.Tensor | float = 0.0,
        perturbed: torch.Tensor | float = 0.0,
        isolated: torch.Tensor | float = 0.0,
    ) -> torch.Tensor:
        pred = (
            cond
            + (self.cfg - 1) * (cond - uncond)
            + self.stg * (cond - perturbed)
            + (self.modality - 1) * (cond - isolated)
        )
        if self.rescale != 0:
            factor = cond.std() / pred.std()
            pred = pred * (self.rescale * factor + (1 - self.rescale))
        return pred


class PassKind(Enum):
    COND = "cond"
    UNCOND = "uncond"
    PERTURBED = "perturbed"
    ISOLATED = "isolated"


@dataclass(frozen=True)
class GuidancePass:
    kind: PassKind
    rules: tuple[SkipRule, ...] = ()

    @property
    def negative_prompt(self) -> bool:
        return self.kind == PassKind.UNCOND


def plan_passes(video: Guidance, audio: Guidance) -> list[GuidancePass]:
    """The transformer evaluations one guided step needs, conditional first."""
    passes = [GuidancePass(PassKind.COND)]
    if video.uses_uncond or audio.uses_uncond:
        passes.append(GuidancePass(PassKind.UNCOND))
    if video.uses_perturbed or audio.uses_perturbed:
        rules = []
        if video.uses_perturbed:
            rules.append(skip(Skip.VIDEO_SELF, video.stg_blocks))
        if audio.uses_perturbed:
            rules.append(skip(Skip.AUDIO_SELF, audio.stg_blocks))
        passes.append(GuidancePass(PassKind.PERTURBED, tuple(rules)))
    if video.uses_isolated or audio.uses_isolated:
        passes.append(GuidancePass(PassKind.ISOLATED, (skip(Skip.AUDIO_TO_VIDEO), skip(Skip.VIDEO_TO_AUDIO))))
    return passes


# The reference pipelines' defaults for the full (non-distilled) models.
LTX2_VIDEO_GUIDANCE = Guidance(cfg=3.0, stg=1.0, stg_blocks=(29,), rescale=0.7, modality=3.0)
LTX2_AUDIO_GUIDANCE = Guidance(cfg=7.0, stg=1.0, stg_blocks=(29,), rescale=0.7, modality=3.0)
LTX23_VIDEO_GUIDANCE = Guidance(cfg=3.0, stg=1.0, stg_blocks=(28,), rescale=0.7, modality=3.0)
LTX23_AUDIO_GUIDANCE = Guidance(cfg=7.0, stg=1.0, stg_blocks=(28,), rescale=0.7, modality=3.0)
