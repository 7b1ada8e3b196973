"""Which component file goes with a transformer-only file, when the user leaves the choice to us.

A candidate fits when it holds the part and its latent matches the transformer's channels (video:
the VAE's latent channels; audio: latent channels × mel cells). Among fitting files, those whose
name or ``model_version`` names the transformer's LTX-2 generation are preferred (LTX-2.5 runs
LTX-2.3's codecs, so an "LTX-2.3" file suits it too). One file left is the match; several are an
error naming them, so the user picks; none leaves the part missing (reported where it is needed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..audio_vae.config import audio_vae_config
from ..config import TransformerConfig
from ..video_vae.config import video_vae_config
from .checkpoint import Checkpoint
from .components import AUDIO_VAE, HOLDS, TEXT_PROJECTION, VIDEO_VAE, Component
from .gemma4_file import GEMMA_CONFIG_KEY

# "ltx-2.3", "LTX23", "ltx2_5", "ltx-2-19b" (2.0): the generation a file's name names.
_GENERATION_NAME = re.compile(r"ltx[-_ ]?v?2(?:[._-]?([035]))?(?![0-9])", re.IGNORECASE)
_GENERATION_VERSION = re.compile(r"2\.([035])")
SUITS = {"2.0": ("2.0",), "2.3": ("2.3",), "2.5": ("2.5", "2.3")}


def named_generation(ckpt: Checkpoint) -> str | None:
    """The LTX-2 generation a file's name, or else its ``model_version``, names (None: neither)."""
    name = _GENERATION_NAME.search(ckpt.path.stem)
    if name:
        return f"2.{name.group(1) or '0'}"
    version = _GENERATION_VERSION.match(ckpt.metadata.get("model_version", ""))
    return f"2.{version.group(1)}" if version else None


def fits(component: Component, ckpt: Checkpoint, cfg: TransformerConfig) -> bool:
    """Whether ``ckpt`` holds ``component`` with latents the transformer reads."""
    if not HOLDS[component](ckpt):
        return False
    try:
        if component is VIDEO_VAE:
            return video_vae_config(ckpt.config.get("vae", {})).latent_channels == cfg.video_in_channels
        if component is AUDIO_VAE:
            audio = audio_vae_config(ckpt.config)
            return audio.z_channels * audio.latent_mel_bins == cfg.audio_in_channels
        if component is TEXT_PROJECTION:  # LTX-2.5's Gemma 4 file holds one too, but is a text encoder
            return GEMMA_CONFIG_KEY not in ckpt.metadata
    except (ValueError, KeyError, TypeError):
        return False
    return True


def _open(path: Path) -> Checkpoint | None:
    try:
        return Checkpoint(path)
    except (ValueError, OSError):
        return None


def match_component(component: Component, main: Checkpoint, candidates: Sequence[Path]) -> Path | None:
    """The file among ``candidates`` to load ``component`` from for ``main``; None when ``main``
    holds it itself (or LTX-2.5 needs no text projection file) or no candidate fits."""
    if HOLDS[component](main):
        return None
    cfg = main.transformer_config()
    if component is TEXT_PROJECTION and cfg.generation == "2.5":
        return None
    fitting: list[tuple[Path, str | None]] = []
    for path in candidates:
        ckpt = _open(path)
        if ckpt is None:
            continue
        with ckpt:
            if fits(component, ckpt, cfg):
                fitting.append((path, named_generation(ckpt)))
    named = [p for p, g in fitting if g in SUITS[cfg.generation]]
    unnamed = [p for p, g in fitting if g is None]
    chosen = named or unnamed
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        return None
    names = ", ".join(p.name for p in chosen)
    raise ValueError(
        f"{main.path.name} is a transformer-only LTX-{cfg.generation} file and several {component.what} "
        f"files in models/{component.folder} would fit it ({names}); pick one in Talkies Load Model's "
        f"'{component.argument}' input"
    )
