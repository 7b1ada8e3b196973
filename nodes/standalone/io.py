"""The part of ComfyUI's node API (``comfy_api.latest.io``) our nodes use, for running them without ComfyUI.

Same names and attributes as ComfyUI's, so a node file is written once against either:
schemas, typed inputs and outputs (with their widget options), hidden inputs and NodeOutput.
Only what the pack's nodes and the headless runner read is here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class UploadType(str, Enum):
    image = "image_upload"
    audio = "audio_upload"
    video = "video_upload"


class Hidden(str, Enum):
    unique_id = "UNIQUE_ID"
    prompt = "PROMPT"
    extra_pnginfo = "EXTRA_PNGINFO"


class Input:
    io_type = "*"

    def __init__(
        self,
        id: str,
        display_name: str | None = None,
        optional: bool = False,
        tooltip: str | None = None,
        default: Any = None,
        **options: Any,
    ) -> None:
        self.id = id
        self.display_name = display_name
        self.optional = optional
        self.tooltip = tooltip
        self.default = default
        self.min = options.pop("min", None)
        self.max = options.pop("max", None)
        self.step = options.pop("step", None)
        self.options = options.pop("options", None)
        self.multiline = options.pop("multiline", False)
        self.control_after_generate = options.pop("control_after_generate", None)
        self.upload = options.pop("upload", None)
        self.force_input = options.pop("force_input", None)
        self.advanced = options.pop("advanced", None)
        self.extra = options

    def get_io_type(self) -> str:
        return self.io_type


class Output:
    io_type = "*"

    def __init__(
        self,
        id: str | None = None,
        display_name: str | None = None,
        tooltip: str | None = None,
        is_output_list: bool = False,
    ) -> None:
        self.id = id
        self.display_name = display_name or id
        self.tooltip = tooltip
        self.is_output_list = is_output_list

    def get_io_type(self) -> str:
        return self.io_type


def _comfy_type(io_type: str) -> type:
    """A type holder with nested Input and Output classes, as ComfyUI's ``io.Int`` etc."""
    return type(
        io_type.title(),
        (),
        {
            "io_type": io_type,
            "Input": type("Input", (Input,), {"io_type": io_type}),
            "Output": type("Output", (Output,), {"io_type": io_type}),
        },
    )


Int = _comfy_type("INT")
Float = _comfy_type("FLOAT")
String = _comfy_type("STRING")
Boolean = _comfy_type("BOOLEAN")
Combo = _comfy_type("COMBO")
Image = _comfy_type("IMAGE")
Mask = _comfy_type("MASK")
Audio = _comfy_type("AUDIO")
Latent = _comfy_type("LATENT")
Video = _comfy_type("VIDEO")

_CUSTOM: dict[str, type] = {}


def Custom(io_type: str) -> type:  # noqa: N802 (ComfyUI's name)
    if io_type not in _CUSTOM:
        _CUSTOM[io_type] = _comfy_type(io_type)
    return _CUSTOM[io_type]


@dataclass(kw_only=True)
class Schema:
    node_id: str
    display_name: str | None = None
    category: str = "sd"
    inputs: list[Input] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    hidden: list[Hidden] = field(default_factory=list)
    description: str = ""
    search_aliases: list[str] = field(default_factory=list)
    is_output_node: bool = False
    not_idempotent: bool = False


class HiddenHolder:
    def __init__(self, unique_id: str | None = None, prompt: Any = None, extra_pnginfo: Any = None) -> None:
        self.unique_id = unique_id
        self.prompt = prompt
        self.extra_pnginfo = extra_pnginfo


class ComfyNode:
    hidden: HiddenHolder = HiddenHolder()

    @classmethod
    @abstractmethod
    def define_schema(cls) -> Schema: ...

    @classmethod
    @abstractmethod
    def execute(cls, **kwargs: Any) -> NodeOutput: ...

    @classmethod
    def validate_inputs(cls, **kwargs: Any) -> bool | str:
        raise NotImplementedError

    @classmethod
    def fingerprint_inputs(cls, **kwargs: Any) -> Any:
        raise NotImplementedError


class NodeOutput:
    def __init__(self, *args: Any, ui: dict | None = None) -> None:
        self.args = args
        self.ui = ui

    @property
    def result(self) -> tuple | None:
        return self.args if self.args else None


class ComfyExtension(ABC):
    async def on_load(self) -> None:
        return None

    @abstractmethod
    async def get_node_list(self) -> list[type[ComfyNode]]: ...
