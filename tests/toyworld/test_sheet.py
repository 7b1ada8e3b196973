"""The contact sheet draws what the metrics measure: onsets and contacts where the clip has them."""

from __future__ import annotations

import av
import numpy as np

from talkies.__main__ import main
from talkies.model.media.mp4 import write_clip
from talkies.toyworld.build import build_spec
from talkies.toyworld.render import render
from talkies.toyworld.sheet import CONTACT, ONSET, WAVE_HEIGHT, clip_sheet, contact_sheet
from talkies.toyworld.spec import BallSpec

COLUMNS = 6


def _impacts():
    ball = BallSpec(colour="red", size="big", x=0.4, fall_frames=8)
    return render(build_spec("impacts", balls=[ball], ambience="room"))


def _marked_columns(strip: np.ndarray, colour) -> np.ndarray:
    return np.flatnonzero((strip == np.array(colour, np.uint8)).all(axis=2).any(axis=0))


def test_each_true_contact_has_an_onset_and_a_contact_mark_at_its_time():
    clip = _impacts()
    block = clip_sheet(clip.frames, float(clip.fps), clip.waveform, clip.sample_rate, COLUMNS)
    height, width = clip.frames.shape[1], clip.frames.shape[2] * COLUMNS
    assert block.shape == (height + WAVE_HEIGHT, width, 3)
    strip = block[height:]
    onsets, contacts = _marked_columns(strip, ONSET), _marked_columns(strip, CONTACT)
    seconds = len(clip.frames) / float(clip.fps)
    floor = [c for c in clip.truth.contacts if c.side == "floor"]
    assert floor, "the clip needs floor contacts to test with"
    one_frame = width / len(clip.frames)
    for contact in floor:
        x = contact.time / seconds * width
        assert np.abs(onsets - x).min() <= one_frame, f"no onset mark near {contact.time:.3f} s"
        assert np.abs(contacts - x).min() <= 2 * one_frame, f"no contact mark near {contact.time:.3f} s"


def test_silence_gets_no_marks_and_blocks_stack_to_the_widest():
    clip = _impacts()
    quiet = clip_sheet(
        clip.frames[:, :, :64], float(clip.fps), np.zeros_like(clip.waveform), clip.sample_rate, 3
    )
    assert _marked_columns(quiet[clip.frames.shape[1] :], ONSET).size == 0
    loud = clip_sheet(clip.frames, float(clip.fps), clip.waveform, clip.sample_rate, COLUMNS)
    sheet = contact_sheet([quiet, loud])
    assert sheet.shape[1] == loud.shape[1] and sheet.shape[0] > quiet.shape[0] + loud.shape[0]


def test_the_sheet_command_writes_a_png_of_the_clips(tmp_path, capsys):
    clip = _impacts()
    video = write_clip(
        tmp_path / "ball.mp4",
        np.ascontiguousarray(clip.frames),
        clip.fps,
        {"waveform": clip.waveform[None], "sample_rate": clip.sample_rate},
    )
    out = tmp_path / "sheet.png"
    assert main(["sheet", str(video), "--columns", "4", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    with av.open(str(out)) as container:
        picture = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert picture.shape == (clip.frames.shape[1] + WAVE_HEIGHT, clip.frames.shape[2] * 4, 3)
    assert main(["sheet", str(video), "-o", str(out)]) == 2, "an existing sheet is kept"


def test_the_sheet_command_draws_held_out_prompts_one_row_each(tmp_path, capsys):
    from talkies.toyworld.held_out import held_out_prompts

    from tiny_checkpoint import shared_tiny_checkpoint

    out = tmp_path / "held_out.png"
    ckpt = str(shared_tiny_checkpoint())
    args = ["sheet", "--held-out", "2", "--model", ckpt, "--steps", "1", "--seconds", "0.5", "--columns", "2"]
    assert main([*args, "-o", str(out)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed == [f"row {i + 1}: {p}" for i, p in enumerate(held_out_prompts(2))] + [str(out)]
    with av.open(str(out)) as container:
        picture = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert picture.shape[0] > 2 * WAVE_HEIGHT, "two rows, each of frames over a waveform"
