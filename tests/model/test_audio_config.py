"""Reading the audio_vae and vocoder config sections: published files, our own schema, and bad configs."""

from __future__ import annotations

import copy

import pytest
import torch

from talkies.model import Checkpoint, load_audio_decoder, load_vocoder, vocoder_from_config
from talkies.model.audio_vae.config import audio_vae_config
from talkies.model.vocoder.config import vocoder_spec
from talkies.model.vocoder.griffin_lim import GriffinLimVocoder

from audio_oracle import PUBLISHED_AUDIO_VAE, PUBLISHED_VOCODER_20, PUBLISHED_VOCODER_23, write_checkpoint


def test_published_audio_vae():
    cfg = audio_vae_config({"audio_vae": PUBLISHED_AUDIO_VAE})
    assert (cfg.z_channels, cfg.latent_mel_bins, cfg.statistics_size) == (8, 16, 128)
    assert cfg.latents_per_second == 25 and cfg.time_downsample == 4
    assert (cfg.mel.sample_rate, cfg.mel.n_fft, cfg.mel.hop_length, cfg.mel.mel_bins) == (
        16000,
        1024,
        160,
        64,
    )
    assert cfg.causal and not cfg.mid_attention and not cfg.attn_resolutions
    assert [cfg.mel_frames(n) for n in (1, 2, 126)] == [1, 5, 501]
    assert [cfg.latent_frames(n) for n in (1, 5, 101, 103, 501)] == [1, 2, 26, 26, 126]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"causality_axis": "width"}, "causality_axis"),
        ({"norm_type": "group"}, "group norm"),
        ({"norm_type": "batch"}, "norm_type"),
        ({"attn_type": "linear"}, "attn_type"),
        ({"resamp_with_conv": False}, "resamp_with_conv"),
        ({"mel_bins": 2}, "too few"),
    ],
)
def test_bad_audio_vae_configs(change, message):
    section = copy.deepcopy(PUBLISHED_AUDIO_VAE)
    section["model"]["params"]["ddconfig"].update(change)
    with pytest.raises(ValueError, match=message):
        audio_vae_config({"audio_vae": section})


def test_published_vocoders_carry_their_true_rates():
    ltx20 = vocoder_spec({"audio_vae": PUBLISHED_AUDIO_VAE, "vocoder": PUBLISHED_VOCODER_20})
    assert (ltx20.kind, ltx20.sample_rate, ltx20.generator.hop) == ("hifigan", 24000, 240)
    ltx23 = vocoder_spec({"audio_vae": PUBLISHED_AUDIO_VAE, "vocoder": PUBLISHED_VOCODER_23})
    assert (ltx23.kind, ltx23.sample_rate, ltx23.generator.sample_rate) == ("bigvgan_bwe", 48000, 16000)
    assert ltx23.bwe.generator.hop == 240 and ltx23.bwe.ratio == 3
    assert ltx23.generator.final_activation == "clamp" and not ltx23.generator.bias_at_final
    gl = vocoder_spec({"audio_vae": PUBLISHED_AUDIO_VAE, "vocoder": {"type": "griffin_lim", "n_iter": 8}})
    assert (gl.kind, gl.sample_rate, gl.griffin_lim.n_iter) == ("griffin_lim", 16000, 8)


def test_griffin_lim_follows_the_front_end_of_a_small_model():
    section = copy.deepcopy(PUBLISHED_AUDIO_VAE)
    section["model"]["params"]["sampling_rate"] = 8000
    section["preprocessing"]["stft"].update({"hop_length": 80, "filter_length": 256})
    section["model"]["params"]["ddconfig"]["mel_bins"] = 32
    vocoder = vocoder_from_config({"audio_vae": section, "vocoder": {"type": "griffin_lim", "n_iter": 4}})
    assert isinstance(vocoder, GriffinLimVocoder)
    assert (vocoder.sample_rate, vocoder.hop) == (8000, 80)
    assert vocoder(torch.zeros(1, 2, 10, 32) - 5).shape == (1, 2, 800)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({**PUBLISHED_VOCODER_20, "output_sampling_rate": 16000}, "disagrees with its upsampling"),
        ({**PUBLISHED_VOCODER_20, "resblock": "2"}, "resblock"),
        ({**PUBLISHED_VOCODER_20, "upsample_kernel_sizes": [16, 15, 8, 4]}, "equal length"),
        ({**PUBLISHED_VOCODER_20, "upsample_kernel_sizes": [15, 15, 8, 4, 4]}, "even number"),
        ({**PUBLISHED_VOCODER_20, "type": "wavenet"}, "vocoder type"),
        ({**PUBLISHED_VOCODER_20, "type": "bigvgan"}, "does not match"),
        ({"vocoder": PUBLISHED_VOCODER_23["vocoder"], "bwe": {"n_fft": 512}}, "missing"),
        (
            {
                "vocoder": PUBLISHED_VOCODER_23["vocoder"],
                "bwe": {**PUBLISHED_VOCODER_23["bwe"], "hop_length": 160},
            },
            "disagrees|hop_length",
        ),
        ({"type": "griffin_lim", "momentum": 1.5}, "momentum"),
    ],
)
def test_bad_vocoder_sections(section, message):
    with pytest.raises(ValueError, match=message):
        vocoder_spec({"audio_vae": PUBLISHED_AUDIO_VAE, "vocoder": section})


def test_missing_section_is_told_apart_by_keys():
    assert vocoder_spec({}, {"vocoder.bwe_generator.conv_pre.weight"}).kind == "bigvgan_bwe"
    assert vocoder_spec({}, {"vocoder.conv_pre.weight"}).kind == "hifigan"
    with pytest.raises(ValueError, match="griffin_lim"):
        vocoder_spec({}, {"model.diffusion_model.x"})


def test_loaders_explain_a_file_without_audio(tmp_path):
    path = write_checkpoint(
        tmp_path / "video_only.safetensors", {}, {"vae.decoder.conv_in.weight": torch.zeros(1)}
    )
    with pytest.raises(ValueError, match="no audio VAE decoder"):
        load_audio_decoder(path)
    with pytest.raises(ValueError, match="no vocoder"):
        load_vocoder(Checkpoint(path))
    with pytest.raises(FileNotFoundError):
        load_vocoder(tmp_path / "missing.safetensors")


def test_loader_reports_weights_that_do_not_fit(tmp_path):
    config = {
        "audio_vae": PUBLISHED_AUDIO_VAE,
        "vocoder": {**PUBLISHED_VOCODER_20, "upsample_initial_channel": 64},
    }
    path = write_checkpoint(
        tmp_path / "wrong.safetensors", config, {"vocoder.conv_pre.weight": torch.zeros(8, 128, 7)}
    )
    with pytest.raises(ValueError, match="missing"):
        load_vocoder(path)
