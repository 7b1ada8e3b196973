"""What the generating nodes hand the pipeline besides their media: guidance, steps, progress."""

from __future__ import annotations

from collections.abc import Callable

from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.held_stream import HeldStreamOptions
from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.sample import StepPreview
from . import host
from .guidance import GuidanceChoice, resolve_guidance


def step_progress(steps_hint: int) -> Callable[[StepPreview], None]:
    """A sampling callback that moves the node's progress bar and stops on an interrupt."""
    progress = host.Progress(max(1, steps_hint))

    def on_step(step: StepPreview) -> None:
        host.check_interrupt()
        progress.update(step.step)

    return on_step


def held_stream_options(
    model: TalkiesModel, guidance: GuidanceChoice | None, *, seed: int, steps: int
) -> HeldStreamOptions:
    """Seed, steps (0: the model's), guidance (None: the model's) and progress for Add Sound / Animate."""
    video_guidance, audio_guidance = resolve_guidance(model, guidance)
    return HeldStreamOptions(
        seed=seed,
        steps=steps or None,
        video_guidance=video_guidance,
        audio_guidance=audio_guidance,
        on_step=step_progress(steps or defaults_for(model).steps),
    )


def tell_notes(notes: tuple[str, ...] | list[str], heading: str = "") -> dict | None:
    """Show what a stage did to fit its inputs on the node; the node's ``ui`` value (None: nothing)."""
    if not notes:
        return None
    message = heading + "; ".join(notes)
    host.tell(message)
    return {"text": [message]}
