"""The extension figures of the evaluation stage, on the tiny random checkpoint: a 4-part take
of exactly the asked length, three seams scored, sync counted per part."""

import pytest

from talkies.training import evaluate_extension
from talkies.training.evaluate import held_out_cases
from talkies.training.evaluate_extension import extension_figures, extension_table


@pytest.fixture
def short_parts(monkeypatch):
    monkeypatch.setattr(evaluate_extension, "PART_SECONDS", 8 / 24)


def test_a_four_part_take_has_the_summed_length_and_three_scored_seams(quick_model, short_parts):
    case = next(c for c in held_out_cases(8) if c.kind == "impacts")
    frames, wave, rate, starts = evaluate_extension.extend_chain(quick_model, case.caption, seed=3)
    assert starts == [0, 9, 17, 25]
    assert len(frames) == 33
    assert len(wave) == 33 * rate // 24

    figures = extension_figures(quick_model, [case], seed=3)
    assert figures["durations_exact"] == 1.0
    assert len(figures["impact_contacts_by_part"]) == 4
    assert figures["seam_picture_ratio_max"] >= figures["seam_picture_ratio_median"] >= 0
    table = extension_table(figures)
    assert "| Frames and samples = the sum asked for | all | 100 % |" in table


def test_objects_of_no_named_colour_are_counted_not_a_crash():
    from talkies.training.evaluate import detected_colours

    report = {"objects": [{"colour": "red"}, {"colour": None}, {"colour": None}, {"colour": "blue"}]}
    assert detected_colours(report) == ["blue", "red", "unnamed", "unnamed"]
