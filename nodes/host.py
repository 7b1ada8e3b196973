"""The nodes' host: ComfyUI when they run inside it, else the standalone runtime — chosen once, here.

This is the only module that touches ``comfy``, ``comfy_api``, ``folder_paths`` or ``server``.
Inside ComfyUI (detected by ComfyUI's modules already being loaded, never by importing
them) :class:`ComfyHost` hands out ComfyUI's node API, model folders, device, model
management, progress bar, interrupt flag and output folder. Anywhere else (tests,
``python -m talkies run``) :class:`~.standalone.runtime.StandaloneHost` hands out the
stand-ins. Nodes call the module-level names below and never ask which host they run on.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from .folders import MODEL_EXTENSIONS, TALKIES_FOLDER

log = logging.getLogger(__name__)

INSIDE_COMFYUI = "comfy_api.latest" in sys.modules and "folder_paths" in sys.modules


class _Carrier(torch.nn.Module):
    """Holds one part for ComfyUI's model patcher, which keeps its bookkeeping on the module it manages."""

    def __init__(self, part: torch.nn.Module) -> None:
        super().__init__()
        self.part = part


def _carrier(name: str, part: torch.nn.Module) -> _Carrier:
    """A carrier whose class names the part, for ComfyUI's log ("Requested to load Talkies_vocoder")."""
    return type(f"Talkies_{name}", (_Carrier,), {})(part)


def _block_bytes(module: torch.nn.Module) -> int:
    blocks = getattr(module, "transformer_blocks", None)
    if not blocks:
        return 0
    return sum(t.numel() * t.element_size() for t in blocks[0].state_dict().values())


class ComfyHost:
    """ComfyUI's folders, device, model management, progress bar, interrupts and messages."""

    # ComfyUI names model files from its own folders only.
    paths_allowed = False

    def __init__(self) -> None:
        import comfy.model_management as model_management
        import comfy.model_patcher as model_patcher
        import comfy.nested_tensor as nested_tensor
        import comfy.utils as comfy_utils
        import folder_paths
        from comfy.cli_args import args
        from comfy_api.latest import InputImpl
        from comfy_execution.utils import get_executing_context

        self._mm, self._patcher, self._nested = model_management, model_patcher, nested_tensor
        self._utils, self._folders, self._args = comfy_utils, folder_paths, args
        self._input_impl, self._context = InputImpl, get_executing_context
        host = self

        class Progress:
            """ComfyUI's progress bar on the running node, with an optional preview (H, W, 3) in 0..1."""

            def __init__(self, total: int) -> None:
                self.total = total
                self._bar = host._utils.ProgressBar(total)

            def update(self, value: int, picture: torch.Tensor | None = None) -> None:
                preview = None if picture is None else ("JPEG", _pil(picture), host._args.preview_size)
                self._bar.update_absolute(value, self.total, preview)

        self.Progress = Progress

    def current_node_id(self) -> str | None:
        context = self._context()
        return None if context is None else context.node_id

    def register_model_folder(self) -> None:
        path = os.path.join(self._folders.models_dir, TALKIES_FOLDER)
        self._folders.add_model_folder_path(TALKIES_FOLDER, path, is_default=True)
        self._folders.folder_names_and_paths[TALKIES_FOLDER][1].update(MODEL_EXTENSIONS)

    def model_folders(self, kind: str) -> list[Path]:
        try:
            return [Path(p) for p in self._folders.get_folder_paths(kind)]
        except KeyError:
            return []

    def model_files(self, kind: str) -> list[str]:
        try:
            names = self._folders.get_filename_list(kind)
        except KeyError:
            return []
        return [n for n in names if n.lower().endswith(MODEL_EXTENSIONS)]

    def model_file(self, kind: str, name: str) -> Path | None:
        try:
            found = self._folders.get_full_path(kind, name)
        except KeyError:
            found = None
        return None if found is None else Path(found)

    def input_directory(self) -> Path:
        return Path(self._folders.get_input_directory())

    def output_directory(self) -> Path:
        return Path(self._folders.get_output_directory())

    def temp_directory(self) -> Path:
        return Path(self._folders.get_temp_directory())

    def metadata_enabled(self) -> bool:
        return not self._args.disable_metadata

    def compute_device(self) -> torch.device:
        return self._mm.get_torch_device()

    def placer(self, stream_transformer: bool = False) -> Callable | None:
        from ..model.offload.placement import working

        mm, patchers = self._mm, {}

        @contextmanager
        def place(part: str, module: torch.nn.Module, device: torch.device) -> Iterator[torch.nn.Module]:
            if stream_transformer and part == "transformer" and device.type == "cuda":
                mm.free_memory(4 * _block_bytes(module) + mm.minimum_inference_memory(), device)
                with working(module, device, "stream") as streamed:
                    yield streamed
                return
            patcher = patchers.get(part)
            if patcher is None or patcher.model.part is not module:
                patcher = self._patcher.CoreModelPatcher(
                    _carrier(part, module), load_device=device, offload_device=mm.unet_offload_device()
                )
                patchers[part] = patcher
            mm.load_models_gpu([patcher], force_full_load=True)
            yield module

        return place

    def nested(self, tensors: list[torch.Tensor]) -> Any:
        return self._nested.NestedTensor(tensors)

    def check_interrupt(self) -> None:
        self._mm.throw_exception_if_processing_interrupted()

    def tell(self, message: str) -> None:
        node = self.current_node_id()
        if node is not None:
            from server import PromptServer

            PromptServer.instance.send_progress_text(message, node)

    def video_from_file(self, path: Path) -> Any:
        return self._input_impl.VideoFromFile(str(path))

    def record_output(self, path: Path) -> None:
        """ComfyUI keeps its own record of outputs (the node's ``ui``)."""


def _pil(picture: torch.Tensor):
    from PIL import Image

    return Image.fromarray((picture.clamp(0, 1) * 255).round().byte().cpu().numpy())


if INSIDE_COMFYUI:
    from comfy_api.latest import ComfyExtension, io

    HOST: Any = ComfyHost()
else:
    from .standalone import io
    from .standalone.io import ComfyExtension
    from .standalone.runtime import StandaloneHost

    HOST = StandaloneHost()


def device_choices() -> list[str]:
    """ComfyUI's device, the CPU, each GPU, and with several GPUs all of them (a worker pool)."""
    gpus = [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.device_count() > 1 else []
    return ["default", "cpu", *gpus, *([",".join(gpus)] if gpus else [])]


def tell(message: str) -> None:
    """Show a short message on the running node (ComfyUI draws it under the node) and log it."""
    log.warning(message)
    HOST.tell(message)


# What nodes call; each is the chosen host's.
PATHS_ALLOWED: bool = HOST.paths_allowed
Progress = HOST.Progress
current_node_id = HOST.current_node_id
register_model_folder = HOST.register_model_folder
model_folders = HOST.model_folders
model_files = HOST.model_files
model_file = HOST.model_file
input_directory = HOST.input_directory
output_directory = HOST.output_directory
temp_directory = HOST.temp_directory
metadata_enabled = HOST.metadata_enabled
compute_device = HOST.compute_device
placer = HOST.placer
nested = HOST.nested
check_interrupt = HOST.check_interrupt
video_from_file = HOST.video_from_file
record_output = HOST.record_output

__all__ = ["HOST", "INSIDE_COMFYUI", "ComfyExtension", "io"]
