"""Talkies Guidance: per-stream CFG, STG, modality guidance and rescale for the sampler."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.load import TalkiesModel
from ..model.sampling.guidance import LTX2_AUDIO_GUIDANCE as A
from ..model.sampling.guidance import LTX2_VIDEO_GUIDANCE as V
from ..model.sampling.guidance import Guidance
from .host import io
from .inputs import problem_with, scale_input, text_input
from .types import CATEGORY, GuidanceType


@dataclass(frozen=True)
class GuidanceChoice:
    """Guidance for both streams; empty ``stg_blocks`` take the model's recommended blocks."""

    video: Guidance
    audio: Guidance


def parse_blocks(text: str) -> tuple[int, ...]:
    """ "28, 29" → (28, 29)."""
    try:
        blocks = tuple(int(v) for v in text.replace(";", ",").split(",") if v.strip())
    except ValueError:
        raise ValueError(
            f"stg_blocks must be block numbers separated by commas, e.g. '29'; got {text!r}"
        ) from None
    if any(b < 0 for b in blocks):
        raise ValueError(f"stg_blocks must be block numbers from 0; got {text!r}")
    return blocks


def resolve_guidance(model: TalkiesModel, choice: GuidanceChoice | None) -> tuple[Guidance, Guidance]:
    """(video, audio) guidance: the model's recommendation, or the choice with STG blocks filled in."""
    d = defaults_for(model)
    if choice is None:
        return d.video, d.audio
    layers = model.transformer_config.num_layers
    resolved = []
    for mine, recommended in ((choice.video, d.video), (choice.audio, d.audio)):
        if mine.uses_perturbed and not mine.stg_blocks:
            if not recommended.stg_blocks:
                raise ValueError(
                    f"this model recommends no STG blocks; set stg_blocks (0..{layers - 1}) or stg to 0"
                )
            mine = replace(mine, stg_blocks=recommended.stg_blocks)
        bad = [b for b in mine.stg_blocks if b >= layers]
        if bad:
            raise ValueError(f"stg_blocks {bad} do not exist; this model has blocks 0..{layers - 1}")
        resolved.append(mine)
    return resolved[0], resolved[1]


class TalkiesGuidance(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesGuidance",
            display_name="Talkies Guidance",
            category=f"{CATEGORY}/sampling",
            description="How strongly each stream follows the prompt. Without this node the sampler uses "
            "the model's recommended guidance. The defaults are LTX-2's recommended values.",
            search_aliases=["cfg", "stg", "guider"],
            inputs=[
                scale_input(
                    "video_cfg",
                    V.cfg,
                    30.0,
                    "Video prompt guidance (CFG); 1 turns it off and halves the work.",
                ),
                scale_input("audio_cfg", A.cfg, 30.0, "Audio prompt guidance (CFG); 1 turns it off."),
                scale_input(
                    "video_stg",
                    V.stg,
                    10.0,
                    "Spatio-temporal guidance for the video: steers away "
                    "from a prediction with self-attention skipped in the STG blocks; 0 turns it off.",
                ),
                scale_input(
                    "audio_stg", A.stg, 10.0, "Spatio-temporal guidance for the audio; 0 turns it off."
                ),
                text_input(
                    "stg_blocks",
                    "Transformer blocks STG skips, e.g. '29'; empty: the model's recommended blocks.",
                ),
                scale_input(
                    "video_modality",
                    V.modality,
                    10.0,
                    "Modality guidance for the video: how much the "
                    "picture follows the sound (steers away from a prediction without audio-video "
                    "attention); 1 is off.",
                ),
                scale_input(
                    "audio_modality",
                    A.modality,
                    10.0,
                    "Modality guidance for the audio: how much the sound follows the picture; 1 is off.",
                ),
                scale_input(
                    "rescale",
                    V.rescale,
                    1.0,
                    "Pulls the guided prediction's spread back towards the "
                    "plain one, against over-saturation at high guidance; 0 is off.",
                    step=0.01,
                ),
            ],
            outputs=[GuidanceType.Output(display_name="guidance")],
        )

    @classmethod
    def validate_inputs(cls, stg_blocks: str | None = None) -> bool | str:
        return problem_with(parse_blocks, stg_blocks or "")

    @classmethod
    def execute(
        cls,
        video_cfg: float,
        audio_cfg: float,
        video_stg: float,
        audio_stg: float,
        stg_blocks: str,
        video_modality: float,
        audio_modality: float,
        rescale: float,
    ) -> io.NodeOutput:
        blocks = parse_blocks(stg_blocks)
        video = Guidance(
            cfg=video_cfg, stg=video_stg, stg_blocks=blocks, rescale=rescale, modality=video_modality
        )
        audio = Guidance(
            cfg=audio_cfg, stg=audio_stg, stg_blocks=blocks, rescale=rescale, modality=audio_modality
        )
        return io.NodeOutput(GuidanceChoice(video, audio))
