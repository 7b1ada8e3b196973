"""What a checkpoint generates best with: size, length, frame rate, steps and guidance per stream."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from ..media.image_prep import DEFAULT_IMAGE_CRF
from ..sampling.guidance import (
    LTX2_AUDIO_GUIDANCE,
    LTX2_VIDEO_GUIDANCE,
    LTX23_AUDIO_GUIDANCE,
    LTX23_VIDEO_GUIDANCE,
    Guidance,
)
from .load import TalkiesModel


@dataclass(kw_only=True, frozen=True)
class Defaults:
    width: int
    height: int
    frames: int
    fps: Fraction
    steps: int
    video: Guidance
    audio: Guidance
    shift_by_tokens: bool
    image_crf: int = DEFAULT_IMAGE_CRF  # the H.264 CRF a conditioning image is re-compressed at


# The reference pipelines' values: 121 frames at 768×512, 24 fps; 40 steps for LTX-2.0, 30 for 2.3.
LTX20_DEFAULTS = Defaults(
    width=768,
    height=512,
    frames=121,
    fps=Fraction(24),
    steps=40,
    video=LTX2_VIDEO_GUIDANCE,
    audio=LTX2_AUDIO_GUIDANCE,
    shift_by_tokens=False,
)
LTX23_DEFAULTS = replace(LTX20_DEFAULTS, steps=30, video=LTX23_VIDEO_GUIDANCE, audio=LTX23_AUDIO_GUIDANCE)
# 2.4 and later continue 2.3's line (30 steps, STG on block 28); their images were trained less
# compressed, so the reference re-compresses a conditioning image at CRF 18.
LTX25_DEFAULTS = replace(LTX23_DEFAULTS, image_crf=18)
BY_GENERATION = {"2.0": LTX20_DEFAULTS, "2.3": LTX23_DEFAULTS, "2.5": LTX25_DEFAULTS}


def defaults_for(model: TalkiesModel) -> Defaults:
    """What a checkpoint generates best with: its own ``talkies`` section, else LTX-2's pipeline values.

    The section may name, per stream, ``<stream>_cfg`` and ``<stream>_modality`` (1: off)."""
    t = model.defaults
    if t:

        def stream(name: str) -> Guidance:
            return Guidance(
                cfg=float(t.get(f"{name}_cfg", 1.0)), modality=float(t.get(f"{name}_modality", 1.0))
            )

        return Defaults(
            width=int(t.get("width", 128)),
            height=int(t.get("height", 128)),
            frames=int(t.get("frames", 49)),
            fps=Fraction(t.get("fps", "24")),
            steps=int(t.get("steps", 16)),
            video=stream("video"),
            audio=stream("audio"),
            shift_by_tokens=True,
        )
    return BY_GENERATION.get(model.generation, LTX20_DEFAULTS)
