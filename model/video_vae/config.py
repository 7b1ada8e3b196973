"""Architecture of the LTX-2 video VAE, read from the ``vae`` section of a checkpoint's config.

The section lists encoder and decoder blocks by name (``res_x``, ``compress_all``, ...); every
width and compression factor follows from that list, the patch size and the base channels, so
a small VAE (the built-in model's) and the published 128-channel one share one code path.
Missing keys take the reference implementation's defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from ..sampling.compression import VideoCompression

NormLayer = Literal["pixel_norm", "group_norm"]
LogVariance = Literal["uniform", "per_channel", "constant"]
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")

# Per block name: (temporal, spatial) stride. Blocks absent here do not resample.
ENCODER_STRIDES = {
    "compress_time": (2, 1),
    "compress_space": (1, 2),
    "compress_all": (2, 2),
    "compress_all_x_y": (2, 2),
    "compress_time_res": (2, 1),
    "compress_space_res": (1, 2),
    "compress_all_res": (2, 2),
}
DECODER_STRIDES = {"compress_time": (2, 1), "compress_space": (1, 2), "compress_all": (2, 2)}
ENCODER_BLOCKS = {"res_x", "res_x_y", *ENCODER_STRIDES}
DECODER_BLOCKS = {"res_x", "res_x_y", *DECODER_STRIDES}


@dataclass(kw_only=True, frozen=True)
class BlockSpec:
    """One entry of ``encoder_blocks`` / ``decoder_blocks``."""

    name: str
    num_layers: int = 1
    multiplier: int | None = None  # None: the block's own default (2 for widening blocks, 1 for upsamplers)
    inject_noise: bool = False
    residual: bool = False

    @property
    def widening(self) -> int:
        """Encoder: how many times wider the block's output is than its input."""
        if self.name in ("res_x_y", "compress_all_x_y") or self.name.endswith("_res"):
            return 2 if self.multiplier is None else self.multiplier
        return 1

    @property
    def narrowing(self) -> int:
        """Decoder: how many times narrower the block's output is than its input."""
        if self.name == "res_x_y":
            return 2 if self.multiplier is None else self.multiplier
        if self.name in DECODER_STRIDES:
            return 1 if self.multiplier is None else self.multiplier
        return 1


@dataclass(kw_only=True, frozen=True)
class VideoVAEConfig:
    latent_channels: int = 128
    in_channels: int = 3
    out_channels: int = 3
    patch_size: int = 4
    norm_layer: NormLayer = "pixel_norm"
    latent_log_var: LogVariance = "uniform"
    encoder_blocks: tuple[BlockSpec, ...] = ()
    decoder_blocks: tuple[BlockSpec, ...] = ()
    encoder_padding: str = "zeros"
    decoder_padding: str = "reflect"
    causal_decoder: bool = False
    timestep_conditioning: bool = True
    decoder_base_channels: int = 128
    decode_timestep: float = 0.05
    decode_noise_scale: float = 0.025

    @property
    def decoder_bottleneck_channels(self) -> int:
        """Width after the decoder's conv_in: base channels times every narrowing on the way out."""
        return self.decoder_base_channels * math.prod(b.narrowing for b in self.decoder_blocks)

    def _factors(self, blocks: tuple[BlockSpec, ...], strides: dict) -> tuple[int, int]:
        t = math.prod(strides[b.name][0] for b in blocks if b.name in strides)
        s = math.prod(strides[b.name][1] for b in blocks if b.name in strides)
        return t, s * self.patch_size

    @property
    def encoder_factors(self) -> tuple[int, int]:
        """(frames, pixels) per latent cell for the encoder."""
        return self._factors(self.encoder_blocks, ENCODER_STRIDES)

    @property
    def decoder_factors(self) -> tuple[int, int]:
        return self._factors(self.decoder_blocks, DECODER_STRIDES)

    @property
    def compression(self) -> VideoCompression:
        """Frames and pixels per latent cell (the encoder's; a decoder-only file: the decoder's)."""
        time, space = self.encoder_factors if self.encoder_blocks else self.decoder_factors
        return VideoCompression(time=time, space=space)


def _block(entry: Any, allowed: set[str], where: str) -> BlockSpec:
    try:
        name, params = entry
    except (TypeError, ValueError):
        raise ValueError(f"vae config: {where} entry {entry!r} is not a [name, params] pair") from None
    if name not in allowed:
        raise ValueError(
            f"vae config: {where} block {name!r} is not supported; known blocks: {', '.join(sorted(allowed))}"
        )
    if isinstance(params, int):
        return BlockSpec(name=name, num_layers=params)
    if not isinstance(params, dict):
        raise ValueError(
            f"vae config: {where} block {name!r} has params {params!r}; expected an int or a dict"
        )
    return BlockSpec(
        name=name,
        num_layers=int(params.get("num_layers", 1)),
        multiplier=None if params.get("multiplier") is None else int(params["multiplier"]),
        inject_noise=bool(params.get("inject_noise", False)),
        # The reference honours 'residual' on compress_all only.
        residual=name == "compress_all" and bool(params.get("residual", False)),
    )


def _choice(section: dict, key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = section.get(key, default)
    if value not in allowed:
        raise ValueError(f"vae config: {key}={value!r} is not supported; use one of {', '.join(allowed)}")
    return value


def video_vae_config(section: dict[str, Any]) -> VideoVAEConfig:
    """Parse a checkpoint's ``vae`` config section (the dict under ``config["vae"]``)."""
    dims = section.get("dims", 3)
    if dims != 3:
        raise ValueError(f"vae config: dims={dims!r}; only 3-D (video) VAEs are supported")
    padding = section.get("spatial_padding_mode")
    log_var = section.get("latent_log_var", "uniform")
    if log_var not in ("uniform", "per_channel", "constant"):
        raise ValueError(
            f"vae config: latent_log_var={log_var!r} is not supported; use uniform, per_channel or constant"
        )
    cfg = VideoVAEConfig(
        latent_channels=int(section.get("latent_channels", 128)),
        in_channels=int(section.get("in_channels", 3)),
        out_channels=int(section.get("out_channels", 3)),
        patch_size=int(section.get("patch_size", 4)),
        norm_layer=_choice(section, "norm_layer", "pixel_norm", ("pixel_norm", "group_norm")),
        latent_log_var=log_var,
        encoder_blocks=tuple(
            _block(e, ENCODER_BLOCKS, "encoder_blocks") for e in section.get("encoder_blocks", [])
        ),
        decoder_blocks=tuple(
            _block(e, DECODER_BLOCKS, "decoder_blocks") for e in section.get("decoder_blocks", [])
        ),
        encoder_padding=_choice(section, "encoder_spatial_padding_mode", padding or "zeros", PADDING_MODES),
        decoder_padding=_choice(section, "decoder_spatial_padding_mode", padding or "reflect", PADDING_MODES),
        causal_decoder=bool(section.get("causal_decoder", False)),
        timestep_conditioning=bool(section.get("timestep_conditioning", True)),
        decoder_base_channels=int(section.get("decoder_base_channels", 128)),
        decode_timestep=float(section.get("decode_timestep", 0.05)),
        decode_noise_scale=float(section.get("decode_noise_scale", 0.025)),
    )
    for b in cfg.decoder_blocks:
        if b.inject_noise and b.narrowing != 1:
            raise ValueError(
                f"vae config: inject_noise on decoder block {b.name!r} that changes width is not defined"
            )
    return cfg
