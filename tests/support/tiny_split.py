"""Tiny LTX-2.3 and LTX-2.5 models written both ways they are published: one single file, or
split into component files in ComfyUI's folders, holding the same weights.

Single file: ``model.diffusion_model.*`` (transformer and connectors), ``text_embedding_projection.*``
(2.3), ``vae.{encoder,decoder,per_channel_statistics}.*``, ``audio_vae.*`` and ``vocoder.*``, one
``config`` with every section. Split: ``diffusion_models/`` the transformer (prefixed, or bare
as ComfyUI saves it), ``vae/`` the video VAE with bare keys (or ``vae.``) and its ``vae`` config,
``vae/`` the audio VAE with its vocoder under their own prefixes and ``audio_vae`` + ``vocoder``
config, ``text_encoders/`` the 2.3 text projection.

The 2.5 transformer is the committed reference-made one (tests/data/ltx25/published.safetensors,
ltx-core 1.2.0) with the text connectors of the committed 2.5 text side (text.transformer.safetensors,
the same widths: video 32, audio 16, fed by text.gemma4.safetensors' projection), so the pair runs
text to clip with that Gemma 4 file as its text encoder; the codecs are LTX-2.3's layouts at tiny
widths with seeded random weights.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import torch

from talkies.model.audio_vae.config import audio_vae_config
from talkies.model.audio_vae.model import AudioDecoder, AudioEncoder
from talkies.model.config import transformer_config
from talkies.model.loading.safetensors_file import SafetensorsFile, write_safetensors
from talkies.model.text.conditioner import TextConditioner
from talkies.model.transformer.model import AVTransformer
from talkies.model.video_vae.config import video_vae_config
from talkies.model.video_vae.model import VideoDecoder, VideoEncoder
from talkies.model.vocoder.config import LTX23_SECTION, build_vocoder, vocoder_spec
from talkies.training.builtin_config import AUDIO_VAE

from tiny_checkpoint import TINY_VAE
from tiny_ltx_config import randomize, tiny_config

LTX25_DATA = Path(__file__).resolve().parents[1] / "data" / "ltx25"
LTX25_TRANSFORMER = LTX25_DATA / "published.safetensors"
LTX25_TEXT_SIDE = LTX25_DATA / "text.transformer.safetensors"  # its connectors
LTX25_GEMMA4 = LTX25_DATA / "text.gemma4.safetensors"  # the text encoder with LTX's projection
CONNECTOR_KEYS = (
    "model.diffusion_model.video_embeddings_connector.",
    "model.diffusion_model.audio_embeddings_connector.",
)
LATENT_CHANNELS = 16  # both tiny transformers' in_channels and audio_in_channels
STATISTICS = "per_channel_statistics."


def _video_section() -> dict:
    return {**TINY_VAE, "latent_channels": LATENT_CHANNELS}


def _audio_sections() -> dict:
    """LTX-2.3's audio layout (stereo, 64 mel bins, BigVGAN + bandwidth extension) at tiny widths:
    one latent channel × 16 mel cells = the transformer's 16 audio channels."""
    audio = copy.deepcopy(AUDIO_VAE)
    audio["model"]["params"]["ddconfig"].update({"z_channels": 1, "in_channels": 2, "out_ch": 2})
    vocoder = copy.deepcopy(LTX23_SECTION)
    vocoder["vocoder"]["upsample_initial_channel"] = 64
    vocoder["bwe"]["upsample_initial_channel"] = 32
    return {"audio_vae": audio, "vocoder": vocoder}


def _codec_pair(encoder: torch.nn.Module, decoder: torch.nn.Module, seed: int) -> dict[str, torch.Tensor]:
    """encoder.* / decoder.* / per_channel_statistics.* (shared, stored once), random weights."""
    randomize(encoder, seed), randomize(decoder, seed + 1)
    g = torch.Generator().manual_seed(seed + 2)
    values = {
        name: torch.rand(b.shape, generator=g) + 0.5
        if "std" in name
        else torch.randn(b.shape, generator=g) * 0.3
        for name, b in encoder.per_channel_statistics.named_buffers()
    }
    with torch.no_grad():
        for module in (encoder, decoder):
            for name, b in module.per_channel_statistics.named_buffers():
                b.copy_(values[name])
    out: dict[str, torch.Tensor] = {}
    for half, module in (("encoder.", encoder), ("decoder.", decoder)):
        for k, v in module.state_dict().items():
            out[k if k.startswith(STATISTICS) else half + k] = v
    return out


def _transformer_side(generation: str, seed: int) -> tuple[dict, dict[str, str], dict, dict]:
    """(config sections, metadata, transformer tensors as in the file, text projection tensors)."""
    if generation == "2.5":
        with SafetensorsFile(LTX25_TRANSFORMER) as f, SafetensorsFile(LTX25_TEXT_SIDE) as text:
            tensors = {k: f.read(k) for k in f.tensors}
            tensors.update({k: text.read(k) for k in text.tensors if k.startswith(CONNECTOR_KEYS)})
            metadata = {k: v for k, v in f.metadata.items() if k != "config"}
            config = copy.deepcopy(f.config)
            config["transformer"]["connector_ff_bias"] = text.config["transformer"]["connector_ff_bias"]
            return config, metadata, tensors, {}
    config = tiny_config("2.3")
    cfg = transformer_config(config)
    transformer = randomize(AVTransformer(cfg), seed)
    conditioner = randomize(TextConditioner(cfg), seed + 1)
    tensors = {"model.diffusion_model." + k: v for k, v in transformer.state_dict().items()}
    projection = {}
    for k, v in conditioner.state_dict().items():
        if k.startswith("feature_extractor."):
            projection["text_embedding_projection." + k.removeprefix("feature_extractor.")] = v
        else:
            tensors["model.diffusion_model." + k] = v
    return config, {"model_version": "2.3.0"}, tensors, projection


def tiny_model(generation: str, seed: int = 0) -> dict:
    """Every part's tensors and config, keyed as in a single file."""
    config, metadata, transformer, projection = _transformer_side(generation, seed)
    video = _video_section()
    audio = _audio_sections()
    video_cfg = video_vae_config(video)
    vae = _codec_pair(VideoEncoder(video_cfg), VideoDecoder(video_cfg), seed + 10)
    audio_cfg = audio_vae_config(audio)
    audio_vae = _codec_pair(AudioEncoder(audio_cfg), AudioDecoder(audio_cfg), seed + 20)
    vocoder = randomize(build_vocoder(vocoder_spec(audio)), seed + 30, std=0.05)
    return {
        "config": {**config, "vae": video, **audio},
        "metadata": metadata,
        "transformer": transformer,
        "text_projection": projection,
        "vae": vae,
        "audio_vae": audio_vae,
        "vocoder": {k: v for k, v in vocoder.state_dict().items() if not k.endswith("inverse_basis")},
    }


def _prefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {prefix + k: v.contiguous() for k, v in tensors.items()}


def _write(path: Path, tensors: dict[str, torch.Tensor], config: dict, metadata: dict) -> Path:
    return write_safetensors(path, tensors, {**metadata, "config": json.dumps(config)})


def write_single_file(folder: Path, generation: str, seed: int = 0) -> Path:
    m = tiny_model(generation, seed)
    tensors = {
        **m["transformer"],
        **m["text_projection"],
        **_prefixed("vae.", m["vae"]),
        **_prefixed("audio_vae.", m["audio_vae"]),
        **_prefixed("vocoder.", m["vocoder"]),
    }
    return _write(
        folder / "checkpoints" / f"ltx-{generation}-tiny.safetensors", tensors, m["config"], m["metadata"]
    )


def write_split_files(
    folder: Path, generation: str, seed: int = 0, *, bare_transformer: bool = False, vae_prefix: str = ""
) -> dict[str, Path]:
    """The same weights as write_single_file, one file per component, by TalkiesModel keyword."""
    m = tiny_model(generation, seed)
    config = m["config"]
    transformer_config_sections = {k: v for k, v in config.items() if k in ("transformer", "text_encoder")}
    transformer = m["transformer"]
    if bare_transformer:
        transformer = {k.removeprefix("model.diffusion_model."): v for k, v in transformer.items()}
    name = f"ltx-{generation}-tiny"
    files = {
        "path": _write(
            folder / "diffusion_models" / f"{name}-transformer.safetensors",
            transformer,
            transformer_config_sections,
            m["metadata"],
        ),
        "video_vae": _write(
            folder / "vae" / f"{name}-video-vae.safetensors",
            _prefixed(vae_prefix, m["vae"]),
            {"vae": config["vae"]},
            {},
        ),
        "audio_vae": _write(
            folder / "vae" / f"{name}-audio-vae.safetensors",
            {**_prefixed("audio_vae.", m["audio_vae"]), **_prefixed("vocoder.", m["vocoder"])},
            {"audio_vae": config["audio_vae"], "vocoder": config["vocoder"]},
            {},
        ),
    }
    if m["text_projection"]:
        files["text_projection"] = _write(
            folder / "text_encoders" / f"{name}-text-projection.safetensors", m["text_projection"], {}, {}
        )
    return files
