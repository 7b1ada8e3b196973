"""ComfyUI's core "LoadVideo", "GetVideoComponents" and "LoadAudio" for headless runs, so the
shipped Add Sound and Animate to Sound workflows run without ComfyUI.

Only the headless runner registers them (inside ComfyUI the core nodes run); their inputs and
outputs are the core nodes' own, so one workflow file serves both.
"""

from __future__ import annotations

from ...model.media.mp4 import read_clip
from .. import host
from ..host import io
from .input_files import input_choices, input_path, input_problem

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", *VIDEO_SUFFIXES)


class LoadVideo(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="LoadVideo",
            display_name="Load Video",
            category="video",
            inputs=[
                io.Combo.Input(
                    "file",
                    options=input_choices(VIDEO_SUFFIXES),
                    upload=io.UploadType.video,
                    tooltip="A video in the input folder, or a path to one.",
                )
            ],
            outputs=[io.Video.Output(display_name="VIDEO")],
        )

    @classmethod
    def validate_inputs(cls, file: str) -> bool | str:
        return input_problem(file, "video")

    @classmethod
    def execute(cls, file: str) -> io.NodeOutput:
        return io.NodeOutput(host.video_from_file(input_path(file, "video")))


class GetVideoComponents(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="GetVideoComponents",
            display_name="Get Video Components",
            category="video",
            inputs=[io.Video.Input("video", tooltip="The video to take apart.")],
            outputs=[
                io.Image.Output(display_name="images"),
                io.Audio.Output(display_name="audio"),
                io.Float.Output(display_name="fps"),
                io.Int.Output(display_name="bit_depth"),
            ],
        )

    @classmethod
    def execute(cls, video) -> io.NodeOutput:
        parts = video.get_components()
        return io.NodeOutput(parts.images, parts.audio, float(parts.frame_rate), video.get_bit_depth())


class LoadAudio(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="LoadAudio",
            display_name="Load Audio",
            category="audio",
            inputs=[
                io.Combo.Input(
                    "audio",
                    options=input_choices(AUDIO_SUFFIXES),
                    upload=io.UploadType.audio,
                    tooltip="A sound (or a video's sound track) in the input folder, or a path to one.",
                )
            ],
            outputs=[io.Audio.Output(display_name="AUDIO")],
        )

    @classmethod
    def validate_inputs(cls, audio: str) -> bool | str:
        return input_problem(audio, "sound")

    @classmethod
    def execute(cls, audio: str) -> io.NodeOutput:
        path = input_path(audio, "sound")
        clip = read_clip(path, pictures=False)
        if clip.waveform is None:
            raise ValueError(f"{path.name} has no sound stream")
        return io.NodeOutput({"waveform": clip.waveform[None], "sample_rate": clip.sample_rate})
