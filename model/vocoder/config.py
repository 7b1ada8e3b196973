"""Which vocoder turns decoded mels into sound: the ``vocoder`` config section.

Three shapes of section are understood; ``type`` may name one, otherwise it is inferred.

LTX-2.0, HiFi-GAN (``type`` "hifigan", or a flat section with ``resblock`` "1")::

    {"resblock": "1", "stereo": true, "upsample_initial_channel": 1024,
     "upsample_rates": [6, 5, 2, 2, 2], "upsample_kernel_sizes": [16, 15, 8, 4, 4],
     "resblock_kernel_sizes": [3, 7, 11], "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]]}

  Optional: ``use_tanh_at_final`` (true; false clips to [-1, 1]), ``use_bias_at_final``
  (true), ``output_sampling_rate``, ``stereo`` (true; false makes a mono generator). A
  flat section with ``resblock`` "AMP1" is a bare BigVGAN (``type`` "bigvgan"), with
  ``activation`` "snake" or "snakebeta".

LTX-2.3, BigVGAN-v2 + bandwidth extension (``type`` "bigvgan_bwe", or a section holding
``vocoder`` and ``bwe``)::

    {"vocoder": {<generator, resblock "AMP1", activation "snakebeta">},
     "bwe": {<generator>, "input_sampling_rate": 16000, "output_sampling_rate": 48000,
             "hop_length": 80, "n_fft": 512, "num_mels": 64}}

  The first generator ends in its final activation (tanh, or clipping); the BWE generator
  ends without one, its sum with the upsampled signal being clipped instead.

Griffin-Lim, no weights (for small models trained here)::

    {"type": "griffin_lim", "n_iter": 32, "momentum": 0.99, "seed": 0}

  It inverts the audio VAE's own front end (``audio_vae`` section: sample rate, n_fft,
  hop, mel bins), so it needs no sizes of its own.

Output rates are not taken on trust: a generator makes ∏upsample_rates samples per mel
frame, so its true rate is (mel frames per second) × ∏upsample_rates. That is the default
of ``output_sampling_rate`` and a stated value that disagrees is an error, so 24 kHz audio
can never travel tagged as 16 kHz. Input channels are stereo × mel bins (128 in LTX-2).

A file whose metadata lacks the section gets the published LTX-2.0 or LTX-2.3 section,
told apart by its keys (``vocoder.bwe_generator.*`` only exists in 2.3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Protocol

import torch
from torch import nn

from ..audio_vae.config import MelConfig, mel_config
from .bigvgan import BandwidthConfig, BandwidthExtendedVocoder, BigVGANGenerator
from .griffin_lim import GriffinLimConfig, GriffinLimVocoder
from .hifigan import GeneratorConfig, MelGenerator

VOCODER_PREFIX = "vocoder."

LTX20_SECTION: dict[str, Any] = {
    "resblock": "1",
    "stereo": True,
    "upsample_initial_channel": 1024,
    "upsample_rates": [6, 5, 2, 2, 2],
    "upsample_kernel_sizes": [16, 15, 8, 4, 4],
    "resblock_kernel_sizes": [3, 7, 11],
    "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
}
_BIGVGAN_COMMON: dict[str, Any] = {
    "resblock": "AMP1",
    "stereo": True,
    "activation": "snakebeta",
    "use_tanh_at_final": False,
    "use_bias_at_final": False,
    "resblock_kernel_sizes": [3, 7, 11],
    "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
}
LTX23_SECTION: dict[str, Any] = {
    "vocoder": {
        **_BIGVGAN_COMMON,
        "upsample_initial_channel": 1536,
        "upsample_rates": [5, 2, 2, 2, 2, 2],
        "upsample_kernel_sizes": [11, 4, 4, 4, 4, 4],
    },
    "bwe": {
        **_BIGVGAN_COMMON,
        "upsample_initial_channel": 512,
        "upsample_rates": [6, 5, 2, 2, 2],
        "upsample_kernel_sizes": [12, 11, 4, 4, 4],
        "input_sampling_rate": 16000,
        "output_sampling_rate": 48000,
        "hop_length": 80,
        "n_fft": 512,
        "win_size": 512,
        "num_mels": 64,
    },
}


class Vocoder(Protocol):
    """What every vocoder offers: (B, S, T, M) log-mel → (B, C, T·hop) waveform at sample_rate."""

    sample_rate: int
    hop: int

    def context_frames(self) -> int | None: ...

    def __call__(self, mel: torch.Tensor) -> torch.Tensor: ...


@dataclass(kw_only=True, frozen=True)
class VocoderSpec:
    """A parsed ``vocoder`` section: its kind and what building it needs."""

    kind: str  # "hifigan", "bigvgan", "bigvgan_bwe" or "griffin_lim"
    generator: GeneratorConfig | None = None
    bwe: BandwidthConfig | None = None
    griffin_lim: GriffinLimConfig | None = None

    @property
    def has_weights(self) -> bool:
        return self.kind != "griffin_lim"

    @property
    def description(self) -> str:
        names = {
            "hifigan": "LTX-2.0 HiFi-GAN vocoder",
            "bigvgan": "BigVGAN vocoder",
            "bigvgan_bwe": "LTX-2.3 BigVGAN vocoder with bandwidth extension",
            "griffin_lim": "Griffin-Lim vocoder",
        }
        return names[self.kind]

    @property
    def sample_rate(self) -> int:
        if self.bwe is not None:
            return self.bwe.output_sample_rate
        if self.griffin_lim is not None:
            return self.griffin_lim.mel.sample_rate
        assert self.generator is not None
        return self.generator.sample_rate


def _ints(value: Any, what: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a list of integers, got {value!r}") from exc


def _generator(
    section: dict[str, Any], frames_per_second: float, mel_bins: int, what: str
) -> GeneratorConfig:
    """One generator subsection; its rate is checked against ∏rates × the mel frame rate it is fed."""
    d = GeneratorConfig()
    resblock = str(section.get("resblock", "1"))
    if resblock not in ("1", "AMP1"):
        raise ValueError(f"{what}: resblock must be '1' (HiFi-GAN) or 'AMP1' (BigVGAN), got {resblock!r}")
    activation = str(section.get("activation", "snake"))
    if activation not in ("snake", "snakebeta"):
        raise ValueError(f"{what}: activation must be 'snake' or 'snakebeta', got {activation!r}")
    rates = _ints(section.get("upsample_rates", d.upsample_rates), f"{what}.upsample_rates")
    stereo = bool(section.get("stereo", True))
    true_rate = frames_per_second * math.prod(rates)
    stated = section.get("output_sampling_rate")
    if stated is not None and abs(float(stated) - true_rate) > 1e-6 * true_rate:
        raise ValueError(
            f"{what}: output_sampling_rate {stated} disagrees with its upsampling: {math.prod(rates)} "
            f"samples per mel frame at {frames_per_second:g} frames/s make {true_rate:g} Hz; fix the config"
        )
    if abs(true_rate - round(true_rate)) > 1e-6:
        raise ValueError(f"{what}: upsampling gives a fractional sample rate ({true_rate} Hz)")
    cfg = GeneratorConfig(
        sample_rate=round(true_rate),
        upsample_initial_channel=int(section.get("upsample_initial_channel", d.upsample_initial_channel)),
        upsample_rates=rates,
        upsample_kernel_sizes=_ints(
            section.get("upsample_kernel_sizes", d.upsample_kernel_sizes), f"{what}.upsample_kernel_sizes"
        ),
        resblock_kernel_sizes=_ints(
            section.get("resblock_kernel_sizes", d.resblock_kernel_sizes), f"{what}.resblock_kernel_sizes"
        ),
        resblock_dilation_sizes=tuple(
            _ints(ds, f"{what}.resblock_dilation_sizes")
            for ds in section.get("resblock_dilation_sizes", d.resblock_dilation_sizes)
        ),
        resblock=resblock,
        activation=activation,
        in_channels=(2 if stereo else 1) * mel_bins,
        out_channels=2 if stereo else 1,
        final_activation="tanh" if section.get("use_tanh_at_final", True) else "clamp",
        bias_at_final=bool(section.get("use_bias_at_final", True)),
    )
    cfg.validate(what)
    return cfg


def _bandwidth(section: dict[str, Any], main_rate: int) -> BandwidthConfig:
    required = ("input_sampling_rate", "output_sampling_rate", "hop_length", "n_fft", "num_mels")
    missing = [k for k in required if k not in section]
    if missing:
        raise ValueError(
            f"vocoder.bwe is missing {', '.join(missing)}; LTX-2.3 files carry all of {required}"
        )
    rate_in, rate_out = int(section["input_sampling_rate"]), int(section["output_sampling_rate"])
    if rate_in != main_rate:
        raise ValueError(
            f"vocoder.bwe expects {rate_in} Hz input but vocoder.vocoder makes {main_rate} Hz; fix the config"
        )
    if rate_out % rate_in:
        raise ValueError(
            f"vocoder.bwe: output rate {rate_out} must be a whole multiple of input rate {rate_in}"
        )
    hop, mels = int(section["hop_length"]), int(section["num_mels"])
    generator = replace(
        _generator({**section, "output_sampling_rate": rate_out}, rate_in / hop, mels, "vocoder.bwe"),
        final_activation=None,
    )

    cfg = BandwidthConfig(
        generator=generator,
        input_sample_rate=rate_in,
        output_sample_rate=rate_out,
        hop_length=hop,
        n_fft=int(section["n_fft"]),
        mel_bins=mels,
    )
    if generator.hop != hop * cfg.ratio:
        raise ValueError(
            f"vocoder.bwe: its generator makes {generator.hop} samples per STFT frame, but hop_length {hop} "
            f"× ratio {cfg.ratio} = {hop * cfg.ratio}"
        )
    return cfg


def vocoder_spec(config: dict[str, Any], keys: frozenset[str] | set[str] = frozenset()) -> VocoderSpec:
    """Parse the ``vocoder`` section of a whole checkpoint config (``keys``: the file's tensor names)."""
    mel: MelConfig = mel_config(config)
    section = config.get("vocoder")
    if not section:
        if any(k.startswith(VOCODER_PREFIX + "bwe_generator.") for k in keys):
            section = LTX23_SECTION
        elif any(k.startswith(VOCODER_PREFIX) for k in keys):
            section = LTX20_SECTION
        else:
            raise ValueError(
                "no vocoder: the config has no 'vocoder' section and the file no 'vocoder.*' weights; use an "
                'LTX-2 checkpoint, or add {"vocoder": {"type": "griffin_lim"}} for a weight-free vocoder'
            )
    if not isinstance(section, dict):
        raise ValueError(f"the 'vocoder' config section must be an object, got {type(section).__name__}")
    kind = section.get("type")
    if kind is None:
        if "bwe" in section:
            kind = "bigvgan_bwe"
        else:
            kind = "bigvgan" if str(section.get("resblock", "1")) == "AMP1" else "hifigan"
    if kind == "griffin_lim":
        gl = GriffinLimConfig(
            mel=mel,
            n_iter=int(section.get("n_iter", 32)),
            momentum=float(section.get("momentum", 0.99)),
            seed=int(section.get("seed", 0)),
        )
        if gl.n_iter < 1 or not 0 <= gl.momentum < 1:
            raise ValueError(
                f"griffin_lim needs n_iter ≥ 1 and 0 ≤ momentum < 1, got {gl.n_iter}, {gl.momentum}"
            )
        return VocoderSpec(kind="griffin_lim", griffin_lim=gl)
    if kind == "bigvgan_bwe":
        main_section, bwe_section = section.get("vocoder"), section.get("bwe")
        if not isinstance(main_section, dict) or not isinstance(bwe_section, dict):
            raise ValueError("an LTX-2.3 vocoder section needs 'vocoder' and 'bwe' objects")
        main = _generator(main_section, mel.frames_per_second, mel.mel_bins, "vocoder.vocoder")
        if main.resblock != "AMP1":
            raise ValueError("vocoder.vocoder: bandwidth extension follows a BigVGAN (resblock 'AMP1')")
        bwe = _bandwidth(bwe_section, main.sample_rate)
        return VocoderSpec(kind="bigvgan_bwe", generator=main, bwe=bwe)
    if kind in ("hifigan", "bigvgan"):
        gen = _generator(section, mel.frames_per_second, mel.mel_bins, "vocoder")
        if (gen.resblock == "AMP1") != (kind == "bigvgan"):
            raise ValueError(f"vocoder type {kind!r} does not match resblock {gen.resblock!r}")
        return VocoderSpec(kind=kind, generator=gen)
    raise ValueError(
        f"vocoder type must be 'hifigan', 'bigvgan', 'bigvgan_bwe' or 'griffin_lim', got {kind!r}"
    )


def build_vocoder(spec: VocoderSpec) -> nn.Module:
    """The vocoder module for a spec (weights uninitialised for the neural ones)."""
    if spec.kind == "griffin_lim":
        assert spec.griffin_lim is not None
        return GriffinLimVocoder(spec.griffin_lim)
    assert spec.generator is not None
    if spec.kind == "bigvgan_bwe":
        assert spec.bwe is not None
        return BandwidthExtendedVocoder(spec.generator, spec.bwe)
    return BigVGANGenerator(spec.generator) if spec.kind == "bigvgan" else MelGenerator(spec.generator)
