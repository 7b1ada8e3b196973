"""The timing probe tells a transformer that reads the other stream from one that cannot."""

import torch

from talkies.model.config import transformer_config
from talkies.model.sampling.latents import video_tokens
from talkies.model.text.conditioner import TextConditioner
from talkies.model.transformer.model import AVTransformer
from talkies.training import timing_probe as probe
from talkies.training.builtin_config import builtin_config
from talkies.training.latent_dataset import LatentDataset

CROSS_GATES = ("scale_shift_table_a2v_ca", "av_ca_a2v_gate_adaln_single", "av_ca_v2a_gate_adaln_single")


def _random_model(cross_attention: bool) -> tuple[AVTransformer, TextConditioner]:
    config = builtin_config()
    config["transformer"].update(num_layers=1, in_channels=16, out_channels=16)
    cfg = transformer_config(config)
    transformer, conditioner = AVTransformer(cfg), TextConditioner(cfg)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in (transformer, conditioner):
            for _, p in sorted(module.named_parameters()):
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)
        if not cross_attention:  # the audio<->video outputs gated to nothing
            for name, p in transformer.named_parameters():
                if any(part in name for part in CROSS_GATES):
                    p.zero_()
    return transformer, conditioner


def _dataset(n: int = 5) -> LatentDataset:
    g = torch.Generator().manual_seed(1)
    return LatentDataset(
        video=torch.randn(n, 16, 4, 2, 2, generator=g),
        audio=torch.randn(n, 8, 18, 16, generator=g),
        text=[torch.randn(4, 384, 7, generator=g) for _ in range(n)],
        captions=[""] * n,
        seeds=list(range(n)),
    )


def test_a_model_without_cross_attention_reads_nothing_of_its_partner():
    losses = probe.partner_losses(*_random_model(cross_attention=False), _dataset(), batch=3)
    for stream in ("audio", "video"):
        by = losses[stream]
        assert by["true"] > 0 and by["true"] == by["off"] == by["shifted"] == by["other"]
        assert probe.reading(losses)[stream] == {"cross_attention": 0.0, "content": 0.0, "timing": 0.0}


def test_a_model_with_cross_attention_is_moved_by_each_kind_of_partner():
    losses = probe.partner_losses(*_random_model(cross_attention=True), _dataset(), batch=3)
    for stream in ("audio", "video"):
        by = losses[stream]
        assert len({by["true"], by["off"], by["shifted"], by["other"]}) == 4, by
        assert all(v != 0 for v in probe.reading(losses)[stream].values())


def test_the_shifted_partner_is_the_clips_own_one_latent_frame_later():
    ds = _dataset()
    video, audio = ds.video[:3], ds.audio[:3]
    partners = probe._partners(video, audio, generated="audio", audio_frames=4)
    per_frame = 2 * 2
    true, shifted = partners["true"], partners["shifted"]
    assert torch.equal(shifted[:, per_frame:], true[:, :-per_frame])
    assert torch.equal(partners["other"][1], true[0]) and torch.equal(true, video_tokens(video))
    sound = probe._partners(video, audio, generated="video", audio_frames=4)
    assert torch.equal(sound["shifted"][:, 4:], sound["true"][:, :-4])
    # one latent video frame: 4 frames at 24 fps for the built-in model, 4 audio latent frames
    assert probe.shift_seconds() == 4 / 24 and probe.audio_shift() == 4
