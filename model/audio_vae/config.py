"""The audio VAE's architecture and mel front end, read from a checkpoint's ``audio_vae`` section.

LTX-2 files nest it as ``audio_vae.model.params.ddconfig`` (the network) beside
``audio_vae.model.params.sampling_rate`` and ``audio_vae.preprocessing.{stft,mel}`` (the
front end). Keys read, with the defaults the reference uses when one is missing:

- ddconfig: ch 128, ch_mult [1, 2, 4], num_res_blocks 2, attn_resolutions [8, 16, 32],
  resolution 256, z_channels 8, double_z true, in_channels 2, out_ch 2, norm_type "pixel",
  causality_axis "height", mid_block_add_attention true, resamp_with_conv true,
  attn_type "vanilla", mel_bins (else preprocessing.mel.n_mel_channels, else 64).
- sampling_rate 16000; preprocessing.stft: filter_length (n_fft) 1024, hop_length 160.

Published files set attn_resolutions [] and mid_block_add_attention false, so the
networks are causal convolutions only (which chunked decoding relies on). The window is
n_fft long and the mel filters span 0 … sampling_rate/2, as the reference builds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

NormType = Literal["pixel", "group"]


@dataclass(kw_only=True, frozen=True)
class MelConfig:
    """Log-mel front end: |STFT| (Hann, centred, reflect-padded) → slaney mels → log(max(x, 1e-5))."""

    sample_rate: int = 16000
    n_fft: int = 1024
    hop_length: int = 160
    mel_bins: int = 64

    @property
    def frames_per_second(self) -> float:
        return self.sample_rate / self.hop_length


@dataclass(kw_only=True, frozen=True)
class AudioVAEConfig:
    ch: int = 128
    ch_mult: tuple[int, ...] = (1, 2, 4)
    num_res_blocks: int = 2
    attn_resolutions: frozenset[int] = frozenset({8, 16, 32})
    resolution: int = 256
    z_channels: int = 8
    double_z: bool = True
    in_channels: int = 2
    out_channels: int = 2
    norm_type: NormType = "pixel"
    causal: bool = True
    mid_attention: bool = True
    encoder_attention: bool = True
    resample_with_conv: bool = True
    mel: MelConfig = MelConfig()

    @property
    def levels(self) -> int:
        return len(self.ch_mult)

    @property
    def time_downsample(self) -> int:
        """Mel frames per latent frame (4 in LTX-2: 25 latent frames per second)."""
        return 2 ** (self.levels - 1)

    def _downsampled(self, n: int, causal_axis: bool) -> int:
        for _ in range(self.levels - 1):
            if not self.resample_with_conv:
                n //= 2
            else:
                n = (n - 1) // 2 + 1 if causal_axis else (n - 2) // 2 + 1
        return n

    @property
    def latent_mel_bins(self) -> int:
        return self._downsampled(self.mel.mel_bins, causal_axis=False)

    @property
    def statistics_size(self) -> int:
        """Latent features per frame (channels × mel bins), which the per-channel statistics cover."""
        return self.z_channels * self.latent_mel_bins

    @property
    def latents_per_second(self) -> float:
        return self.mel.frames_per_second / self.time_downsample

    def mel_frames(self, latent_frames: int) -> int:
        """Mel frames the decoder makes from ``latent_frames`` (causal: latent frame 0 is one mel frame)."""
        if self.causal:
            return max(latent_frames * self.time_downsample - (self.time_downsample - 1), 1)
        return latent_frames * self.time_downsample

    def latent_frames(self, mel_frames: int) -> int:
        """Latent frames the encoder makes from ``mel_frames``."""
        return self._downsampled(mel_frames, causal_axis=self.causal)


def _section(config: dict[str, Any], *path: str) -> dict[str, Any]:
    node: Any = config
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return {}
    if not isinstance(node, dict):
        raise ValueError(
            f"checkpoint config: '{'.'.join(path)}' should be an object, got {type(node).__name__}"
        )
    return node


def mel_config(config: dict[str, Any]) -> MelConfig:
    """The front end of a whole checkpoint config (its ``audio_vae`` section)."""
    audio = _section(config, "audio_vae")
    params = _section(audio, "model", "params")
    dd = _section(params, "ddconfig")
    stft = _section(audio, "preprocessing", "stft")
    mel = _section(audio, "preprocessing", "mel")
    variables = _section(audio, "variables")
    bins = dd.get("mel_bins") or mel.get("n_mel_channels") or variables.get("mel_bins") or 64
    cfg = MelConfig(
        sample_rate=int(params.get("sampling_rate", 16000)),
        n_fft=int(stft.get("filter_length", 1024)),
        hop_length=int(stft.get("hop_length", 160)),
        mel_bins=int(bins),
    )
    if min(cfg.sample_rate, cfg.n_fft, cfg.hop_length, cfg.mel_bins) <= 0:
        raise ValueError(f"audio_vae front end needs positive sizes, got {cfg}")
    return cfg


def audio_vae_config(config: dict[str, Any]) -> AudioVAEConfig:
    """The audio VAE of a whole checkpoint config; raises ValueError for variants we do not build."""
    audio = _section(config, "audio_vae")
    dd = _section(audio, "model", "params", "ddconfig")
    axis = dd.get("causality_axis", "height")
    if axis not in ("height", None, "none"):
        raise ValueError(
            f"audio_vae causality_axis {axis!r} is not supported; LTX-2 files use 'height' (causal in time) "
            "and non-causal models use null"
        )
    norm = str(dd.get("norm_type", "pixel")).lower()
    if norm not in ("pixel", "group"):
        raise ValueError(f"audio_vae norm_type must be 'pixel' or 'group', got {norm!r}")
    causal = axis == "height"
    if causal and norm == "group":
        raise ValueError(
            "audio_vae: a causal VAE cannot use group norm (it mixes time steps); use norm_type 'pixel'"
        )
    attn_type = str(dd.get("attn_type", "vanilla")).lower()
    if attn_type not in ("vanilla", "none"):
        raise ValueError(f"audio_vae attn_type must be 'vanilla' or 'none', got {attn_type!r}")
    resample_with_conv = bool(dd.get("resamp_with_conv", True))
    if causal and not resample_with_conv:
        raise ValueError("audio_vae: a causal VAE must downsample with convolutions (resamp_with_conv true)")
    ch_mult = tuple(int(m) for m in dd.get("ch_mult", (1, 2, 4)))
    if not ch_mult:
        raise ValueError("audio_vae ch_mult must list at least one level")
    cfg = AudioVAEConfig(
        ch=int(dd.get("ch", 128)),
        ch_mult=ch_mult,
        num_res_blocks=int(dd.get("num_res_blocks", 2)),
        attn_resolutions=frozenset(int(r) for r in (dd.get("attn_resolutions") or ()))
        if "attn_resolutions" in dd
        else AudioVAEConfig.attn_resolutions,
        resolution=int(dd.get("resolution", 256)),
        z_channels=int(dd.get("z_channels", 8)),
        double_z=bool(dd.get("double_z", True)),
        in_channels=int(dd.get("in_channels", 2)),
        out_channels=int(dd.get("out_ch", 2)),
        norm_type=norm,  # type: ignore[arg-type]
        causal=causal,
        mid_attention=bool(dd.get("mid_block_add_attention", True)),
        encoder_attention=attn_type == "vanilla",
        resample_with_conv=resample_with_conv,
        mel=mel_config(config),
    )
    if cfg.latent_mel_bins < 1:
        raise ValueError(
            f"audio_vae: {cfg.mel.mel_bins} mel bins are too few for {cfg.levels} levels; "
            f"use at least {2 ** (cfg.levels - 1)}"
        )
    return cfg
