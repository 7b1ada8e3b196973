"""Talkies Decode: a joint latent → IMAGE frames and AUDIO at the vocoder's true sample rate."""

from __future__ import annotations

from ..model.pipeline.decode import decode_audio, decode_video
from ..model.pipeline.load import TalkiesModel
from ..model.video_vae.tiling import VideoTiling
from . import host
from .host import io
from .inputs import clip_outputs, count_input
from .latent_dict import model_clip
from .types import CATEGORY, Model


class TalkiesDecode(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        defaults = VideoTiling()
        return io.Schema(
            node_id="TalkiesDecode",
            display_name="Talkies Decode",
            category=f"{CATEGORY}/latent",
            description="Decodes the picture in tiles (memory set by the tile size, not the clip length) "
            "and the sound through the vocoder, exactly as long as the frames last.",
            inputs=[
                Model.Input("model", tooltip="The model whose decoders to use."),
                io.Latent.Input("latent", tooltip="The generated clip (from Talkies Sampler)."),
                count_input(
                    "tile_size",
                    defaults.tile_pixels,
                    4096,
                    32,
                    "Spatial tile size in pixels; 0 decodes the whole frame at once.",
                ),
                count_input(
                    "tile_overlap",
                    defaults.overlap_pixels,
                    2048,
                    32,
                    "How many pixels neighbouring tiles share (blended, so no seams).",
                ),
                count_input(
                    "tile_frames",
                    defaults.tile_frames,
                    4096,
                    8,
                    "Temporal chunk length in frames; 0 decodes all frames at once.",
                ),
                count_input(
                    "tile_frames_overlap",
                    defaults.overlap_frames,
                    2048,
                    8,
                    "How many frames neighbouring chunks share.",
                ),
            ],
            outputs=clip_outputs("The clip's frame rate, for saving."),
        )

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        latent: dict,
        tile_size: int,
        tile_overlap: int,
        tile_frames: int,
        tile_frames_overlap: int,
    ) -> io.NodeOutput:
        clip, fps_known = model_clip(model, latent)
        if not fps_known:
            host.tell(f"the latent does not say its frame rate; assuming the model's {clip.fps} fps")
        tiling = VideoTiling(
            tile_pixels=tile_size,
            overlap_pixels=tile_overlap,
            tile_frames=tile_frames,
            overlap_frames=tile_frames_overlap,
        )
        host.check_interrupt()
        images = decode_video(model, clip, tiling)
        host.check_interrupt()
        audio = decode_audio(model, clip)
        return io.NodeOutput(images, audio.as_audio(), float(clip.fps))
