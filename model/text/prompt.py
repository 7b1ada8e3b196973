"""Structured sound fields (dialogue, effects, ambience, music) written into one prompt paragraph.

The models read sound from the prompt's prose: spoken words in quotes after who says them
and how, and the sound layers named with a level word. ``compose_prompt`` writes the fields
in that form after the scene description, as one paragraph:

    A woman sits by a window. The woman whispers: "Did you hear that?" Loud sound effects: a
    door slams. Faint ambience: rain. Gentle music: piano.

Dialogue is written one line per utterance, ``Speaker (manner[, level]): words``, e.g.
``Anna (whispers): I told you so`` or ``Ben (shouts, loud): Stop!``; ``Speaker: words``
means "says".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MANNERS = ("says", "whispers", "shouts", "sings")
LEVELS = ("soft", "normal", "loud")

# How each layer names its level; "normal" adds no word.
_LAYER_LEVEL_WORDS = {
    "effects": {"soft": "soft", "loud": "loud"},
    "ambience": {"soft": "faint", "loud": "loud"},
    "music": {"soft": "gentle", "loud": "loud"},
}
_DIALOGUE_LEVEL_WORDS = {"soft": "quietly", "loud": "loudly"}
_LINE = re.compile(r"^(?P<speaker>[^:()]+?)\s*(?:\((?P<how>[^)]*)\))?\s*:\s*(?P<words>.*\S)\s*$")


@dataclass(kw_only=True, frozen=True)
class DialogueLine:
    speaker: str
    words: str
    manner: str = "says"
    level: str = "normal"

    def __post_init__(self) -> None:
        if self.manner not in MANNERS:
            raise ValueError(f"manner must be one of {', '.join(MANNERS)}; got {self.manner!r}")
        _check_level(self.level)
        if not self.speaker.strip() or not self.words.strip():
            raise ValueError("a dialogue line needs a speaker and the words they say")

    def sentence(self) -> str:
        adverb = _DIALOGUE_LEVEL_WORDS.get(self.level)
        how = f"{self.manner} {adverb}" if adverb else self.manner
        words = self.words.strip().strip('"').strip()
        return f'{_capitalised(self.speaker.strip())} {how}: "{words}"'


@dataclass(frozen=True)
class SoundLayer:
    """One sound layer ("effects", "ambience" or "music"): what is heard, and how loud."""

    kind: str
    description: str
    level: str = "normal"

    def __post_init__(self) -> None:
        if self.kind not in _LAYER_LEVEL_WORDS:
            raise ValueError(f"sound layer must be one of {', '.join(_LAYER_LEVEL_WORDS)}; got {self.kind!r}")
        _check_level(self.level)

    def sentence(self) -> str:
        label = {"effects": "sound effects", "ambience": "ambience", "music": "music"}[self.kind]
        word = _LAYER_LEVEL_WORDS[self.kind].get(self.level)
        text = self.description.strip().rstrip(".")
        return f"{_capitalised(f'{word} {label}' if word else label)}: {text}."


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def parse_dialogue(text: str) -> list[DialogueLine]:
    """Lines of ``Speaker (manner[, level]): words``; blank lines are skipped."""
    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        match = _LINE.match(raw.strip())
        if match is None:
            raise ValueError(
                f"dialogue line {number} ({raw.strip()!r}) is not 'Speaker (manner): words'; "
                "for example 'Anna (whispers): I told you so' or 'Ben: Hello'"
            )
        manner, level = "says", "normal"
        for word in (w.strip().lower() for w in (match.group("how") or "").split(",") if w.strip()):
            if word in MANNERS:
                manner = word
            elif word in LEVELS:
                level = word
            else:
                raise ValueError(
                    f"dialogue line {number}: {word!r} is neither a manner ({', '.join(MANNERS)}) "
                    f"nor a level ({', '.join(LEVELS)})"
                )
        lines.append(
            DialogueLine(
                speaker=match.group("speaker"), words=match.group("words"), manner=manner, level=level
            )
        )
    return lines


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?\"'" else text + "."


def compose_prompt(
    scene: str,
    dialogue: list[DialogueLine] | tuple[DialogueLine, ...] = (),
    layers: list[SoundLayer] | tuple[SoundLayer, ...] = (),
) -> str:
    """The scene description followed by the dialogue and the sound layers, as one paragraph."""
    parts = [_sentence(scene)] if scene.strip() else []
    parts += [line.sentence() for line in dialogue]
    parts += [layer.sentence() for layer in layers if layer.description.strip()]
    return " ".join(parts)
