"""Tiny LTX-2 configs and seeded weights: what both reference oracles (ltx-core 1.0.0 for LTX-2.0
and 2.3, ltx-core 1.2.0 for LTX-2.5) build their small random models from. Needs no reference."""

from __future__ import annotations

import torch

from talkies.model.config import LTX_TRANSFORMER_CONSTANTS

TEXT_HIDDEN, TEXT_LAYERS = 12, 3


def tiny_config(generation: str = "2.0", **overrides) -> dict:
    """A small LTX-2 config: 2 blocks, video 4×8, audio 4×4, connectors 2×8 (2.0) / stream dims (2.3)."""
    t = {
        **LTX_TRANSFORMER_CONSTANTS,
        "num_layers": 2,
        "num_attention_heads": 4,
        "attention_head_dim": 8,
        "in_channels": 16,
        "out_channels": 16,
        "cross_attention_dim": 32,
        "audio_num_attention_heads": 4,
        "audio_attention_head_dim": 4,
        "audio_in_channels": 16,
        "audio_out_channels": 16,
        "audio_cross_attention_dim": 16,
        "positional_embedding_max_pos": [20, 2048, 2048],
        "audio_positional_embedding_max_pos": [20],
        "av_ca_timestep_scale_multiplier": 1000,
        "rope_type": "interleaved",
        "connector_num_attention_heads": 2,
        "connector_attention_head_dim": 6,
        "connector_num_layers": 2,
        "caption_channels": TEXT_HIDDEN,
    }
    if generation == "2.3":
        t.update(
            {
                "rope_type": "split",
                "frequencies_precision": "float64",
                "apply_gated_attention": True,
                "connector_apply_gated_attention": True,
                "cross_attention_adaln": True,
                "caption_proj_before_connector": True,
                "caption_projection_first_linear": False,
                "caption_proj_input_norm": False,
                "caption_projection_second_linear": False,
                "connector_num_attention_heads": 4,
                "connector_attention_head_dim": 8,
                "audio_connector_num_attention_heads": 4,
                "audio_connector_attention_head_dim": 4,
                "connector_positional_embedding_max_pos": [4096],
            }
        )
    t.update(overrides)
    return {
        "transformer": t,
        "text_encoder": {"hidden_size": TEXT_HIDDEN, "hidden_states": TEXT_LAYERS},
    }


def randomize(module: torch.nn.Module, seed: int, std: float = 0.1) -> torch.nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(module.named_parameters()):
            p.copy_(torch.randn(p.shape, generator=g) * std)
    return module
