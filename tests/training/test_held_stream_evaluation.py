"""The sound-for-video, video-for-sound, best-of and retake figures of the evaluation stage, on the
tiny random checkpoint: every figure is measured (the model is random, so only the plumbing and
the exactness are checked), and the table states each one."""

from talkies.training.evaluate import held_out_cases, summarize
from talkies.training.evaluate_held_streams import held_stream_figures, held_stream_table


def test_held_stream_figures_are_measured_and_tabled(quick_model):
    cases = held_out_cases(12)
    picked = [next(c for c in cases if c.kind == "impacts"), next(c for c in cases if c.kind == "voice")]
    figures = held_stream_figures(quick_model, picked, seed=2, summarize=summarize)
    assert figures["clips"] == 2 and figures["impact_clips"] == 1
    for name in ("add_sound", "add_sound_cross_attention_off", "animate", "animate_cross_attention_off"):
        assert figures[name]["voice_clips"] == 1, name  # the speaking clip was scored for lip sync
        assert figures[name]["lip_sync_median_correlation"] is not None
    assert figures["add_sound"]["impact_contacts"] > 0, "the true frames' contacts are counted"
    assert figures["retake"]["clips"] == 1 and figures["retake"]["outside_bit_exact"] is True
    assert len(figures["retake"]["rows"][0]["seams"]) == 2
    table = held_stream_table(figures)
    assert "Add Sound: impacts with audio within ±1 frame" in table
    assert "outside the window bit-exact in latents: yes" in table
