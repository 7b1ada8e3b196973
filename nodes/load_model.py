"""Talkies Load Model: a checkpoint (built-in, Talkies or LTX-2) and its text encoder."""

from __future__ import annotations

from . import model_handle
from .host import device_choices, io
from .inputs import choice_input
from .types import CATEGORY, Model

TIPS = {
    "ckpt": "The model: the built-in toy-world model (runs on a CPU in seconds), or a Talkies / LTX-2 "
    "checkpoint from models/talkies, models/checkpoints, or a transformer-only file from "
    "models/diffusion_models (its VAEs then come from models/vae: see video_vae and audio_vae).",
    "text": "The text encoder: the one the checkpoint names (the built-in model's ships with the pack), or a "
    "folder under models/text_encoders (LTX-2.0/2.3 need the Gemma 3 folder), or LTX-2.5's Gemma 4 file "
    "gemma4-12b-with-proj-ltx-2.5-bf16.safetensors there.",
    "dtype": "Weight precision: auto picks bf16 on a GPU and fp32 on a CPU; fp8 halves the transformer's "
    "memory (real fp8 matmuls on RTX 40xx / H100 and newer).",
    "device": "Where the model computes: default is ComfyUI's device (the GPU if there is one). A list "
    "(cuda:0,cuda:1,…) samples on all of them: one worker process per GPU, started with the model's first "
    "sampling and stopped with the model.",
    "video_vae": "For a transformer-only file (models/diffusion_models): the video VAE file from models/vae. "
    "auto: the checkpoint's own, else the one file in models/vae that fits this transformer.",
    "audio_vae": "For a transformer-only file: the audio VAE file (with its vocoder) from models/vae. auto: "
    "the checkpoint's own, else the one file in models/vae that fits this transformer.",
    "text_projection": "LTX-2.0/2.3 transformer-only files: the text projection file from "
    "models/text_encoders (LTX-2.5 keeps it in its Gemma 4 file). auto: the checkpoint's own, else the one "
    "that fits.",
    "offload": "auto: each part moves onto the device while it works, and ComfyUI offloads it when other "
    "models need the memory. stream: the transformer's blocks stream through the GPU a few at a time, for "
    "cards too small to hold it.",
}


class TalkiesLoadModel(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesLoadModel",
            display_name="Talkies Load Model",
            category=f"{CATEGORY}/loaders",
            description="Loads a joint audio-video model once; every node wired to it shares it.",
            search_aliases=["ltx-2", "ltx2", "audio video model", "load talkies"],
            inputs=[
                choice_input(
                    "ckpt_name", model_handle.checkpoint_choices(), model_handle.BUILTIN_CHOICE, TIPS["ckpt"]
                ),
                choice_input(
                    "text_encoder",
                    model_handle.text_encoder_choices(),
                    model_handle.FROM_CHECKPOINT,
                    TIPS["text"],
                ),
                choice_input("dtype", model_handle.DTYPE_CHOICES, "auto", TIPS["dtype"]),
                choice_input("device", device_choices(), "default", TIPS["device"]),
                choice_input("offload", model_handle.OFFLOADS, "auto", TIPS["offload"], advanced=True),
                *(
                    choice_input(
                        c.argument,
                        model_handle.component_choices(c),
                        model_handle.AUTO,
                        TIPS[c.argument],
                        optional=True,
                    )
                    for c in model_handle.COMPONENTS
                ),
            ],
            outputs=[Model.Output(display_name="model")],
        )

    @classmethod
    def validate_inputs(cls, ckpt_name: str) -> bool | str:
        return model_handle.checkpoint_problem(ckpt_name) or True

    @classmethod
    def fingerprint_inputs(cls, ckpt_name: str, **_) -> str:
        problem = model_handle.checkpoint_problem(ckpt_name)
        if problem:
            return problem
        path = model_handle.checkpoint_path(ckpt_name)
        return f"{path}:{path.stat().st_mtime_ns}"

    @classmethod
    def execute(
        cls,
        ckpt_name: str,
        text_encoder: str,
        dtype: str,
        device: str,
        offload: str = "auto",
        **components: str,
    ) -> io.NodeOutput:
        return io.NodeOutput(
            model_handle.open_model(ckpt_name, text_encoder, dtype, device, offload, components)
        )
