"""LATENT dicts in ComfyUI's native LTX-2 layout, and the standalone host the nodes run on here."""

from fractions import Fraction

import pytest
import torch

from talkies.model.sampling.av_latent import AVLatent, Keyframe
from talkies.model.sampling.compression import LTX2_COMPRESSION
from talkies.nodes import host
from talkies.nodes.latent_dict import from_latent_dict, to_latent_dict
from talkies.nodes.standalone import runtime


def _latent(masked: bool = False) -> AVLatent:
    video = torch.randn(2, 64, 3, 2, 4)
    audio = torch.randn(2, 8, 10, 16)
    video_mask = torch.ones(2, 1, 3, 2, 4) if masked else None
    if masked:
        video_mask[:, :, 0] = 0.0
    key = (Keyframe(torch.randn(1, 64, 1, 2, 4), 16, 0.5),)
    return AVLatent(
        video=video,
        audio=audio,
        fps=Fraction(24000, 1001),
        compression=LTX2_COMPRESSION,
        video_mask=video_mask,
        audio_mask=None,
        keyframes=key,
    )


def test_joint_latent_is_nested_as_comfyui_concatenates_it():
    d = to_latent_dict(_latent())
    video, audio = d["samples"].unbind()
    assert d["samples"].is_nested and video.shape == (2, 64, 3, 2, 4) and audio.shape == (2, 8, 10, 16)
    assert d["type"] == "audio" and d["downscale_ratio_spacial"] == 32
    assert "noise_mask" not in d
    assert d["fps"] == Fraction(24000, 1001) and d["keyframes"][0].pixel_frame == 16


def test_round_trip_keeps_streams_masks_fps_and_keyframes():
    original = _latent(masked=True)
    d = to_latent_dict(original)
    video_mask, audio_mask = d["noise_mask"].unbind()
    assert video_mask.shape == (2, 1, 3, 2, 4) and audio_mask.shape == (2, 1, 10, 1)
    assert bool((audio_mask == 1).all()), "an unmasked stream is all 'generate'"
    back, fps_known = from_latent_dict(d, Fraction(25))
    assert fps_known and back.fps == original.fps
    assert torch.equal(back.video, original.video) and torch.equal(back.audio, original.audio)
    assert torch.equal(back.video_mask, original.video_mask)
    assert back.keyframes == original.keyframes


def test_native_masks_with_all_channels_and_no_fps_are_read():
    """LTXVConcatAVLatent fills a missing mask with ones_like(samples); native latents carry no fps."""
    video, audio = torch.zeros(1, 128, 2, 1, 1), torch.zeros(1, 8, 5, 16)
    video_mask = torch.ones_like(video)
    video_mask[:, :, 0] = 0.25
    native = {
        "samples": host.nested([video, audio]),
        "noise_mask": host.nested([video_mask, torch.ones_like(audio)]),
    }
    back, fps_known = from_latent_dict(native, Fraction(24))
    assert not fps_known and back.fps == 24
    assert back.video_mask.shape == (1, 1, 2, 1, 1) and float(back.video_mask[0, 0, 0]) == 0.25
    assert back.audio_mask.shape == (1, 1, 5, 1)
    assert torch.allclose(back.video_token_mask(), torch.tensor([[0.25, 1.0]]))


def test_single_stream_latents_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="LTXVConcatAVLatent"):
        from_latent_dict({"samples": torch.zeros(1, 128, 2, 4, 4)}, Fraction(24))
    with pytest.raises(ValueError, match="expected video"):
        from_latent_dict(
            {"samples": host.nested([torch.zeros(1, 8, 5, 16), torch.zeros(1, 8, 5, 16)])}, Fraction(24)
        )


def test_standalone_host_lists_model_files_and_resolves_them(tmp_path):
    (tmp_path / "talkies" / "sub").mkdir(parents=True)
    (tmp_path / "talkies" / "sub" / "a.safetensors").write_bytes(b"x")
    (tmp_path / "talkies" / "notes.txt").write_text("not a model")
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "b.sft").write_bytes(b"x")
    runtime.configure_standalone(models=tmp_path)
    assert host.model_files("talkies") == ["sub/a.safetensors"]
    assert host.model_files("checkpoints") == ["b.sft"]
    assert host.model_file("talkies", "sub/a.safetensors") == tmp_path / "talkies" / "sub" / "a.safetensors"
    assert host.model_file("talkies", "b.sft") is None


def test_standalone_interrupt_is_raised_once_at_the_next_check():
    host.check_interrupt()
    runtime.request_interrupt()
    with pytest.raises(runtime.Interrupted):
        host.check_interrupt()
    host.check_interrupt()


def test_standalone_progress_reaches_listeners_with_the_running_node():
    seen = []
    listener = lambda node, value, total, picture: seen.append((node, value, total, picture is None))  # noqa: E731
    runtime.add_progress_listener(listener)
    try:
        with runtime.running_node("7"):
            bar = host.Progress(3)
            bar.update(1, torch.rand(4, 4, 3))
            bar.update(3)
    finally:
        runtime.remove_progress_listener(listener)
    assert seen == [("7", 1, 3, False), ("7", 3, 3, True)]
