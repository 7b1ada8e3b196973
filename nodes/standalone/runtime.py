"""The standalone host: what the nodes get from their host when no ComfyUI is running.

Folders set by :func:`configure_standalone` (outputs, inputs, a ComfyUI-style models folder,
previews), the CPU or first CUDA device, progress as log lines and listener calls, an
interrupt flag of our own, and a record of the files nodes wrote, for the runner to report.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..folders import MODEL_EXTENSIONS

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class StandaloneFolders:
    output: Path = field(default_factory=lambda: Path.cwd() / "output")
    input: Path = field(default_factory=Path.cwd)
    models: Path | None = None
    temp: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "talkies-previews")


class Interrupted(Exception):
    """A standalone run was asked to stop (see :func:`request_interrupt`)."""


class StandaloneNested:
    """Two or more tensors travelling as one LATENT ``samples`` value, as ComfyUI's NestedTensor."""

    is_nested = True

    def __init__(self, tensors) -> None:
        self.tensors = list(tensors)

    def unbind(self) -> list[torch.Tensor]:
        return self.tensors


ProgressListener = Callable[[str | None, int, int, torch.Tensor | None], None]

_folders = StandaloneFolders()
_interrupt = threading.Event()
_current_node = threading.local()
_progress_listeners: list[ProgressListener] = []
_written: list[Path] = []


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
        _folders.output = Path(output)
        _written.clear()
    if temp is not None:
        _folders.temp = Path(temp)
    if input is not None:
        _folders.input = Path(input)
    if models is not None:
        _folders.models = Path(models)


def request_interrupt() -> None:
    """Ask a standalone run to stop at its next check (ComfyUI has its own Cancel button)."""
    _interrupt.set()


def clear_interrupt() -> None:
    _interrupt.clear()


@contextmanager
def running_node(node_id: str) -> Iterator[None]:
    """Which node is running, for messages and progress."""
    _current_node.id = node_id
    try:
        yield
    finally:
        _current_node.id = None


def add_progress_listener(listener: ProgressListener) -> None:
    """Call ``listener(node_id, value, total, picture or None)`` on every progress update."""
    _progress_listeners.append(listener)


def remove_progress_listener(listener: ProgressListener) -> None:
    _progress_listeners.remove(listener)


def take_recorded_outputs() -> list[Path]:
    """The files written since the last call, in order."""
    files = list(_written)
    _written.clear()
    return files


class StandaloneProgress:
    """Progress of the running node: a log line and a call to every listener."""

    def __init__(self, total: int) -> None:
        self.total = total

    def update(self, value: int, picture: torch.Tensor | None = None) -> None:
        node = getattr(_current_node, "id", None)
        log.info("node %s: %d/%d", node, value, self.total)
        for listener in list(_progress_listeners):
            listener(node, value, self.total, picture)


class StandaloneHost:
    """The host interface of :class:`~talkies.nodes.host.ComfyHost`, on this module's state."""

    Progress = StandaloneProgress
    # Standalone runs may also name files and folders by path.
    paths_allowed = True

    def current_node_id(self) -> str | None:
        return getattr(_current_node, "id", None)

    def register_model_folder(self) -> None:
        """Nothing to register: the models folder is set by :func:`configure_standalone`."""

    def model_folders(self, kind: str) -> list[Path]:
        return [] if _folders.models is None else [_folders.models / kind]

    def model_files(self, kind: str) -> list[str]:
        names = set()
        for folder in self.model_folders(kind):
            if folder.is_dir():
                found = (p for p in folder.rglob("*") if p.suffix.lower() in MODEL_EXTENSIONS)
                names.update(p.relative_to(folder).as_posix() for p in found)
        return sorted(names)

    def model_file(self, kind: str, name: str) -> Path | None:
        for folder in self.model_folders(kind):
            if (folder / name).is_file():
                return folder / name
        return None

    def input_directory(self) -> Path:
        return _folders.input

    def output_directory(self) -> Path:
        return _folders.output

    def temp_directory(self) -> Path:
        return _folders.temp

    def metadata_enabled(self) -> bool:
        return True

    def compute_device(self) -> torch.device:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def placer(self, stream_transformer: bool = False) -> Callable | None:
        """None: the model's own offload policy applies."""
        return None

    def nested(self, tensors: list[torch.Tensor]) -> Any:
        return StandaloneNested(tensors)

    def check_interrupt(self) -> None:
        if _interrupt.is_set():
            _interrupt.clear()
            raise Interrupted("stopped on request")

    def tell(self, message: str) -> None:
        """The message is logged by the caller; there is no node to draw it under."""

    def video_from_file(self, path: Path) -> Any:
        from .video import VideoFile

        return VideoFile(path)

    def record_output(self, path: Path) -> None:
        _written.append(Path(path))
