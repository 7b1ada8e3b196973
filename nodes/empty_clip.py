"""Talkies Empty Clip: the empty joint latent of a clip's size, length and frame rate."""

from __future__ import annotations

from fractions import Fraction

from ..model.pipeline.empty_clip import as_fps, empty_latent, frames_for_seconds, snap_frames, snap_pixel_size
from ..model.pipeline.load import TalkiesModel
from ..model.sampling.compression import VideoCompression
from .generation import tell_notes
from .host import io
from .inputs import fps_input, scale_input, size_inputs
from .latent_dict import to_latent_dict
from .types import CATEGORY, Model

UNITS = ("seconds", "frames")


def clip_frames(length: float, unit: str, fps: Fraction, compression: VideoCompression) -> int:
    """The valid frame count (tk+1; 8k+1 for LTX-2) for ``length`` seconds (the pack's one rule for a
    length in seconds) or nearest to ``length`` frames."""
    if unit not in UNITS:
        raise ValueError(f"unit must be seconds or frames; got {unit!r}")
    if not length > 0:
        raise ValueError(f"length must be positive; got {length}")
    if unit == "seconds":
        return frames_for_seconds(length, fps, compression)
    return snap_frames(round(float(length)), compression)


class TalkiesEmptyClip(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesEmptyClip",
            display_name="Talkies Empty Clip",
            category=f"{CATEGORY}/latent",
            description="An empty clip (picture and sound) to generate into. Sizes snap to what the model "
            "can make (for LTX-2 multiples of 32 pixels and 8k+1 frames; the model's VAE decides) and the "
            "node says when they did.",
            inputs=[
                Model.Input("model", tooltip="The model the clip is for (it sets the latent's channels)."),
                *size_inputs(),
                scale_input(
                    "length",
                    2.0,
                    10000.0,
                    "How long the clip is, in the unit below; snapped to whole latent frames (8k+1 frames "
                    "for LTX-2).",
                    step=0.01,
                    minimum=0.01,
                ),
                io.Combo.Input(
                    "unit",
                    options=list(UNITS),
                    default="seconds",
                    tooltip="Whether length counts seconds or frames.",
                ),
                fps_input("Frames per second; 23.976 and 29.97 mean the NTSC rates."),
                io.Int.Input(
                    "batch_size", default=1, min=1, max=64, tooltip="How many clips to generate at once."
                ),
            ],
            outputs=[io.Latent.Output(display_name="latent")],
        )

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        width: int,
        height: int,
        length: float,
        unit: str,
        fps: float,
        batch_size: int = 1,
    ) -> io.NodeOutput:
        rate, comp = as_fps(fps), model.video_compression
        frames = clip_frames(length, unit, rate, comp)
        snapped_w, snapped_h = snap_pixel_size(width, height, comp)
        notes = []
        if (snapped_w, snapped_h) != (width, height):
            notes.append(f"size {width}×{height} → {snapped_w}×{snapped_h} (multiples of {comp.space})")
        if unit == "seconds":
            asked, exact = f"{length:g} s", abs(frames / rate - length) < 1e-6
        else:
            asked, exact = f"{length:g} frames", frames == length
        if not exact:
            seconds = float(frames / rate)
            notes.append(f"length {asked} → {frames} frames = {seconds:.3f} s ({comp.time}k+1 frames)")
        ui = tell_notes(notes, "snapped: ")
        latent = empty_latent(model, snapped_w, snapped_h, frames, rate, batch_size)
        return io.NodeOutput(to_latent_dict(latent), ui=ui)
