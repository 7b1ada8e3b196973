"""Talkies Preview Clip: look at and listen to frames and sound in the graph without saving them.

The clip is written to ComfyUI's temp folder (emptied at start-up) and shown like a saved one:
the player with the sound drawn under the frames (see clip_ui.py).
"""

from __future__ import annotations

import torch

from ..model.media.fps import as_fps
from ..model.pipeline.save import Destination, write_clip
from . import host
from .clip_ui import clip_entry, clips_ui
from .host import io
from .inputs import loudness_input, loudness_target
from .save_clip import clip_inputs, split_clips
from .types import CATEGORY

PREVIEW_PREFIX = "talkies_preview"
PREVIEW_CRF = 23  # a preview is watched once: smaller files, still clean at preview sizes


class TalkiesPreviewClip(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesPreviewClip",
            display_name="Talkies Preview Clip",
            category=f"{CATEGORY}/output",
            description="Plays frames and sound in the graph, with the waveform and where sounds start "
            "drawn under the frames, without saving anything to the output folder.",
            search_aliases=["preview video", "preview audio", "player"],
            inputs=[
                *clip_inputs(),
                loudness_input(
                    "Normalise the sound's loudness for listening, as Save Clip would; "
                    "'off' plays it as generated."
                ),
            ],
            outputs=[],
            is_output_node=True,
        )

    @classmethod
    def execute(
        cls, images: torch.Tensor, fps: float, loudness: str, audio: dict | None = None
    ) -> io.NodeOutput:
        target = loudness_target(loudness)
        rate, root = as_fps(fps), host.temp_directory()
        entries = []
        for frames, sound in split_clips(images, audio):
            host.check_interrupt()
            written = write_clip(
                Destination.in_folder(root, PREVIEW_PREFIX),
                frames,
                rate,
                sound,
                crf=PREVIEW_CRF,
                loudness=target,
            )
            entries.append(clip_entry(written, root, "temp", target))
        return io.NodeOutput(ui=clips_ui(entries))
