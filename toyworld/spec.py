"""Scene specifications: every parameter a toy-world clip is rendered from.

A spec is plain data. ``sample.sample_spec`` draws one at random from a seed,
``build.build_spec`` makes one from explicit parameters, and ``render.render`` turns
either into frames, sound, a caption and the exact ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .vocabulary import (
    AMBIENCES,
    BALL_COLOURS,
    BALL_SIZES,
    IMPACT_KINDS,
    LEVELS,
    MANNERS,
    MAX_BALLS,
    PACINGS,
    SCENE_KINDS,
    SURFACES,
)

MIN_SIDE = 64
MIN_SAMPLE_RATE = 16000


def nearest_valid_frames(frames: int) -> tuple[int, int]:
    """The 8k+1 frame counts just below and above ``frames``."""
    below = max(1, (frames - 1) // 8 * 8 + 1)
    return below, below + 8


def _nearest_multiples(value: int, step: int, minimum: int) -> tuple[int, int]:
    below = max(minimum, value // step * step)
    return below, below + step


def _check_choice(what: str, value: object, choices: tuple[str, ...] | dict) -> None:
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}; got {value!r}")


@dataclass(kw_only=True, frozen=True)
class ClipFormat:
    """Picture and sound format: frames must be 8k+1, sides multiples of 32."""

    height: int = 128
    width: int = 128
    frames: int = 49
    fps: Fraction = Fraction(24)
    sample_rate: int = 16000
    channels: int = 1

    def __post_init__(self) -> None:
        if self.frames < 9 or (self.frames - 1) % 8:
            low, high = nearest_valid_frames(max(self.frames, 9))
            raise ValueError(
                f"frames must be 8k+1 and at least 9; got {self.frames}; nearest valid: {low} or {high}"
            )
        for name in ("height", "width"):
            side = getattr(self, name)
            if side < MIN_SIDE or side % 32:
                low, high = _nearest_multiples(side, 32, MIN_SIDE)
                raise ValueError(
                    f"{name} must be a multiple of 32 and at least {MIN_SIDE}; got {side}; "
                    f"nearest valid: {low} or {high}"
                )
        fps = Fraction(self.fps).limit_denominator(1001)
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        object.__setattr__(self, "fps", fps)
        if self.sample_rate < MIN_SAMPLE_RATE:
            raise ValueError(f"sample_rate must be at least {MIN_SAMPLE_RATE} Hz; got {self.sample_rate}")
        if self.channels not in (1, 2):
            raise ValueError(f"channels must be 1 (mono) or 2 (stereo); got {self.channels}")

    @property
    def duration(self) -> float:
        """Seconds covered by the frames (each frame lasts 1/fps)."""
        return float(self.frames / self.fps)

    @property
    def samples(self) -> int:
        return round(self.duration * self.sample_rate)


@dataclass(kw_only=True, frozen=True)
class BallSpec:
    """One ball. It hangs still until ``release_frame``, then falls for ``fall_frames`` frames
    to its first floor contact and bounces with the surface's restitution. With
    ``cross_frames`` > 0 it also travels sideways, taking that many frames from wall to wall,
    starting in ``direction`` (+1 right, -1 left)."""

    colour: str
    size: str
    x: float  # horizontal position at release: 0 = touching the left wall, 1 = the right wall
    release_frame: int = 0
    fall_frames: int = 8
    cross_frames: int = 0
    direction: int = 1

    def __post_init__(self) -> None:
        _check_choice("ball colour", self.colour, BALL_COLOURS)
        _check_choice("ball size", self.size, BALL_SIZES)
        if not 0.0 <= self.x <= 1.0:
            raise ValueError(f"ball x must be within 0..1 (a share of the room's width); got {self.x}")
        if self.release_frame < 0 or self.fall_frames < 2:
            raise ValueError("release_frame must be >= 0 and fall_frames >= 2")
        if self.cross_frames < 0 or self.direction not in (-1, 1):
            raise ValueError("cross_frames must be >= 0 and direction +1 or -1")


@dataclass(frozen=True)
class GlassSpec:
    """A glass that hangs until ``release_frame``, falls ``fall_frames`` frames and shatters."""

    x: float = 0.5
    release_frame: int = 0
    fall_frames: int = 8

    def __post_init__(self) -> None:
        if not 0.0 <= self.x <= 1.0:
            raise ValueError(f"glass x must be within 0..1; got {self.x}")
        if self.release_frame < 0 or self.fall_frames < 2:
            raise ValueError("release_frame must be >= 0 and fall_frames >= 2")


@dataclass(kw_only=True, frozen=True)
class Syllable:
    onset: float  # seconds
    duration: float  # seconds
    vowel: str  # one of a, e, i, o, u
    pitch: float  # Hz of the voiced source (unused when whispering)
    consonant: bool  # a short noise burst leads the vowel


@dataclass(frozen=True)
class VoiceSpec:
    manner: str
    pacing: str
    syllables: tuple[Syllable, ...]

    def __post_init__(self) -> None:
        _check_choice("manner", self.manner, MANNERS)
        _check_choice("pacing", self.pacing, PACINGS)


@dataclass(frozen=True)
class Note:
    onset: float  # seconds
    duration: float  # seconds
    pitch: float  # Hz


@dataclass(frozen=True)
class MusicSpec:
    level: str
    notes: tuple[Note, ...]

    def __post_init__(self) -> None:
        _check_choice("music level", self.level, LEVELS)


@dataclass(kw_only=True, frozen=True)
class SceneSpec:
    """A whole scene. ``texture_seed`` drives only the noise and scenery details (rain
    streaks, noise beds, shatter fragments); everything with a meaning is explicit here."""

    kind: str
    format: ClipFormat = field(default_factory=ClipFormat)
    ambience: str = "room"
    ambience_level: str = "soft"
    surface: str | None = None
    impact_level: str | None = None
    balls: tuple[BallSpec, ...] = ()
    glass: GlassSpec | None = None
    voice: VoiceSpec | None = None
    music: MusicSpec | None = None
    texture_seed: int = 0

    def __post_init__(self) -> None:
        _check_choice("scene kind", self.kind, SCENE_KINDS)
        _check_choice("ambience", self.ambience, AMBIENCES)
        _check_choice("ambience level", self.ambience_level, LEVELS)
        if self.ambience == "room" and self.ambience_level != "soft":
            raise ValueError("the quiet room has one level only: use ambience_level='soft'")
        has_impacts = self.kind in IMPACT_KINDS
        if has_impacts:
            _check_choice("surface", self.surface, SURFACES)
            _check_choice("impact level", self.impact_level, LEVELS)
        elif self.surface is not None or self.impact_level is not None:
            raise ValueError(f"a {self.kind} scene has no floor: leave surface and impact_level as None")
        if (self.kind == "impacts") != bool(self.balls):
            raise ValueError("balls belong to (and are required by) an 'impacts' scene")
        if len(self.balls) > MAX_BALLS:
            raise ValueError(f"at most {MAX_BALLS} balls fit in a scene; got {len(self.balls)}")
        if any(b.cross_frames for b in self.balls) and len(self.balls) > 1:
            raise ValueError("only a single ball may travel between the walls (cross_frames > 0)")
        if (self.kind == "glass") != (self.glass is not None):
            raise ValueError("a glass belongs to (and is required by) a 'glass' scene")
        if (self.kind == "voice") != (self.voice is not None):
            raise ValueError("a voice belongs to (and is required by) a 'voice' scene")
        if self.kind == "voice" and self.ambience_level != "soft":
            raise ValueError("voice scenes keep their ambience soft, under the voice")
        if self.kind == "voice" and self.music is not None and self.music.level != "soft":
            raise ValueError("voice scenes keep their music soft, under the voice")
