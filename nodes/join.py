"""Talkies Join Clips: two clips back to back, frames and sound, sample-exact."""

from __future__ import annotations

from ..model.media.fps import as_fps
from ..model.media.waveform import Waveform
from ..model.pipeline.join import ClipPart, join_clips
from .host import io
from .inputs import clip_outputs, fps_input, scale_input
from .types import CATEGORY


class TalkiesJoinClips(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesJoinClips",
            display_name="Talkies Join Clips",
            category=f"{CATEGORY}/clips",
            description="Puts clip B after clip A. Each clip's sound is fitted to exactly its frames' "
            "duration first, so the joined sound lasts exactly as long as the joined frames.",
            inputs=[
                io.Image.Input("images_a", tooltip="The first clip's frames."),
                io.Audio.Input("audio_a", tooltip="The first clip's sound (its rate sets the result's)."),
                io.Image.Input("images_b", tooltip="The second clip's frames (same size as the first)."),
                io.Audio.Input("audio_b", tooltip="The second clip's sound, any rate or layout."),
                fps_input("Both clips' frame rate."),
                scale_input(
                    "seam_fade_ms",
                    2.0,
                    50.0,
                    "A short fade out and in at the seam so two unrelated sounds do not click; 0 joins "
                    "the samples as they are.",
                    step=0.5,
                ),
            ],
            outputs=clip_outputs(),
        )

    @classmethod
    def execute(
        cls, images_a, audio_a: dict, images_b, audio_b: dict, fps: float, seam_fade_ms: float = 2.0
    ) -> io.NodeOutput:
        rate = as_fps(fps)
        joined = join_clips(
            [
                ClipPart(images_a, Waveform.from_audio(audio_a), rate),
                ClipPart(images_b, Waveform.from_audio(audio_b), rate),
            ],
            seam_fade=seam_fade_ms / 1000.0,
        )
        return io.NodeOutput(joined.images, joined.audio.as_audio(), float(rate))
