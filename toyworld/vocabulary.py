"""The toy world's closed vocabulary: colours, sizes, surfaces, settings, manners, levels.

The generator, the captions and the caption parser all read these tables, so a word means
the same thing in every direction. Colours are plain sRGB triples chosen far apart from each
other and from every background, floor and prop colour, so an object's colour can be named
back from its pixels.
"""

from __future__ import annotations

Rgb = tuple[int, int, int]

BALL_COLOURS: dict[str, Rgb] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 90, 230),
    "yellow": (240, 210, 40),
    "white": (245, 245, 245),
    "purple": (150, 60, 200),
}

# Ball radius as a share of the frame's shorter side (at 128 px: 9 and 14 px).
BALL_SIZES: dict[str, float] = {"small": 0.07, "big": 0.11}

SURFACES = ("wood", "metal", "soft")
SURFACE_COLOURS: dict[str, Rgb] = {
    "wood": (140, 90, 45),
    "metal": (120, 130, 140),
    "soft": (185, 100, 130),
}
# Share of the vertical speed a ball keeps at each floor contact.
RESTITUTION: dict[str, float] = {"wood": 0.72, "metal": 0.85, "soft": 0.5}

AMBIENCES = ("room", "rain", "wind", "seaside", "night")
BACKGROUND_COLOURS: dict[str, Rgb] = {
    "room": (196, 178, 150),
    "rain": (70, 80, 95),
    "wind": (175, 205, 225),
    "seaside": (150, 195, 225),
    "night": (20, 24, 52),
}
CUE_COLOURS: dict[str, Rgb] = {
    "room": (110, 85, 60),  # a picture frame on the wall
    "rain": (150, 165, 185),  # falling streaks
    "wind": (95, 110, 40),  # swaying grass blades
    "seaside": (30, 110, 140),  # the sea, whose waterline moves
    "night": (230, 230, 200),  # stars
}
SAND_COLOUR: Rgb = (205, 165, 95)
GLASS_COLOUR: Rgb = (100, 230, 220)
SKIN_COLOUR: Rgb = (250, 200, 150)
EYE_COLOUR: Rgb = (30, 30, 40)
MOUTH_COLOUR: Rgb = (110, 20, 40)

SCENE_KINDS = ("impacts", "glass", "voice", "ambience")
IMPACT_KINDS = ("impacts", "glass")  # the scenes whose sound has knocks on visible contacts
MANNERS = ("says", "whispers", "shouts", "sings")
PACINGS = ("slow", "fast")
LEVELS = ("soft", "loud")

NUMBER_WORDS: dict[int, str] = {1: "one", 2: "two", 3: "three", 4: "four"}
TIMES_WORDS: dict[int, str] = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times"}
MAX_BALLS = 4

# What each surface sounds like when hit, as caption nouns.
IMPACT_NOUNS: dict[str, str] = {"wood": "knocks", "metal": "clangs", "soft": "thuds"}
SURFACE_PHRASES: dict[str, tuple[str, ...]] = {
    "wood": ("a wooden floor", "wooden boards"),
    "metal": ("a metal floor", "a metal plate"),
    "soft": ("a soft rug", "a soft mat"),
}
IMPACT_LEVEL_WORDS: dict[str, tuple[str, ...]] = {"soft": ("soft", "quiet"), "loud": ("loud", "sharp")}
MUSIC_LEVEL_WORDS: dict[str, tuple[str, ...]] = {"soft": ("soft", "gentle"), "loud": ("loud", "bright")}
MUSIC_NOUNS = ("music", "melody", "tune")

# Ambience phrases per (setting, level); the quiet room has one level only.
AMBIENCE_PHRASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("room", "soft"): ("in a quiet room",),
    ("rain", "soft"): ("in light rain", "under a light rain"),
    ("rain", "loud"): ("in heavy rain", "under a heavy rain"),
    ("wind", "soft"): ("in a gentle breeze",),
    ("wind", "loud"): ("in strong wind", "in a strong wind"),
    ("seaside", "soft"): ("by the sea with gentle waves", "at the seaside with gentle waves"),
    ("seaside", "loud"): ("by the sea with loud surf", "at the seaside with loud surf"),
    ("night", "soft"): ("at night with faint crickets",),
    ("night", "loud"): ("at night with loud crickets",),
}
# The layer phrase used when a caption states relative levels ("soft rain under loud knocks").
AMBIENCE_NOUNS: dict[tuple[str, str], str] = {
    ("rain", "soft"): "light rain",
    ("rain", "loud"): "heavy rain",
    ("wind", "soft"): "a gentle breeze",
    ("wind", "loud"): "strong wind",
    ("seaside", "soft"): "gentle waves",
    ("seaside", "loud"): "loud surf",
    ("night", "soft"): "faint crickets",
    ("night", "loud"): "loud crickets",
}

# Words that name a setting, and words that name its level, as the parser reads them.
AMBIENCE_KEYWORDS: dict[str, str] = {
    "room": "room",
    "rain": "rain",
    "wind": "wind",
    "breeze": "wind",
    "sea": "seaside",
    "seaside": "seaside",
    "waves": "seaside",
    "surf": "seaside",
    "night": "night",
    "crickets": "night",
}
AMBIENCE_LEVEL_KEYWORDS: dict[str, str] = {
    "light": "soft",
    "heavy": "loud",
    "gentle": "soft",
    "strong": "loud",
    "faint": "soft",
    "loud": "loud",
}
MANNER_KEYWORDS: dict[str, str] = {
    "says": "says",
    "talks": "says",
    "speaks": "says",
    "whispers": "whispers",
    "shouts": "shouts",
    "yells": "shouts",
    "sings": "sings",
}
PACING_KEYWORDS: dict[str, str] = {"slowly": "slow", "quickly": "fast", "fast": "fast"}
SPEAKER_PHRASES = ("a cartoon face", "a round cartoon face", "a smiling cartoon face")
