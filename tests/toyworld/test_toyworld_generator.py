"""The toy-world generator: deterministic, configurable, and its ground truth is exact."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from talkies.toyworld import BallSpec, ClipFormat, GlassSpec, build_spec, render, sample_spec
from talkies.toyworld.layout import Layout
from talkies.toyworld.vocabulary import BALL_COLOURS, GLASS_COLOUR


def _pixels_of(frame: np.ndarray, colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    return np.nonzero(np.all(frame == np.array(colour, dtype=np.uint8), axis=-1))


@pytest.mark.parametrize("seed", [0, 7, 123])
def test_same_seed_gives_the_same_clip(seed):
    a, b = render(sample_spec(seed)), render(sample_spec(seed))
    assert a.spec == b.spec and a.caption == b.caption
    np.testing.assert_array_equal(a.frames, b.frames)
    np.testing.assert_array_equal(a.waveform, b.waveform)
    assert a.truth.contacts == b.truth.contacts and a.truth.levels_db == b.truth.levels_db


def test_different_seeds_give_different_clips():
    clips = [render(sample_spec(s)) for s in range(6)]
    assert len({c.caption for c in clips}) == 6
    assert len({c.waveform.tobytes() for c in clips}) == 6


def test_default_format_and_value_ranges():
    clip = render(sample_spec(3))
    assert clip.frames.shape == (49, 128, 128, 3) and clip.frames.dtype == np.uint8
    assert clip.fps == Fraction(24) and clip.sample_rate == 16000
    assert clip.waveform.dtype == np.float32 and clip.waveform.shape == (1, round(49 / 24 * 16000))
    assert np.abs(clip.waveform).max() <= 1.0


def test_custom_format_renders_at_that_format():
    fmt = ClipFormat(height=96, width=160, frames=33, fps=Fraction(30), sample_rate=22050, channels=2)
    clip = render(sample_spec(11, fmt=fmt, kinds=("impacts",)))
    assert clip.frames.shape == (33, 96, 160, 3)
    assert clip.waveform.shape == (2, round(33 / 30 * 22050))
    assert all(c.frame < 33 for c in clip.truth.contacts)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"frames": 50}, "nearest valid: 49 or 57"),
        ({"frames": 4}, "nearest valid: 9 or 17"),
        ({"height": 100}, "nearest valid: 96 or 128"),
        ({"width": 130}, "nearest valid: 128 or 160"),
        ({"sample_rate": 8000}, "at least 16000"),
        ({"channels": 3}, "mono"),
    ],
)
def test_bad_formats_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ClipFormat(**kwargs)


def test_bad_specs_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="ball colour must be one of"):
        BallSpec(colour="orange", size="big", x=0.5)
    with pytest.raises(ValueError, match="use at most"):
        render(build_spec("impacts", balls=[BallSpec(colour="red", size="big", x=0.5, fall_frames=40)]))
    with pytest.raises(ValueError, match="needs a manner"):
        build_spec("voice")


def test_explicit_spec_places_the_ball_and_lands_it_on_its_contact_frame():
    spec = build_spec(
        "impacts", balls=[BallSpec(colour="red", size="big", x=0.25, release_frame=4, fall_frames=8)]
    )
    clip = render(spec)
    layout = Layout.of(spec.format)
    r = layout.radius("big")
    rows, cols = _pixels_of(clip.frames[0], BALL_COLOURS["red"])
    drop = 0.5 * layout.gravity * 8**2
    assert cols.mean() + 0.5 == pytest.approx(layout.x_at(0.25, r), abs=0.5)
    assert rows.mean() + 0.5 == pytest.approx(layout.floor_top - r - drop, abs=0.5)
    first = clip.truth.contacts[0]
    assert (first.frame, first.side, first.colour) == (12, "floor", "red")
    assert first.time == pytest.approx(12 / 24)
    landed_rows, _ = _pixels_of(clip.frames[12], BALL_COLOURS["red"])
    assert landed_rows.max() == layout.floor_top - 1
    assert all(
        _pixels_of(clip.frames[k], BALL_COLOURS["red"])[0].max() < layout.floor_top - 1 for k in (11, 13)
    )


def test_each_contact_sound_starts_at_its_contact_sample():
    spec = build_spec(
        "impacts", balls=[BallSpec(colour="blue", size="small", x=0.5, fall_frames=7)], surface="wood"
    )
    clip = render(spec)
    x, sr = clip.waveform[0].astype(np.float64), clip.sample_rate
    assert clip.truth.contacts
    for contact in clip.truth.contacts:
        start = round(contact.time * sr)
        before = np.sqrt(np.mean(x[start - 80 : start] ** 2))
        after = np.sqrt(np.mean(x[start : start + 80] ** 2))
        assert 20 * np.log10(after / before) > 15


def test_stereo_pans_each_impact_by_position():
    fmt = ClipFormat(channels=2)
    for x, louder in ((0.0, 0), (1.0, 1)):
        clip = render(
            build_spec("impacts", fmt=fmt, balls=[BallSpec(colour="white", size="big", x=x, fall_frames=8)])
        )
        start = round(clip.truth.contacts[0].time * clip.sample_rate)
        energy = np.sum(clip.waveform[:, start : start + 400] ** 2, axis=1)
        assert energy[louder] > 10 * energy[1 - louder]


def test_walls_are_hit_on_the_planned_frames():
    ball = BallSpec(
        colour="green",
        size="small",
        x=1.0 - 10 / 20,
        release_frame=0,
        fall_frames=8,
        cross_frames=20,
        direction=1,
    )
    clip = render(build_spec("impacts", balls=[ball]))
    walls = [(c.frame, c.side) for c in clip.truth.contacts if c.side != "floor"]
    assert walls == [(10, "right wall"), (30, "left wall")]


def test_glass_falls_and_shatters_at_its_landing_frame():
    clip = render(build_spec("glass", glass=GlassSpec(x=0.5, release_frame=2, fall_frames=8)))
    landing = clip.truth.contacts[0].frame
    assert landing == 10 and clip.truth.contacts[0].kind == "glass"
    whole = [len(_pixels_of(clip.frames[k], GLASS_COLOUR)[0]) for k in (landing - 1, landing, landing + 5)]
    assert whole[0] > 3 * whole[1] > 0 and whole[2] > 0


def test_levels_follow_the_level_words():
    def levels(**kwargs):
        ball = BallSpec(colour="red", size="big", x=0.5, fall_frames=8)
        return render(build_spec("impacts", balls=[ball], ambience="rain", **kwargs)).truth.levels_db

    loud = levels(impact_level="loud", ambience_level="soft")
    soft = levels(impact_level="soft", ambience_level="loud")
    assert loud["impacts"] - soft["impacts"] == pytest.approx(9.0, abs=0.5)
    assert soft["ambience"] - loud["ambience"] == pytest.approx(11.0, abs=0.5)
    assert loud["impacts"] > loud["ambience"] + 10


def test_mouth_opens_only_while_speaking():
    clip = render(build_spec("voice", manner="says", pacing="slow", seed=4))
    mouth, onsets = clip.truth.mouth_opening, clip.truth.syllable_onsets
    fps = float(clip.fps)
    assert mouth.shape == (49,) and 0.0 <= mouth.min() and mouth.max() <= 1.0
    first = int(np.floor(onsets[0] * fps - 0.5))
    assert np.all(mouth[: max(first, 0)] == 0)
    assert mouth[round(onsets[0] * fps) + 2] > 0.2
    manners = {
        m: render(build_spec("voice", manner=m, seed=4)).truth.levels_db["voice"]
        for m in ("whispers", "shouts")
    }
    assert manners["shouts"] > manners["whispers"] + 10
