"""Talkies Save Clip (MP4): frames and sound into one MP4 any player or platform takes, with a preview.

Its UI output (the player with the sound drawn under the frames) is described in clip_ui.py.
"""

from __future__ import annotations

import torch

from ..model.media.fps import as_fps
from ..model.pipeline.save import Destination, check_destination, write_clip
from . import host
from .clip_ui import clip_entry, clips_ui
from .host import io
from .inputs import flag_input, fps_input, int_input, loudness_input, loudness_target
from .types import CATEGORY


def clip_inputs() -> list:
    """The frames, sound and frame rate a clip output node takes (Save Clip, Preview Clip)."""
    return [
        io.Image.Input("images", tooltip="The frames (from Talkies Decode or any IMAGE)."),
        io.Audio.Input(
            "audio",
            optional=True,
            tooltip="The sound (any AUDIO, any sample rate); it is fitted to the frames' length.",
        ),
        fps_input("Frame rate; wire Talkies Decode's fps here. 23.976 and 29.97 mean NTSC."),
    ]


def split_clips(images: torch.Tensor, audio: dict | None) -> list[tuple[torch.Tensor, dict | None]]:
    """One (frames, sound) pair per clip: a batch of B sounds splits the frames into B equal clips."""
    if images.dim() == 3:
        images = images[None]
    if audio is None or audio["waveform"].dim() < 3 or audio["waveform"].shape[0] == 1:
        return [(images, audio)]
    clips = audio["waveform"].shape[0]
    if images.shape[0] % clips:
        raise ValueError(
            f"{images.shape[0]} frames do not split into {clips} clips (the sound has a batch of {clips}); "
            "give one sound per clip or a single sound"
        )
    per_clip = images.shape[0] // clips
    return [
        (images[i * per_clip : (i + 1) * per_clip], {**audio, "waveform": audio["waveform"][i : i + 1]})
        for i in range(clips)
    ]


class TalkiesSaveClip(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesSaveClip",
            display_name="Talkies Save Clip (MP4)",
            category=f"{CATEGORY}/output",
            description="Saves frames and sound as one MP4 (H.264 + AAC, sound sample-exact to the frames, "
            "streamable) in ComfyUI's output folder, with the workflow inside, and previews it with sound. "
            "Takes IMAGE and AUDIO from any node; also outputs a core VIDEO.",
            search_aliases=["save video", "mp4", "export"],
            inputs=[
                *clip_inputs(),
                io.String.Input(
                    "filename_prefix",
                    default="talkies/clip",
                    tooltip="File name start inside the output folder; may name a subfolder, "
                    "e.g. 'talkies/clip' → output/talkies/clip_00001_.mp4. Files stay inside the "
                    "output folder: absolute paths and '..' are refused.",
                ),
                loudness_input(
                    "Normalise the sound's loudness (with a −1 dBTP peak ceiling): −14 LUFS "
                    "suits social platforms, −16 podcasts and Apple, −23 broadcast (EBU R128)."
                ),
                int_input("crf", 19, 1, 51, "H.264 quality: lower is better and larger; 17–23 is usual."),
                flag_input(
                    "ten_bit",
                    False,
                    "10-bit colour (H.264 High 10): smoother gradients, but some players and platforms "
                    "cannot play it.",
                ),
            ],
            outputs=[io.Video.Output(display_name="video", tooltip="The saved clip, for core video nodes.")],
            hidden=[io.Hidden.prompt, io.Hidden.extra_pnginfo],
            is_output_node=True,
        )

    @classmethod
    def validate_inputs(cls, filename_prefix: str | None = None) -> bool | str:
        """Where the clip will go is checked before the workflow runs, not after its sampling."""
        if filename_prefix is None:
            return True
        try:
            check_destination(Destination.in_folder(host.output_directory(), filename_prefix))
        except (ValueError, OSError) as exc:
            return str(exc)
        return True

    @classmethod
    def _metadata(cls) -> dict | None:
        if not host.metadata_enabled():
            return None
        metadata = dict(cls.hidden.extra_pnginfo or {})
        if cls.hidden.prompt is not None:
            metadata["prompt"] = cls.hidden.prompt
        return metadata or None

    @classmethod
    def execute(
        cls,
        images: torch.Tensor,
        fps: float,
        filename_prefix: str,
        loudness: str,
        crf: int,
        ten_bit: bool,
        audio: dict | None = None,
    ) -> io.NodeOutput:
        lufs = loudness_target(loudness)
        rate = as_fps(fps)
        root = host.output_directory()
        destination = Destination.in_folder(root, filename_prefix)
        entries, first = [], None
        for frames, sound in split_clips(images, audio):
            host.check_interrupt()
            saved = write_clip(
                destination,
                frames,
                rate,
                sound,
                crf=crf,
                ten_bit=ten_bit,
                loudness=lufs,
                metadata=cls._metadata(),
            )
            host.record_output(saved)
            entries.append(clip_entry(saved, root, "output", lufs))
            first = first or saved
        return io.NodeOutput(host.video_from_file(first), ui=clips_ui(entries))
