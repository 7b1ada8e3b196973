"""Which checkpoints and text encoders the Load node offers, and one shared model per choice."""

from __future__ import annotations

import logging
import threading
import weakref
from pathlib import Path

import torch

from ..model.pipeline.load import (
    BUILTIN_NAME,
    COMPONENTS,
    DTYPE_CHOICES,
    Checkpoint,
    Component,
    TalkiesModel,
    builtin_checkpoint,
    components_in,
    is_gemma4_file,
    match_component,
)
from . import host
from .folders import CHECKPOINT_KINDS

log = logging.getLogger(__name__)

BUILTIN_CHOICE = f"built-in: {BUILTIN_NAME.removesuffix('.safetensors')}"
FROM_CHECKPOINT = "from checkpoint"
# A component file chosen by the pairing rule (model/loading/component_match.py).
AUTO = "auto"

OFFLOADS = ("auto", "stream")

_models: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_lock = threading.Lock()


def folder_file(kinds: tuple[str, ...], name: str, what: str) -> Path:
    """The file ``name`` in the first of ComfyUI's ``kinds`` model folders that has it (standalone:
    or a path), else an error saying where to put it; ``what`` names the file for the message."""
    for kind in kinds:
        found = host.model_file(kind, name)
        if found is not None:
            return found
    if host.PATHS_ALLOWED and Path(name).expanduser().is_file():
        return Path(name).expanduser()
    folders = ", ".join(f"models/{k}" for k in kinds)
    where = folders if len(kinds) == 1 else f"one of {folders}"
    raise FileNotFoundError(
        f"{what} {name!r} was not found; put the .safetensors file in {where} and refresh the node list"
    )


def checkpoint_choices() -> list[str]:
    """The built-in model first, then the checkpoint files of the talkies, checkpoints and
    diffusion_models folders."""
    names = [BUILTIN_CHOICE]
    for kind in CHECKPOINT_KINDS:
        names += [n for n in host.model_files(kind) if n not in names]
    return names


def checkpoint_path(choice: str) -> Path:
    """The file behind a checkpoint choice; standalone runs also accept a file path."""
    if choice == BUILTIN_CHOICE:
        return builtin_checkpoint()
    return folder_file(CHECKPOINT_KINDS, choice, "checkpoint")


def checkpoint_problem(choice: str) -> str | None:
    """Why a checkpoint choice cannot load, or None (for validation before a run)."""
    try:
        checkpoint_path(choice)
    except FileNotFoundError as exc:
        return str(exc)
    return None


def text_encoder_choices() -> list[str]:
    """The checkpoint's own encoder, then every folder under text_encoders holding a config.json
    (Gemma 3 for LTX-2.0/2.3) and every single-file Gemma encoder there (Gemma 4 for LTX-2.5)."""
    found = []
    for root in host.model_folders("text_encoders"):
        if root.is_dir():
            found += sorted(p.parent.relative_to(root).as_posix() for p in root.rglob("config.json"))
            found += sorted(
                p.relative_to(root).as_posix() for p in root.rglob("*.safetensors") if is_gemma4_file(p)
            )
    return [FROM_CHECKPOINT, *dict.fromkeys(f for f in found if f != ".")]


def _is_text_encoder(path: Path) -> bool:
    return (path / "config.json").is_file() or is_gemma4_file(path)


def text_encoder_folder(choice: str) -> Path | None:
    """The chosen text encoder: a folder, or LTX-2.5's single Gemma 4 file."""
    if choice == FROM_CHECKPOINT:
        return None
    for root in host.model_folders("text_encoders"):
        if _is_text_encoder(root / choice):
            return root / choice
    if host.PATHS_ALLOWED and _is_text_encoder(Path(choice).expanduser()):
        return Path(choice).expanduser()
    raise FileNotFoundError(
        f"text encoder {choice!r} was not found; put the unpacked folder (config.json, weights, tokenizer; "
        "Gemma 3 for LTX-2.0/2.3) or LTX-2.5's gemma4-12b-with-proj-ltx-2.5-bf16.safetensors under "
        "models/text_encoders"
    )


def component_choices(component: Component) -> list[str]:
    """ "auto", then the files in the component's folder that can supply it."""
    names = []
    for name in host.model_files(component.folder):
        path = host.model_file(component.folder, name)
        if path is not None and component in components_in(path):
            names.append(name)
    return [AUTO, *names]


def component_path(component: Component, choice: str, checkpoint: Path) -> Path | None:
    """The chosen component file; for "auto", the one the pairing rule finds for ``checkpoint``
    (None: the checkpoint holds the part, or no file fits)."""
    if choice != AUTO:
        return folder_file((component.folder,), choice, component.what)
    candidates = [host.model_file(component.folder, n) for n in host.model_files(component.folder)]
    with Checkpoint(checkpoint) as main:
        return match_component(component, main, [p for p in candidates if p is not None])


def resolve_device(choice: str) -> torch.device:
    return host.compute_device() if choice == "default" else torch.device(choice)


def pool_devices(choice: str) -> tuple[str, ...] | None:
    """The devices of a worker-pool choice ("cuda:0,cuda:1"), or None for a single device."""
    devices = tuple(d.strip() for d in choice.split(",") if d.strip())
    if len(devices) < 2:
        return None
    for d in devices:
        if torch.device(d).type not in ("cpu", "cuda"):
            raise ValueError(f"a worker pool runs on cuda or cpu devices; got {d!r} in {choice!r}")
    return devices


def open_model(
    checkpoint: str,
    text_encoder: str,
    dtype: str,
    device: str,
    offload: str,
    components: dict[str, str] | None = None,
) -> TalkiesModel:
    """The shared model for these choices: loaded once, reused while any node holds it.
    ``components``: a choice per component input (video_vae, audio_vae, text_projection), "auto" if absent."""
    if dtype not in DTYPE_CHOICES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPE_CHOICES)}; got {dtype!r}")
    if offload not in OFFLOADS:
        raise ValueError(f"offload must be one of {', '.join(OFFLOADS)}; got {offload!r}")
    path = checkpoint_path(checkpoint).resolve()
    encoder = text_encoder_folder(text_encoder)
    chosen = components or {}
    files = {c.argument: component_path(c, chosen.get(c.argument, AUTO), path) for c in COMPONENTS}
    workers = pool_devices(device)
    target = resolve_device("default" if workers else device)
    where = ",".join(workers) if workers else str(target)
    key = (str(path), path.stat().st_mtime_ns, str(encoder), dtype, where, offload, *map(str, files.values()))
    with _lock:
        model = _models.get(key)
        if model is None:
            placer = host.placer(stream_transformer=offload == "stream")
            policy = "stream" if offload == "stream" else "resident"
            model = TalkiesModel(
                path,
                text_encoder=encoder,
                **files,
                device=target,
                dtype=dtype,
                offload=policy,
                placer=placer,
                workers=workers or (),
            )
            _models[key] = model
            log.info("opened %r", model)
    return model
