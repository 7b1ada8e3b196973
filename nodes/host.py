"""Everything the nodes need from their host: ComfyUI when they run inside it, else a standalone stand-in.

This is the only module that touches ``comfy``, ``comfy_api``, ``folder_paths`` or ``server``.
Inside ComfyUI (detected by ComfyUI's modules already being loaded, never by importing
them) it hands out ComfyUI's node API, model folders, device, model management, progress
bar, interrupt flag and output folder. Standalone (tests, ``python -m talkies run``) it
hands out our stand-ins: the node API of ``standalone_io``, folders set by
:func:`configure_standalone`, a plain progress log and an interrupt flag of our own.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger(__name__)

INSIDE_COMFYUI = "comfy_api.latest" in sys.modules and "folder_paths" in sys.modules

if INSIDE_COMFYUI:
    import comfy.model_management as model_management
    import comfy.model_patcher as model_patcher
    import comfy.nested_tensor
    import comfy.utils
    import folder_paths
    from comfy.cli_args import args as comfy_args
    from comfy_api.latest import ComfyExtension, InputImpl, io
    from comfy_execution.utils import get_executing_context
else:
    from .standalone import io as io
    from .standalone.io import ComfyExtension

__all__ = ["INSIDE_COMFYUI", "ComfyExtension", "io"]

MODEL_EXTENSIONS = (".safetensors", ".sft")
TALKIES_FOLDER = "talkies"


# ---------------------------------------------------------------- standalone settings


@dataclass
class StandaloneFolders:
    output: Path = field(default_factory=lambda: Path.cwd() / "output")
    input: Path = field(default_factory=Path.cwd)
    models: Path | None = None
    temp: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "talkies-previews")


_standalone = StandaloneFolders()
_interrupt = threading.Event()
_current_node = threading.local()


def configure_standalone(
    *,
    output: Path | None = None,
    input: Path | None = None,
    models: Path | None = None,
    temp: Path | None = None,
) -> None:
    """Folders for standalone runs: outputs, inputs (images to load), a ComfyUI-style models folder
    and the folder of preview-only files. A new output folder starts a new list of recorded outputs."""
    if output is not None:
        _standalone.output = Path(output)
        _written.clear()
    if temp is not None:
        _standalone.temp = Path(temp)
    if input is not None:
        _standalone.input = Path(input)
    if models is not None:
        _standalone.models = Path(models)


class Interrupted(Exception):
    """A standalone run was asked to stop (see :func:`request_interrupt`)."""


def request_interrupt() -> None:
    """Ask a standalone run to stop at its next check (ComfyUI has its own Cancel button)."""
    _interrupt.set()


def clear_interrupt() -> None:
    _interrupt.clear()


@contextmanager
def running_node(node_id: str) -> Iterator[None]:
    """Standalone: which node is running, for messages and progress."""
    _current_node.id = node_id
    try:
        yield
    finally:
        _current_node.id = None


def current_node_id() -> str | None:
    if INSIDE_COMFYUI:
        context = get_executing_context()
        return None if context is None else context.node_id
    return getattr(_current_node, "id", None)


# ---------------------------------------------------------------- folders


def register_model_folder() -> None:
    """ComfyUI: add ``models/talkies`` to ComfyUI's model folders (idempotent)."""
    if not INSIDE_COMFYUI:
        return
    path = os.path.join(folder_paths.models_dir, TALKIES_FOLDER)
    folder_paths.add_model_folder_path(TALKIES_FOLDER, path, is_default=True)
    folder_paths.folder_names_and_paths[TALKIES_FOLDER][1].update(MODEL_EXTENSIONS)


def model_folders(kind: str) -> list[Path]:
    """The folders of one kind of model (talkies, checkpoints, diffusion_models, text_encoders)."""
    if INSIDE_COMFYUI:
        try:
            return [Path(p) for p in folder_paths.get_folder_paths(kind)]
        except KeyError:
            return []
    return [] if _standalone.models is None else [_standalone.models / kind]


def model_files(kind: str) -> list[str]:
    """Checkpoint files of one kind, as names relative to their folder."""
    if INSIDE_COMFYUI:
        try:
            names = folder_paths.get_filename_list(kind)
        except KeyError:
            return []
        return [n for n in names if n.lower().endswith(MODEL_EXTENSIONS)]
    names = set()
    for folder in model_folders(kind):
        if folder.is_dir():
            names.update(
                p.relative_to(folder).as_posix()
                for p in folder.rglob("*")
                if p.suffix.lower() in MODEL_EXTENSIONS
            )
    return sorted(names)


def model_file(kind: str, name: str) -> Path | None:
    if INSIDE_COMFYUI:
        try:
            found = folder_paths.get_full_path(kind, name)
        except KeyError:
            found = None
        return None if found is None else Path(found)
    for folder in model_folders(kind):
        if (folder / name).is_file():
            return folder / name
    return None


def input_directory() -> Path:
    return Path(folder_paths.get_input_directory()) if INSIDE_COMFYUI else _standalone.input


def output_directory() -> Path:
    return Path(folder_paths.get_output_directory()) if INSIDE_COMFYUI else _standalone.output


def temp_directory() -> Path:
    """Where preview-only files go (ComfyUI empties its temp folder at start-up)."""
    return Path(folder_paths.get_temp_directory()) if INSIDE_COMFYUI else _standalone.temp


def metadata_enabled() -> bool:
    """False when ComfyUI runs with --disable-metadata."""
    return not (INSIDE_COMFYUI and comfy_args.disable_metadata)


# ---------------------------------------------------------------- devices and memory


def compute_device() -> torch.device:
    if INSIDE_COMFYUI:
        return model_management.get_torch_device()
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def device_choices() -> list[str]:
    extra = [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.device_count() > 1 else []
    return ["default", "cpu", *extra]


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


def placer(stream_transformer: bool = False) -> Callable | None:
    """ComfyUI: a placer (see TalkiesModel) that lets ComfyUI's model management load each part
    onto the GPU, account for it, and offload it when another model needs the memory. With
    ``stream_transformer`` the transformer's blocks stream through the device instead, after
    ComfyUI has made room for a few of them. Standalone: None (the model's own policy applies)."""
    if not INSIDE_COMFYUI:
        return None
    from ..model.offload.placement import working

    patchers: dict[str, Any] = {}

    @contextmanager
    def place(part: str, module: torch.nn.Module, device: torch.device) -> Iterator[torch.nn.Module]:
        if stream_transformer and part == "transformer" and device.type == "cuda":
            model_management.free_memory(
                4 * _block_bytes(module) + model_management.minimum_inference_memory(), device
            )
            with working(module, device, "stream") as streamed:
                yield streamed
            return
        patcher = patchers.get(part)
        if patcher is None or patcher.model.part is not module:
            patcher = model_patcher.CoreModelPatcher(
                _carrier(part, module),
                load_device=device,
                offload_device=model_management.unet_offload_device(),
            )
            patchers[part] = patcher
        model_management.load_models_gpu([patcher], force_full_load=True)
        yield module

    return place


# ---------------------------------------------------------------- latents


class StandaloneNested:
    """Two or more tensors travelling as one LATENT ``samples`` value, as ComfyUI's NestedTensor."""

    is_nested = True

    def __init__(self, tensors) -> None:
        self.tensors = list(tensors)

    def unbind(self) -> list[torch.Tensor]:
        return self.tensors


def nested(tensors: list[torch.Tensor]) -> Any:
    """The host's nested tensor of ``tensors`` (ComfyUI's NestedTensor inside ComfyUI)."""
    if INSIDE_COMFYUI:
        return comfy.nested_tensor.NestedTensor(tensors)
    return StandaloneNested(tensors)


# ---------------------------------------------------------------- progress, interrupts, messages


def check_interrupt() -> None:
    """Raise the host's interrupt exception if the user asked to stop."""
    if INSIDE_COMFYUI:
        model_management.throw_exception_if_processing_interrupted()
    elif _interrupt.is_set():
        _interrupt.clear()
        raise Interrupted("stopped on request")


ProgressListener = Callable[[str | None, int, int, torch.Tensor | None], None]
_progress_listeners: list[ProgressListener] = []


def add_progress_listener(listener: ProgressListener) -> None:
    """Standalone: call ``listener(node_id, value, total, picture or None)`` on every progress update."""
    _progress_listeners.append(listener)


def remove_progress_listener(listener: ProgressListener) -> None:
    _progress_listeners.remove(listener)


class Progress:
    """A progress bar on the running node, with an optional preview picture (H, W, 3) in 0..1."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._bar = comfy.utils.ProgressBar(total) if INSIDE_COMFYUI else None

    def update(self, value: int, picture: torch.Tensor | None = None) -> None:
        if self._bar is not None:
            preview = None if picture is None else ("JPEG", _pil(picture), comfy_args.preview_size)
            self._bar.update_absolute(value, self.total, preview)
            return
        node = current_node_id()
        log.info("node %s: %d/%d", node, value, self.total)
        for listener in list(_progress_listeners):
            listener(node, value, self.total, picture)


def _pil(picture: torch.Tensor):
    from PIL import Image

    return Image.fromarray((picture.clamp(0, 1) * 255).round().byte().cpu().numpy())


def tell(message: str) -> None:
    """Show a short message on the running node (ComfyUI draws it under the node) and log it."""
    log.warning(message)
    if INSIDE_COMFYUI:
        node = current_node_id()
        if node is not None:
            from server import PromptServer

            PromptServer.instance.send_progress_text(message, node)


# ---------------------------------------------------------------- outputs


def video_from_file(path: Path) -> Any:
    """A core VIDEO value for a saved clip (ComfyUI's VideoFromFile inside ComfyUI)."""
    if INSIDE_COMFYUI:
        return InputImpl.VideoFromFile(str(path))
    from .standalone.video import VideoFile

    return VideoFile(path)


_written: list[Path] = []


def record_output(path: Path) -> None:
    """Standalone: note a file a node wrote, for the runner to report."""
    if not INSIDE_COMFYUI:
        _written.append(Path(path))


def take_recorded_outputs() -> list[Path]:
    """The files written since the last call, in order."""
    files = list(_written)
    _written.clear()
    return files
