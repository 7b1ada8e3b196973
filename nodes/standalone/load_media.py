"""ComfyUI's core "LoadVideo", "GetVideoComponents" and "LoadAudio" for headless runs, so the
shipped Add Sound and Animate to Sound workflows run without ComfyUI.

Only the headless runner registers them (inside ComfyUI the core nodes run); their inputs and
outputs are the core nodes' own, so one workflow file serves both.
"""

from __future__ import annotations

from ...model.media.mp4 import read_clip
from .. import host
from ..host import io
from .input_files import InputFileLoader

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", *VIDEO_SUFFIXES)


class LoadVideo(InputFileLoader):
    NODE_ID, DISPLAY_NAME, CATEGORY = "LoadVideo", "Load Video", "video"
    INPUT, SUFFIXES, UPLOAD, WHAT = "file", VIDEO_SUFFIXES, io.UploadType.video, "video"
    TOOLTIP = "A video in the input folder, or a path to one."

    @classmethod
    def outputs(cls) -> list:
        return [io.Video.Output(display_name="VIDEO")]

    @classmethod
    def validate_inputs(cls, file: str) -> bool | str:
        return cls.problem(file)

    @classmethod
    def execute(cls, file: str) -> io.NodeOutput:
        return io.NodeOutput(host.video_from_file(cls.path(file)))


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


class LoadAudio(InputFileLoader):
    NODE_ID, DISPLAY_NAME, CATEGORY = "LoadAudio", "Load Audio", "audio"
    INPUT, SUFFIXES, UPLOAD, WHAT = "audio", AUDIO_SUFFIXES, io.UploadType.audio, "sound"
    TOOLTIP = "A sound (or a video's sound track) in the input folder, or a path to one."

    @classmethod
    def outputs(cls) -> list:
        return [io.Audio.Output(display_name="AUDIO")]

    @classmethod
    def validate_inputs(cls, audio: str) -> bool | str:
        return cls.problem(audio)

    @classmethod
    def execute(cls, audio: str) -> io.NodeOutput:
        path = cls.path(audio)
        sound = read_clip(path, pictures=False).sound()
        if sound is None:
            raise ValueError(f"{path.name} has no sound stream")
        return io.NodeOutput(sound.as_audio())
