"""Talkies LoRA: a LoRA from ComfyUI's loras folder on the model's transformer; chain several."""

from __future__ import annotations

from pathlib import Path

from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.lora import add_lora
from . import host
from .folders import LORA_FOLDER
from .host import io
from .inputs import problem_with
from .model_handle import folder_file
from .types import CATEGORY, Model


def lora_path(name: str) -> Path:
    return folder_file((LORA_FOLDER,), name, "LoRA")


class TalkiesLoRA(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesLoRA",
            display_name="Talkies LoRA",
            category=f"{CATEGORY}/loaders",
            description="Adds a LoRA (LTX-2 distilled, camera, style or IC-LoRA files as published) to the "
            "model's transformer. Chain several; each keeps its own strength.",
            search_aliases=["lora", "ltx-2 lora", "distilled lora"],
            inputs=[
                Model.Input(
                    "model", tooltip="The model to add the LoRA to (from Talkies Load Model or LoRA)."
                ),
                io.Combo.Input(
                    "lora_name",
                    options=host.model_files(LORA_FOLDER),
                    tooltip=f"A LoRA file from models/{LORA_FOLDER}.",
                ),
                io.Float.Input(
                    "strength",
                    default=1.0,
                    min=-10.0,
                    max=10.0,
                    step=0.01,
                    tooltip="How much of the LoRA's change to apply; 0 leaves the model exactly as it is.",
                ),
            ],
            outputs=[Model.Output(display_name="model")],
        )

    @classmethod
    def validate_inputs(cls, lora_name: str) -> bool | str:
        return problem_with(lora_path, lora_name)

    @classmethod
    def execute(cls, model: TalkiesModel, lora_name: str, strength: float) -> io.NodeOutput:
        return io.NodeOutput(add_lora(model, lora_path(lora_name), strength))
