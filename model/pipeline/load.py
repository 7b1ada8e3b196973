"""One checkpoint's parts, loaded on first use and shared by everything that generates with it."""

from __future__ import annotations

import copy
import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import torch

from ..audio_vae.config import audio_vae_config
from ..audio_vae.model import AudioDecoder, AudioEncoder
from ..config import TransformerConfig
from ..loading.audio_parts import load_audio_decoder, load_audio_encoder, load_vocoder
from ..loading.builtin import BUILTIN_NAME, builtin_checkpoint, trained_on_toy_world
from ..loading.checkpoint import Checkpoint
from ..loading.component_match import match_component
from ..loading.components import (
    AUDIO_VAE,
    COMPONENTS,
    TEXT_PROJECTION,
    VIDEO_VAE,
    Component,
    ModelFiles,
    components_in,
)
from ..loading.gemma4_file import is_gemma4_file
from ..loading.lora import LoraFile, apply_loras, check_loras, read_lora
from ..loading.parts import (
    DTYPE_CHOICES,
    load_text_conditioner,
    load_transformer,
    load_video_decoder,
    load_video_encoder,
    resolve_dtype,
)
from ..offload.placement import Policy, check_policy, working
from ..parallel.mesh import ParallelMesh
from ..parallel.pool import PoolSpec, WorkerPool
from ..sampling.compression import VideoCompression
from ..text.conditioner import PromptEmbedding, TextConditioner
from ..text.encoder import HFTextEncoder, check_prompt
from ..text.encoder_source import open_text_encoder
from ..text.pairing import check_pairing
from ..transformer.model import AVTransformer
from ..video_vae.config import video_vae_config
from ..video_vae.model import VideoDecoder, VideoEncoder
from ..vocoder.config import Vocoder

PARTS = (
    "transformer",
    "conditioner",
    "text_encoder",
    "video_encoder",
    "video_decoder",
    "audio_encoder",
    "audio_decoder",
    "vocoder",
)

__all__ = [
    "BUILTIN_NAME",
    "COMPONENTS",
    "Checkpoint",
    "DTYPE_CHOICES",
    "Component",
    "TalkiesModel",
    "builtin_checkpoint",
    "check_device",
    "components_in",
    "is_gemma4_file",
    "match_component",
]

log = logging.getLogger(__name__)

# A host's own memory manager: (part name, module, compute device) → a context in which the
# module is on that device.
Placer = Callable[[str, torch.nn.Module, torch.device], AbstractContextManager]


def _read_loras(loras: Sequence[tuple[str | Path, float]]) -> list[tuple[LoraFile, float]]:
    return [(read_lora(path), float(strength)) for path, strength in loras]


def check_device(device: torch.device | str) -> torch.device:
    """``device`` as a torch device this machine has; a ValueError naming the choices otherwise."""
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device {device!r} is not a device name; use cpu, or cuda (cuda:1 for a second GPU)"
        ) from None
    if chosen.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(f"device {device!r}: no CUDA GPU is available here; use cpu")
        if chosen.index is not None and chosen.index >= count:
            raise ValueError(
                f"device {device!r}: this machine has {count} CUDA GPU(s), cuda:0 to cuda:{count - 1}"
            )
    elif chosen.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r}: Apple's MPS is not available here; use cpu")
    elif chosen.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device {device!r} is not supported; use cpu or cuda")
    return chosen


class TalkiesModel:
    """A Talkies or LTX-2 checkpoint: transformer, text side, codecs, each loaded lazily.

    ``dtype``: auto, bf16, fp16, fp32 or fp8 (fp8 holds the transformer blocks' weights in
    e4m3 and computes in bf16). ``text_encoder``: a folder (or LTX-2.5's Gemma 4 file) overriding
    the checkpoint's own; one that does not belong with the transformer is refused. ``path`` may be a
    single checkpoint or a transformer-only file; ``video_vae``, ``audio_vae`` (with its vocoder) and
    ``text_projection`` (LTX-2.0/2.3) name component files that replace or supply those parts
    (model/loading/components.py); a part found nowhere is reported when first needed. ``offload``:
    where parts wait between uses (model/offload/placement.py): "resident" loads them
    onto ``device``; "offload" and "stream" keep them on the host and bring each in while it
    works (``working``), "stream" streaming the transformer's blocks. ``placer``: a host that
    manages device memory itself (ComfyUI) places each part instead; parts then load on the
    host's memory and the placer brings each onto ``device`` while it works. ``loras``: (file,
    strength) pairs applied to the transformer as it loads (model/loading/lora.py). ``mesh``: the
    process groups this process samples with, one of several ranks (model/parallel/mesh.py).
    ``workers``: devices ("cuda:0", "cuda:1", …) of worker processes, one each, that sample for this
    model (model/parallel/pool.py), started with its first sampling and stopped with it; or
    ``pool``, such a pool made elsewhere. The other stages run here, on ``device``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        text_encoder: str | Path | None = None,
        video_vae: str | Path | None = None,
        audio_vae: str | Path | None = None,
        text_projection: str | Path | None = None,
        device: torch.device | str = "cpu",
        dtype: torch.dtype | str = "auto",
        offload: Policy = "resident",
        placer: Placer | None = None,
        loras: Sequence[tuple[str | Path, float]] = (),
        mesh: ParallelMesh | None = None,
        workers: Sequence[str] = (),
        pool: WorkerPool | None = None,
    ) -> None:
        self.path = Path(path)
        self.mesh = mesh
        self.checkpoint = Checkpoint(self.path)
        self.files = ModelFiles(
            self.checkpoint,
            {VIDEO_VAE: video_vae, AUDIO_VAE: audio_vae, TEXT_PROJECTION: text_projection},
        )
        if workers and pool is None:
            options = {"dtype": dtype, "text_encoder": text_encoder, **self.files.paths()}
            pool = WorkerPool(PoolSpec(self.path, tuple(workers), options))
            weakref.finalize(self, pool.close)
        self.pool = pool
        self.config: dict[str, Any] = self.checkpoint.config
        self.transformer_config: TransformerConfig = self.checkpoint.transformer_config()
        self.device = check_device(device)
        self.offload = check_policy(offload)
        self.placer = placer
        resident = self.offload == "resident" and placer is None
        self.load_device = self.device if resident else torch.device("cpu")
        self.compute_dtype, self.fp8 = resolve_dtype(dtype, self.device)
        self.weight_dtype: torch.dtype | str = "fp8" if self.fp8 else self.compute_dtype
        self.text_encoder_folder = None if text_encoder is None else Path(text_encoder)
        if self.text_encoder_folder is not None:
            check_pairing(self.path, self.generation, self.checkpoint.metadata, self.text_encoder_folder)
        self.loras = _read_loras(loras)
        check_loras(self.transformer_config, self.loras)
        self._parts: dict[str, Any] = {}
        # Which LoRA stack the shared transformer carries now, and how to take it off again.
        self._applied: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TalkiesModel({self.path.name}, LTX-{self.generation}, {self.device}, {self.compute_dtype})"

    @property
    def generation(self) -> str:
        return self.transformer_config.generation

    @property
    def trained_on_toy_world(self) -> bool:
        """The built-in model, or another trained on the toy world: its clips are toy-world clips."""
        return trained_on_toy_world(self.checkpoint.metadata)

    def _part(self, name: str, load: Callable[[], Any]) -> Any:
        with self._lock:
            if name not in self._parts:
                log.info("loading %s from %s", name, self.path.name)
                self._parts[name] = load()
            return self._parts[name]

    def release(self, *names: str) -> None:
        """Drop loaded parts (all when no name is given) so their memory can be reclaimed."""
        with self._lock:
            for name in names or list(self._parts):
                self._parts.pop(name, None)
                if name == "transformer":
                    self._applied.clear()

    @property
    def loaded_parts(self) -> list[str]:
        return sorted(self._parts)

    @property
    def reference_downscale(self) -> int:
        """How many times smaller than the clip its IC-LoRAs want control videos (1 without one)."""
        factors = {lora.reference_downscale for lora, strength in self.loras if strength}
        if len(factors) > 1:
            raise ValueError(
                f"these LoRAs want control videos at different sizes ({sorted(factors)} times smaller); "
                "use IC-LoRAs trained at one reference size together"
            )
        return factors.pop() if factors else 1

    def with_loras(self, loras: Sequence[tuple[str | Path, float]]) -> TalkiesModel:
        """This model with ``loras`` stacked on top of its own: the same parts, except a transformer
        of its own, loaded (with the LoRAs applied) when first used."""
        other = copy.copy(self)
        other.loras = [*self.loras, *_read_loras(loras)]
        check_loras(self.transformer_config, other.loras)
        return other

    @property
    def transformer(self) -> AVTransformer:
        """The transformer, with this model's LoRA stack on it: models that differ only by their
        LoRAs share one transformer, and the stack is swapped (removed, applied) as they take turns."""
        transformer = self._part(
            "transformer", lambda: load_transformer(self.checkpoint, self.load_device, self.weight_dtype)
        )
        stack = tuple((str(lora.path), strength) for lora, strength in self.loras)
        with self._lock:
            if self._applied.get("stack", ()) != stack:
                if "applied" in self._applied:
                    self._applied.pop("applied").remove()
                self._applied["stack"] = stack
                if self.loras:
                    self._applied["applied"] = apply_loras(transformer, self.loras)
        return transformer

    @property
    def conditioner(self) -> TextConditioner:
        return self._part(
            "conditioner",
            lambda: load_text_conditioner(
                self.checkpoint,
                self.load_device,
                self.compute_dtype,
                self.text_encoder_folder,
                projection_files=() if self.generation == "2.5" else self.files.text_projection_files(),
            ),
        )

    @property
    def text_encoder(self) -> HFTextEncoder:
        check_pairing(self.path, self.generation, self.checkpoint.metadata, self.text_encoder_folder)
        return self._part(
            "text_encoder",
            lambda: open_text_encoder(
                self.config.get("text_encoder", {}),
                self.text_encoder_folder,
                device=self.load_device,
                dtype=self.compute_dtype,
            ),
        )

    @property
    def video_encoder(self) -> VideoEncoder:
        return self._part(
            "video_encoder",
            lambda: load_video_encoder(self.files.source(VIDEO_VAE), self.load_device, self.compute_dtype),
        )

    @property
    def video_decoder(self) -> VideoDecoder:
        return self._part(
            "video_decoder",
            lambda: load_video_decoder(self.files.source(VIDEO_VAE), self.load_device, self.compute_dtype),
        )

    @property
    def audio_encoder(self) -> AudioEncoder:
        return self._part(
            "audio_encoder",
            lambda: load_audio_encoder(self.files.source(AUDIO_VAE), self.load_device, self.compute_dtype),
        )

    @property
    def audio_decoder(self) -> AudioDecoder:
        return self._part(
            "audio_decoder",
            lambda: load_audio_decoder(self.files.source(AUDIO_VAE), self.load_device, self.compute_dtype),
        )

    @property
    def vocoder(self) -> Vocoder:
        return self._part("vocoder", lambda: load_vocoder(self.files.vocoder(), self.load_device))

    @property
    def video_latent_channels(self) -> int:
        return video_vae_config(self.files.source(VIDEO_VAE).config.get("vae", {})).latent_channels

    @property
    def video_compression(self) -> VideoCompression:
        """Frames and pixels per latent cell, from the model's video VAE (8× and 32× for LTX-2)."""
        return video_vae_config(self.files.source(VIDEO_VAE).config.get("vae", {})).compression

    @property
    def audio_latent_shape(self) -> tuple[int, int]:
        """(channels, mel bins) of the audio latent."""
        cfg = audio_vae_config(self.files.source(AUDIO_VAE).config)
        return cfg.z_channels, cfg.latent_mel_bins

    @property
    def defaults(self) -> dict[str, Any]:
        """Generation defaults a Talkies checkpoint carries (empty for LTX-2 files)."""
        return dict(self.config.get("talkies", {}))

    @contextmanager
    def working(self, part: str) -> Iterator[Any]:
        """A part (one of PARTS) on the compute device for the duration of the ``with`` block,
        loading it first if needed."""
        if part not in PARTS:
            raise ValueError(f"part must be one of {', '.join(PARTS)}; got {part!r}")
        loaded = getattr(self, part)
        module = loaded.model if isinstance(loaded, HFTextEncoder) else loaded
        if self.placer is not None:
            placed = self.placer(part, module, self.device)
        else:
            placed = working(module, self.device, self.offload)
        with placed:
            yield loaded

    def encode_prompts(self, prompts: Sequence[str], *, required: bool = True) -> PromptEmbedding:
        """Prompts → the context both streams attend to (one row per prompt)."""
        texts = [check_prompt(p, required=required) for p in prompts]
        with torch.inference_mode():
            with self.working("text_encoder") as encoder:
                encoded = encoder.encode(texts)
            encoded.hidden = encoded.hidden.to(self.compute_dtype)
            with self.working("conditioner") as conditioner:
                return conditioner(encoded)
