"""What the generating nodes hand the pipeline besides their media: guidance, steps, progress."""

from __future__ import annotations

from collections.abc import Callable

from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.held_stream import HeldStreamClip
from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.sample import StepPreview
from ..model.pipeline.sampling_options import SamplingOptions
from . import host
from .guidance import GuidanceChoice, resolve_guidance
from .host import io


def step_progress(steps_hint: int) -> Callable[[StepPreview], None]:
    """A sampling callback that moves the node's progress bar and stops on an interrupt."""
    progress = host.Progress(max(1, steps_hint))

    def on_step(step: StepPreview) -> None:
        host.check_interrupt()
        progress.update(step.step)

    return on_step


def sampling_options(
    model: TalkiesModel, guidance: GuidanceChoice | None, *, seed: int, steps: int
) -> SamplingOptions:
    """What a generating node samples with: its seed, ``steps`` (0: the model's), guidance (None: the
    model's) and progress."""
    video_guidance, audio_guidance = resolve_guidance(model, guidance)
    return SamplingOptions(
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


def held_stream_output(clip: HeldStreamClip) -> io.NodeOutput:
    """Add Sound's and Animate's outputs: frames, sound, frame rate, and their notes shown on the node."""
    return io.NodeOutput(clip.images, clip.audio.as_audio(), float(clip.fps), ui=tell_notes(clip.notes))
