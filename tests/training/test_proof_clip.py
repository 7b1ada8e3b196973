"""What the built-in model's proof clip must show: a ball the prompt names, and a knock on time."""

import numpy as np

from talkies.training.evaluate import Case
from talkies.training.proof_clip import synced_ball

CASE = Case(seed=0, kind="impacts", caption="A red ball drops.", first_frame=np.zeros(1), colours=["red"])


def _report(colours, offsets_ms):
    return {"objects": [{"colour": c} for c in colours], "impacts": {"offsets_ms": offsets_ms}}


def test_a_red_ball_with_a_knock_within_a_frame_counts():
    assert synced_ball(_report(["red"], [None, 30.0]), CASE)
    assert synced_ball(_report(["blue", "red"], [-41.0]), CASE)


def test_another_colour_a_late_knock_or_no_knock_does_not():
    assert not synced_ball(_report(["blue"], [0.0]), CASE)
    assert not synced_ball(_report(["red"], [60.0, -50.0]), CASE)
    assert not synced_ball(_report(["red"], [None]), CASE)
    assert not synced_ball(_report([None], [0.0]), CASE)
