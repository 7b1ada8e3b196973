"""Test oracle: tiny random LTX-2 models from the reference implementation (ltx-core).

Builds reference modules at small configs, initialises them from a seed and writes their
state dicts into one safetensors file with LTX-2's key prefixes and ``config`` metadata,
exactly as published checkpoints are laid out.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

ltx_core = pytest.importorskip("ltx_core", reason="ltx-core (the reference) is a test dependency")

from ltx_core.model.transformer import model_configurator as ref_configurator  # noqa: E402
from ltx_core.model.transformer.model import LTXModel  # noqa: E402
from ltx_core.model.transformer.transformer_args import MultiModalTransformerArgsPreprocessor  # noqa: E402
from ltx_core.text_encoders.gemma.embeddings_connector import (  # noqa: E402
    AudioEmbeddings1DConnectorConfigurator,
    Embeddings1DConnectorConfigurator,
)
from ltx_core.text_encoders.gemma.embeddings_processor import EmbeddingsProcessor  # noqa: E402
from ltx_core.text_encoders.gemma.feature_extractor import FeatureExtractorV1, FeatureExtractorV2  # noqa: E402

from talkies.model.loading.safetensors_file import write_safetensors  # noqa: E402

# Re-exported: the parity tests take the tiny configs from here with the reference's modules.
from tiny_ltx_config import TEXT_HIDDEN, TEXT_LAYERS, randomize, tiny_config  # noqa: E402, F401


def _materialize(module: torch.nn.Module) -> torch.nn.Module:
    return module.to_empty(device="cpu").float()


def reference_transformer(config: dict, seed: int = 0) -> LTXModel:
    with torch.device("meta"):
        model = ref_configurator.LTXModelConfigurator.from_config(config)
    return randomize(_materialize(model), seed).eval()


def reference_text_processor(config: dict, seed: int = 1) -> EmbeddingsProcessor:
    t = config["transformer"]
    flat = TEXT_HIDDEN * TEXT_LAYERS
    if t.get("caption_proj_before_connector"):
        video_dim = t["num_attention_heads"] * t["attention_head_dim"]
        audio_dim = t["audio_num_attention_heads"] * t["audio_attention_head_dim"]
        extractor = FeatureExtractorV2(
            video_aggregate_embed=torch.nn.Linear(flat, video_dim),
            embedding_dim=TEXT_HIDDEN,
            audio_aggregate_embed=torch.nn.Linear(flat, audio_dim),
        )
    else:
        extractor = FeatureExtractorV1(torch.nn.Linear(flat, TEXT_HIDDEN, bias=False), is_av=True)
    processor = EmbeddingsProcessor(
        feature_extractor=extractor,
        video_connector=Embeddings1DConnectorConfigurator.from_config(config),
        audio_connector=AudioEmbeddings1DConnectorConfigurator.from_config(config),
    )
    return randomize(processor.float(), seed).eval()


def checkpoint_tensors(transformer: LTXModel | None, processor: EmbeddingsProcessor | None) -> dict:
    """State dicts under the prefixes published LTX-2 files use."""
    out: dict[str, torch.Tensor] = {}
    if transformer is not None:
        for k, v in transformer.state_dict().items():
            out["model.diffusion_model." + k] = v
    if processor is not None:
        for k, v in processor.state_dict().items():
            if k.startswith("feature_extractor."):
                out["text_embedding_projection." + k.removeprefix("feature_extractor.")] = v
            elif k.startswith("video_connector."):
                out[
                    "model.diffusion_model.video_embeddings_connector." + k.removeprefix("video_connector.")
                ] = v
            elif k.startswith("audio_connector."):
                out[
                    "model.diffusion_model.audio_embeddings_connector." + k.removeprefix("audio_connector.")
                ] = v
    return {k: v.contiguous() for k, v in out.items()}


def write_checkpoint(path: Path, config: dict, tensors: dict, version: str | None = None) -> Path:
    metadata = {"config": json.dumps(config)}
    if version:
        metadata["model_version"] = version
    return write_safetensors(path, tensors, metadata)


class FirstReleaseCrossTimesteps:
    """Context manager: make ltx-core modulate A/V cross-attention as LTX-2.0's first public
    release (2026-01-05) did, from each stream's own per-token timesteps."""

    def __enter__(self):
        self._orig = MultiModalTransformerArgsPreprocessor.prepare
        orig = self._orig

        def prepare(pre, modality, cross_modality=None):
            args = orig(pre, modality, cross_modality)
            scale_shift, gate = pre._prepare_cross_attention_timestep(
                timestep=modality.timesteps,
                timestep_scale_multiplier=pre.simple_preprocessor.timestep_scale_multiplier,
                batch_size=args.x.shape[0],
                hidden_dtype=modality.latent.dtype,
            )
            return replace(args, cross_scale_shift_timestep=scale_shift, cross_gate_timestep=gate)

        MultiModalTransformerArgsPreprocessor.prepare = prepare
        return self

    def __exit__(self, *exc):
        MultiModalTransformerArgsPreprocessor.prepare = self._orig


def write_text_checkpoint(path: Path, generation: str, seed: int = 1) -> tuple[Path, EmbeddingsProcessor]:
    """A checkpoint holding only the reference text processor (feature extractor and connectors)
    of a tiny ``generation`` config, and that processor."""
    config = tiny_config(generation)
    processor = reference_text_processor(config, seed=seed)
    return write_checkpoint(path, config, checkpoint_tensors(None, processor)), processor


def random_prompt(transformer, generator: torch.Generator, tokens: int = 5):
    """A random prompt embedding of the widths ``transformer`` (ours) takes, all tokens valid."""
    from talkies.model.text.conditioner import PromptEmbedding

    cfg = transformer.cfg
    video_dim, audio_dim = (cfg.caption_channels,) * 2 if cfg.caption_projection else (32, 16)
    return PromptEmbedding(
        torch.randn(1, tokens, video_dim, generator=generator),
        torch.randn(1, tokens, audio_dim, generator=generator),
        torch.ones(1, tokens, dtype=torch.bool),
    )
