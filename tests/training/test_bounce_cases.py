"""The bounce count is measured on held-out prompts that claim one, and the metric reads them
right on the true clips (so a low figure is the model's, not the detector's)."""

from talkies.toyworld import render, sample_spec
from talkies.toyworld.caption_parse import parse_caption
from talkies.toyworld.held_out import HELD_OUT_SEED_START
from talkies.toyworld.metrics import evaluate_clip
from talkies.training.evaluate import bounce_cases, held_out_cases


def test_bounce_cases_are_the_first_held_out_prompts_that_say_how_often():
    cases = bounce_cases(3)
    seeds = [c.seed for c in cases]
    assert seeds == sorted(seeds) and seeds[0] >= HELD_OUT_SEED_START
    assert all(parse_caption(c.caption).bounces is not None for c in cases)
    skipped = [c for c in held_out_cases(seeds[-1] - HELD_OUT_SEED_START) if c.seed not in seeds]
    assert skipped and all(parse_caption(c.caption).bounces is None for c in skipped)


def test_the_bounce_check_passes_on_the_true_clips():
    for case in bounce_cases(3):
        clip = render(sample_spec(case.seed))
        report = evaluate_clip(clip.frames, clip.fps, clip.waveform[0], clip.sample_rate, clip.caption)
        (check,) = [c for c in report["adherence"]["checks"] if c["check"] == "bounces"]
        assert check["ok"], (case.caption, check)
