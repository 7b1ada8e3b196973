"""Save Clip with any widget value a user can type: it saves inside the output folder or refuses
with a message; it never fails otherwise, leaves nothing behind, or writes outside the folder."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talkies.model.media.fps import MAX_FPS, MIN_FPS, as_fps
from talkies.nodes import host
from talkies.nodes.inputs import LOUDNESS
from talkies.nodes.save_clip import TalkiesSaveClip
from talkies.nodes.standalone import runtime

from media_samples import audio, moving_frames, tone

SAVER = type("Saver", (TalkiesSaveClip,), {"hidden": host.io.HiddenHolder("9", None, None)})


def save(
    folder: Path, prefix: str, *, fps=24.0, loudness="-14 LUFS (ready to post)", crf=19, frames=3, sound=None
):
    runtime.configure_standalone(output=folder)
    sound = audio(tone(1.0, 48000, channels=2), 48000) if sound is None else sound
    return SAVER.execute(moving_frames(frames, 32, 32), fps, prefix, loudness, crf, False, sound)


@pytest.mark.parametrize("prefix", ["/tmp/elsewhere/clip", "../clip", "talkies/../../clip", "", "~/../../x"])
def test_an_absolute_or_escaping_prefix_is_refused(tmp_path, prefix):
    out = tmp_path / "output"
    out.mkdir()
    with pytest.raises(ValueError, match="must be a relative name"):
        save(out, prefix)
    assert list(tmp_path.rglob("*.mp4")) == [] and not Path("/tmp/elsewhere").exists()


def test_the_ui_shows_the_delivery_and_says_when_the_target_is_missed(tmp_path):
    result = save(tmp_path, "clip", frames=25)
    entry = result.ui["talkies_clips"][0]
    assert entry["delivery"]["target_lufs"] == -14.0
    assert entry["delivery"]["integrated_lufs"] == pytest.approx(-14.0, abs=1.0)
    assert entry["delivery"]["true_peak_dbtp"] <= -1.0
    assert "text" not in result.ui
    short = audio(tone(0.2, 48000, channels=2), 48000)
    result = save(tmp_path, "short", sound=short)
    assert "too short to measure" in result.ui["text"][0]


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    prefix=st.one_of(
        st.text(max_size=12), st.sampled_from(["a/b", "clip.v2", "./x", "a//b", "..", "/x", "C:\\x"])
    ),
    fps=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 1.0, 23.976, 240.0, 241.0])
    ),
    loudness=st.one_of(st.sampled_from(list(LOUDNESS)), st.text(max_size=5)),
    crf=st.integers(min_value=-5, max_value=60),
)
def test_any_widget_value_saves_inside_the_folder_or_is_refused(prefix, fps, loudness, crf):
    with tempfile.TemporaryDirectory() as root:
        out = Path(root) / "output"
        out.mkdir()
        try:
            result = save(out, prefix, fps=fps, loudness=loudness, crf=crf)
        except (ValueError, OSError) as refused:
            assert str(refused)
            assert [p for p in Path(root).rglob("*") if p.is_file()] == []
            return
        written = [p for p in Path(root).rglob("*") if p.is_file()]
        assert len(written) == 1 and written[0].resolve().is_relative_to(out.resolve())
        assert not written[0].name.startswith(".talkies-")
        assert math.isfinite(fps) and MIN_FPS <= as_fps(fps) <= MAX_FPS
        assert result.ui["talkies_clips"][0]["frames"] == 3
