"""The VAE stages sized to a time limit, for a machine lent for minutes (a GPU).

The VAEs are the recipe's costliest stages (about 3.7 hours of the 2-core CPU for the video
VAE's four phases). Here every phase first times a few steps of its own in a scratch folder
(after a warm-up; ``step_timing``); then the recipe's step counts
are scaled by one factor so that all of them fit the time left, and the phases run in order,
the deadline a hard stop. The fitted pairs end up in the run folder as the recipe's files,
and as parts of at most 16 MiB each for the way back from such a machine.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .file_parts import split_file
from .step_timing import seconds_per_step
from .vae_phases import (
    AUDIO_STEPS,
    PHASE_STEPS,
    VIDEO_PHASES,
    PhaseRun,
    train_audio_phase,
    train_audio_phases,
    train_video_phase,
    train_video_phases,
)

log = logging.getLogger(__name__)

# Of the time left after timing, what the phases are planned to fill; the rest is for the
# statistics, the files and a step that runs long.
PLANNED_SHARE = 0.85
PLAN_FILE = "vae_plan.json"


@dataclass(frozen=True)
class VaePlan:
    seconds_per_step: dict[str, float]
    steps: dict[str, int]
    scale: float  # of the step-budget recipe's counts
    probe_seconds: float
    total_seconds: float = 0.0


def _probe(field: str, run: PhaseRun, scratch: Path, steps: int) -> None:
    """``steps`` of one phase from fresh weights, in a folder of its own under ``scratch``."""
    folder = scratch / f"{field}-{steps}"
    folder.mkdir(parents=True)
    if field == AUDIO_STEPS:
        train_audio_phase(folder / "vae.safetensors", run, steps=steps)
    else:
        index = [p.steps for p in VIDEO_PHASES].index(field)
        train_video_phase(index, folder / "vae.safetensors", run, start_from=None, state=None, steps=steps)


def plan_steps(
    recipe_steps: Mapping[str, int], per_step: Mapping[str, float], seconds: float
) -> tuple[dict[str, int], float]:
    """The recipe's step counts scaled by one factor so that they take ``seconds`` in all."""
    full = sum(recipe_steps[f] * per_step[f] for f in PHASE_STEPS)
    scale = max(seconds, 0.0) / full
    return {f: max(1, int(recipe_steps[f] * scale)) for f in PHASE_STEPS}, scale


def train_vaes_within(
    out: Path, seconds: float, recipe_steps: Mapping[str, int], run: PhaseRun, parts: Path | None = None
) -> VaePlan:
    """Both VAEs in ``out`` within ``seconds`` of wall time; parts of them into ``parts``."""
    began = time.time()
    deadline = began + seconds
    out.mkdir(parents=True, exist_ok=True)
    scratch = out / "timing"
    shutil.rmtree(scratch, ignore_errors=True)
    # A first step outside the timing: worker processes, kernels and caches start up.
    _probe(PHASE_STEPS[0], run, scratch / "warm-up", 1)
    per_step = {f: seconds_per_step(lambda n, f=f: _probe(f, run, scratch, n)) for f in PHASE_STEPS}
    shutil.rmtree(scratch)
    probe_seconds = time.time() - began
    steps, scale = plan_steps(recipe_steps, per_step, (deadline - time.time()) * PLANNED_SHARE)
    plan = VaePlan(per_step, steps, scale, probe_seconds)
    log.info("VAE plan: %s", plan)
    timed = replace(run, steps=steps, stop_at=deadline)
    video, audio = train_video_phases(out, timed), train_audio_phases(out, timed)
    plan = replace(plan, total_seconds=time.time() - began)
    (out / PLAN_FILE).write_text(json.dumps(asdict(plan), indent=2))
    if parts is not None:
        parts.mkdir(parents=True, exist_ok=True)
        for fitted in (video, audio):
            split_file(fitted, parts)
        shutil.copy(out / PLAN_FILE, parts / PLAN_FILE)
    return plan
