"""A training stage's time per step, measured before it is sized to a time limit.

Two short runs of the stage (``PROBE_STEPS``); their difference leaves out what every run pays
once (building the model, the first batches, kernels warming up).
"""

from __future__ import annotations

import time
from collections.abc import Callable

PROBE_STEPS = (2, 6)


def seconds_per_step(run: Callable[[int], object], probe: tuple[int, int] = PROBE_STEPS) -> float:
    """``run(n)`` runs the stage for n steps from scratch."""
    times = []
    for steps in probe:
        start = time.perf_counter()
        run(steps)
        times.append(time.perf_counter() - start)
    return max(times[1] - times[0], 1e-6) / (probe[1] - probe[0])
