"""The toy world's own figures for best of N: they reward the clip in sync over one out of sync."""

import numpy as np

from talkies.model.media.sync.score import score_clip
from talkies.toyworld.build import build_spec
from talkies.toyworld.prompt_measures import IMPACTS, LIPS, prompt_measures
from talkies.toyworld.render import render
from talkies.toyworld.spec import BallSpec


def _late(waveform: np.ndarray, sample_rate: int, fps: float, frames: int) -> np.ndarray:
    shift = round(frames * sample_rate / fps)
    return np.concatenate([np.zeros_like(waveform[:, :shift]), waveform[:, :-shift]], axis=1)


def _figures(clip, waveform):
    measure = prompt_measures(clip.caption)
    return measure(clip.frames, float(clip.fps), waveform, clip.sample_rate)


def test_a_prompt_without_impacts_or_speech_asks_for_no_figures():
    assert prompt_measures("Light rain falls at night, and no music.") is None
    assert prompt_measures("A red ball bounces on a wooden floor.") is not None
    assert prompt_measures("A cartoon face says hello slowly.") is not None


def test_knocks_on_their_contacts_score_above_knocks_five_frames_late():
    ball = BallSpec(colour="red", size="big", x=0.4, fall_frames=8)
    clip = render(build_spec("impacts", balls=[ball], ambience="room"))
    on_time = _figures(clip, clip.waveform)
    late = _figures(clip, _late(clip.waveform, clip.sample_rate, float(clip.fps), 5))
    assert set(on_time) == {IMPACTS}
    assert on_time[IMPACTS] >= 0.8 > 0.2 >= late[IMPACTS]


def test_a_voice_with_its_mouth_scores_above_the_same_voice_late():
    clip = render(build_spec("voice", manner="says", pacing="slow"))
    on_time = _figures(clip, clip.waveform)
    late = _figures(clip, _late(clip.waveform, clip.sample_rate, float(clip.fps), 6))
    assert set(on_time) == {LIPS}
    assert on_time[LIPS] > late[LIPS] + 0.2


def test_the_sync_score_is_the_mean_of_the_general_one_and_the_callers_figures():
    ball = BallSpec(colour="red", size="big", x=0.4, fall_frames=8)
    clip = render(build_spec("impacts", balls=[ball], ambience="room"))
    general = score_clip(clip.frames, clip.fps, clip.waveform, clip.sample_rate)
    both = score_clip(clip.frames, clip.fps, clip.waveform, clip.sample_rate, lambda *_: {"a": 0.2, "b": 0.5})
    assert both.measured == (("a", 0.2), ("b", 0.5))
    assert abs(both.score - (general.score + 0.7) / 3) < 1e-12
