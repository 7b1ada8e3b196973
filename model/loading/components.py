"""Where each part of a model is: one single file, or a transformer file plus component files.

LTX-2 models are published both ways. A single checkpoint holds everything under one prefix per
part (``model.diffusion_model.``, ``vae.``, ``audio_vae.``, ``vocoder.``,
``text_embedding_projection.``). Split releases put the transformer (with its text connectors) in
``diffusion_models``, the video VAE (``vae.*`` or bare ``encoder.*`` / ``decoder.*`` /
``per_channel_statistics.*``) and the audio VAE with its vocoder (``audio_vae.*`` + ``vocoder.*``)
as files in ``vae``, and the text encoder with its projection in ``text_encoders``. Each component
file carries its own ``config`` metadata section (``vae``; ``audio_vae`` and ``vocoder``).

A component file given explicitly wins over the same part inside the main file, except the
2.0/2.3 text projection: a given projection file is read beside the main one, whose own projection
tensors come first. A part found in neither is reported naming the folder its file goes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .checkpoint import TEXT_PROJECTION_PREFIX, Checkpoint
from .gemma4_file import GEMMA_CONFIG_KEY
from .safetensors_file import SafetensorsFile

VIDEO_VAE_ROOTS = ("vae.", "")
AUDIO_VAE_PREFIX = "audio_vae."
VOCODER_PREFIX = "vocoder."


@dataclass(frozen=True)
class Component:
    """A part that may come in a file of its own."""

    what: str  # for messages: "video VAE"
    folder: str  # ComfyUI's model folder its file goes in
    argument: str  # TalkiesModel's keyword and the Load Model node's input


VIDEO_VAE = Component("video VAE", "vae", "video_vae")
AUDIO_VAE = Component("audio VAE (with its vocoder)", "vae", "audio_vae")
TEXT_PROJECTION = Component("text projection", "text_encoders", "text_projection")
COMPONENTS = (VIDEO_VAE, AUDIO_VAE, TEXT_PROJECTION)


def holds_video_vae(ckpt: Checkpoint) -> bool:
    return any(ckpt.has_prefix(root + half) for root in VIDEO_VAE_ROOTS for half in ("encoder.", "decoder."))


def holds_audio_vae(ckpt: Checkpoint) -> bool:
    return ckpt.has_prefix(AUDIO_VAE_PREFIX)


def holds_vocoder(ckpt: Checkpoint) -> bool:
    """Vocoder weights, or a weight-free vocoder (Griffin-Lim) in the file's config."""
    section = ckpt.config.get("vocoder")
    weight_free = isinstance(section, dict) and section.get("type") == "griffin_lim"
    return weight_free or ckpt.has_prefix(VOCODER_PREFIX)


def holds_text_projection(ckpt: Checkpoint) -> bool:
    return ckpt.has_prefix(TEXT_PROJECTION_PREFIX)


HOLDS = {VIDEO_VAE: holds_video_vae, AUDIO_VAE: holds_audio_vae, TEXT_PROJECTION: holds_text_projection}


def components_in(path: str | Path) -> tuple[Component, ...]:
    """The components a file can supply; every one when it cannot be opened, so that choosing it
    shows the reason (a quantisation Talkies does not implement, a damaged file)."""
    try:
        with Checkpoint(path) as ckpt:
            if GEMMA_CONFIG_KEY in ckpt.metadata:  # LTX-2.5's text encoder: chosen as the text encoder
                return ()
            return tuple(c for c in COMPONENTS if HOLDS[c](ckpt))
    except (ValueError, OSError):
        return COMPONENTS


class ModelFiles:
    """The main file (a single checkpoint or a transformer file) and the component files given with it."""

    def __init__(self, main: Checkpoint, components: dict[Component, str | Path | None]) -> None:
        self.main = main
        self.given: dict[Component, Checkpoint] = {}
        for component, path in components.items():
            if path is None:
                continue
            ckpt = Checkpoint(path)
            if not HOLDS[component](ckpt):
                ckpt.close()
                raise ValueError(
                    f"{Path(path).name} was given as the {component.what} but holds none; it looks like "
                    f"{ckpt.looks_like()}. Pick the {component.what} file from models/{component.folder}"
                )
            self.given[component] = ckpt

    def close(self) -> None:
        for ckpt in self.given.values():
            ckpt.close()

    def paths(self) -> dict[str, Path]:
        """The component files given, by TalkiesModel keyword."""
        return {c.argument: ckpt.path for c, ckpt in self.given.items()}

    def _missing(self, component: Component) -> FileNotFoundError:
        generation = self.main.transformer_config().generation
        return FileNotFoundError(
            f"{self.main.path.name} holds no {component.what}: it is a transformer-only file. Put the "
            f"LTX-{generation} {component.what} file in ComfyUI's models/{component.folder} and pick it in "
            f"Talkies Load Model's '{component.argument}' input (Python: {component.argument}=its path)"
        )

    def source(self, component: Component) -> Checkpoint:
        """The file the component loads from: the one given for it, else the main file."""
        if component in self.given:
            return self.given[component]
        if HOLDS[component](self.main):
            return self.main
        raise self._missing(component)

    def vocoder(self) -> Checkpoint:
        """The vocoder's file: published with the audio VAE, so the audio VAE's file first."""
        given = self.given.get(AUDIO_VAE)
        if given is not None and holds_vocoder(given):
            return given
        if holds_vocoder(self.main):
            return self.main
        raise self._missing(AUDIO_VAE)

    def text_projection_files(self) -> tuple[SafetensorsFile, ...]:
        """Files besides the main one whose tensors the text conditioner may read (LTX-2.0/2.3)."""
        given = self.given.get(TEXT_PROJECTION)
        if given is None and not holds_text_projection(self.main):
            raise self._missing(TEXT_PROJECTION)
        return () if given is None else (given.file,)
