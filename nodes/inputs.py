"""Node inputs and outputs that several nodes share, each defined once (name, default, range)."""

from __future__ import annotations

from ..model.media.fps import MAX_FPS, MIN_FPS
from ..model.pipeline.empty_clip import MAX_PIXEL_SIZE
from ..model.pipeline.sample import MAX_SEED, MAX_STEPS
from ..model.pipeline.save import DEFAULT_LOUDNESS_LUFS
from .host import io
from .types import GuidanceType

# The loudness choices of the nodes that write a clip, and the target each stands for.
LOUDNESS = {
    "-14 LUFS (ready to post)": -14.0,
    "-16 LUFS": -16.0,
    "-23 LUFS (broadcast)": -23.0,
    "off": None,
}
DEFAULT_LOUDNESS = next(label for label, target in LOUDNESS.items() if target == DEFAULT_LOUDNESS_LUFS)


def fps_input(tooltip: str) -> io.Float.Input:
    return io.Float.Input(
        "fps", default=24.0, min=float(MIN_FPS), max=float(MAX_FPS), step=0.001, tooltip=tooltip
    )


def size_inputs() -> list[io.Int.Input]:
    """A clip's width and height in pixels (snapped to the model's grid by the stage)."""
    return [
        io.Int.Input(
            side,
            default=128,
            min=16,
            max=MAX_PIXEL_SIZE,
            step=16,
            tooltip=f"{side.title()} in pixels; snapped to the model's grid (32 for LTX-2).",
        )
        for side in ("width", "height")
    ]


def seed_input(tooltip: str) -> io.Int.Input:
    return io.Int.Input("seed", default=0, min=0, max=MAX_SEED, control_after_generate=True, tooltip=tooltip)


def steps_input(tooltip: str = "Denoising steps; 0: the model's.") -> io.Int.Input:
    return io.Int.Input("steps", default=0, min=0, max=MAX_STEPS, tooltip=tooltip)


def guidance_input(
    tooltip: str = "Per-stream guidance (from Talkies Guidance); default: the model's.",
) -> GuidanceType.Input:
    return GuidanceType.Input("guidance", optional=True, tooltip=tooltip)


def generation_inputs(seed_tooltip: str) -> list:
    """Seed, steps (0: the model's) and guidance (none: the model's), in that order."""
    return [seed_input(seed_tooltip), steps_input(), guidance_input()]


def media_inputs(fps_tooltip: str) -> list:
    """A clip from anywhere as IMAGE frames, AUDIO and a frame rate."""
    return [
        io.Image.Input(
            "images", tooltip="The clip's frames; sides on the model's grid (multiples of 32 for LTX-2)."
        ),
        io.Audio.Input("audio", tooltip="The clip's sound, any sample rate and channel count."),
        fps_input(fps_tooltip),
    ]


def loudness_input(tooltip: str) -> io.Combo.Input:
    return io.Combo.Input("loudness", options=list(LOUDNESS), default=DEFAULT_LOUDNESS, tooltip=tooltip)


def loudness_target(choice: str) -> float | None:
    if choice not in LOUDNESS:
        raise ValueError(f"loudness must be one of {', '.join(LOUDNESS)}; got {choice!r}")
    return LOUDNESS[choice]


def scale_input(
    name: str, default: float, maximum: float, tooltip: str, step: float = 0.1, minimum: float = 0.0, **extra
) -> io.Float.Input:
    """A strength, scale or time from ``minimum`` (0) up (``extra``: optional=True, advanced=True, ...)."""
    return io.Float.Input(
        name, default=default, min=minimum, max=maximum, step=step, tooltip=tooltip, **extra
    )


def count_input(name: str, default: int, maximum: int, step: int, tooltip: str, **extra) -> io.Int.Input:
    """A size, count or index from 0 up, in steps of ``step``."""
    return io.Int.Input(name, default=default, min=0, max=maximum, step=step, tooltip=tooltip, **extra)


def int_input(name: str, default: int, minimum: int, maximum: int, tooltip: str, **extra) -> io.Int.Input:
    return io.Int.Input(name, default=default, min=minimum, max=maximum, tooltip=tooltip, **extra)


def choice_input(name: str, options, default: str | None, tooltip: str, **extra) -> io.Combo.Input:
    return io.Combo.Input(name, options=list(options), default=default, tooltip=tooltip, **extra)


def flag_input(name: str, default: bool, tooltip: str, **extra) -> io.Boolean.Input:
    return io.Boolean.Input(name, default=default, tooltip=tooltip, **extra)


def text_input(name: str, tooltip: str, *, multiline: bool = False) -> io.String.Input:
    return io.String.Input(name, default="", multiline=multiline, tooltip=tooltip)


def problem_with(parse, value) -> bool | str:
    """A node's ``validate_inputs`` answer: True when ``parse(value)`` accepts it, else its message."""
    try:
        parse(value)
    except (ValueError, FileNotFoundError) as exc:
        return str(exc)
    return True


def clip_outputs(fps_tooltip: str | None = None) -> list:
    """Frames, sound and frame rate: what the nodes that hand on a finished clip output."""
    return [
        io.Image.Output(display_name="images"),
        io.Audio.Output(display_name="audio"),
        io.Float.Output(display_name="fps", tooltip=fps_tooltip),
    ]
