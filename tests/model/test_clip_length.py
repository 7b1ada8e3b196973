"""One rule turns a length in seconds into frames, and every front end uses it."""

from __future__ import annotations

from fractions import Fraction

import pytest

from talkies.__main__ import main
from talkies.model.media.mp4 import probe_clip
from talkies.model.pipeline.extend import plan_window
from talkies.model.pipeline.generate import generate
from talkies.model.sampling.latents import frames_for_seconds, latent_frames_for_seconds
from talkies.nodes.empty_clip import TalkiesEmptyClip
from talkies.nodes.latent_dict import from_latent_dict

from tiny_checkpoint import shared_tiny_checkpoint


@pytest.mark.parametrize(
    ("seconds", "fps", "frames"),
    [
        (1.85, Fraction(24), 41),  # 41 frames last 1.71 s, 49 would last 2.04 s
        (2.0, Fraction(24), 49),  # 2.04 s against 1.71 s
        (1.0, Fraction(24), 25),
        (Fraction(5, 3), Fraction(24), 41),  # 40 wanted: 41 and 33 are 1 and 7 frames away
        (Fraction(9, 24), Fraction(24), 9),  # exactly halfway between 1 and 17 frames: the longer
        (0.01, Fraction(24), 1),
        (5.0, Fraction(30000, 1001), 153),  # 149.85 frames wanted: 145 or 153
    ],
)
def test_seconds_become_the_frame_count_whose_duration_is_nearest(seconds, fps, frames):
    assert frames_for_seconds(seconds, fps) == frames
    duration = Fraction(frames) / fps
    for other in (frames - 8, frames + 8):
        if other >= 1:
            assert abs(Fraction(other) / fps - Fraction(seconds)) >= abs(duration - Fraction(seconds))


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan"), True, "2"])
def test_impossible_lengths_are_refused_with_what_is_allowed(bad):
    with pytest.raises(ValueError, match="length in seconds|positive length"):
        frames_for_seconds(bad, Fraction(24))


def test_an_extension_adds_the_whole_latent_frames_nearest_its_seconds():
    assert latent_frames_for_seconds(1.85, Fraction(24)) == 6  # 48 frames, 2.0 s; 40 would be 1.67 s
    assert latent_frames_for_seconds(1 / 3, Fraction(24)) == 1  # exactly halfway between 0 and 8: 8
    assert latent_frames_for_seconds(0.01, Fraction(24)) == 1  # at least one


def test_cli_empty_clip_node_and_pipeline_agree_on_a_length(quick_model, tmp_path, capsys):
    """1.85 s at 24 fps: the CLI used to make 49 frames and the Empty Clip node 41."""
    seconds = 1.85
    expected = frames_for_seconds(seconds, Fraction(24))
    size = {"width": 128, "height": 128}
    node = TalkiesEmptyClip.execute(quick_model, **size, length=seconds, unit="seconds", fps=24.0)
    clip, _ = from_latent_dict(node.args[0], Fraction(24))
    assert clip.pixel_frames == expected
    assert generate(quick_model, "a ball", seconds=seconds, **size, steps=1).latent.pixel_frames == expected
    out = tmp_path / "clip.mp4"
    args = ["generate", "a ball", "--model", str(shared_tiny_checkpoint()), "--seconds", str(seconds)]
    assert main([*args, "--width", "128", "--height", "128", "--steps", "1", "-o", str(out)]) == 0
    assert probe_clip(out).first("video").frames == expected
    window = plan_window(clip, seconds, overlap=1)
    assert window.new_video == latent_frames_for_seconds(seconds, Fraction(24))
