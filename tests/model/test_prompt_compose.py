"""Structured sound fields → the prompt paragraph the model reads."""

import pytest

from talkies.model.text.prompt import DialogueLine, SoundLayer, compose_prompt, parse_dialogue


def test_dialogue_lines_parse_speaker_manner_level_and_words():
    lines = parse_dialogue("Anna (whispers): I told you so\n\nBen (shouts, loud): Stop!\nCleo: Hello there")
    assert lines == [
        DialogueLine(speaker="Anna", words="I told you so", manner="whispers", level="normal"),
        DialogueLine(speaker="Ben", words="Stop!", manner="shouts", level="loud"),
        DialogueLine(speaker="Cleo", words="Hello there", manner="says", level="normal"),
    ]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [("no colon here", "is not 'Speaker (manner): words'"), ("Anna (mumbles): hi", "'mumbles' is neither")],
)
def test_bad_dialogue_lines_say_how_to_write_them(line, fragment):
    with pytest.raises(ValueError, match="dialogue line 1") as caught:
        parse_dialogue(line)
    assert fragment in str(caught.value)


def test_composed_prompt_puts_scene_then_dialogue_then_layers_with_level_words():
    text = compose_prompt(
        "A woman sits by a window",
        parse_dialogue("the woman (whispers, soft): Did you hear that?"),
        [
            SoundLayer("effects", "a door slams", "loud"),
            SoundLayer("ambience", "rain", "soft"),
            SoundLayer("music", "piano", "normal"),
            SoundLayer("music", "   ", "loud"),
        ],
    )
    assert text == (
        'A woman sits by a window. The woman whispers quietly: "Did you hear that?" '
        "Loud sound effects: a door slams. Faint ambience: rain. Music: piano."
    )


def test_scene_alone_is_kept_as_written_and_empty_fields_add_nothing():
    assert compose_prompt("  A red ball  bounces! ") == "A red ball bounces!"
    assert compose_prompt("", (), [SoundLayer("ambience", "wind", "loud")]) == "Loud ambience: wind."


def test_levels_and_manners_are_checked():
    with pytest.raises(ValueError, match="level must be one of"):
        SoundLayer("music", "piano", "medium")
    with pytest.raises(ValueError, match="manner must be one of"):
        DialogueLine(speaker="Anna", words="hi", manner="mutters")
