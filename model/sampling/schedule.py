"""σ schedules for flow matching (σ = 1 is pure noise, σ = 0 the clean signal)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

# The distilled LTX-2 models were trained for exactly these steps.
DISTILLED_SIGMAS = (1.0, 0.99375, 0.9875, 0.98125, 0.975, 0.909375, 0.725, 0.421875, 0.0)
DISTILLED_STAGE2_SIGMAS = (0.909375, 0.725, 0.421875, 0.0)

_BASE_TOKENS, _MAX_TOKENS = 1024, 4096
BASE_SHIFT, MAX_SHIFT = 0.95, 2.05


def ltx2_shift(
    tokens: int | None = None, *, max_shift: float = MAX_SHIFT, base_shift: float = BASE_SHIFT
) -> float:
    """The LTX-2 schedule's log-shift μ at a video token count (linear in it: ``base_shift`` at
    1024 tokens, ``max_shift`` at 4096); σ maps to e^μ / (e^μ + 1/σ − 1). ``None``: 4096 tokens."""
    tokens = _MAX_TOKENS if tokens is None else tokens
    slope = (max_shift - base_shift) / (_MAX_TOKENS - _BASE_TOKENS)
    return tokens * slope + (base_shift - slope * _BASE_TOKENS)


def ltx2_sigmas(
    steps: int,
    tokens: int | None = None,
    *,
    max_shift: float = MAX_SHIFT,
    base_shift: float = BASE_SHIFT,
    stretch: bool = True,
    terminal: float = 0.1,
) -> torch.Tensor:
    """The LTX-2 schedule: a shift growing with the token count, then stretched so the last
    non-zero σ equals ``terminal``. ``tokens=None`` uses 4096, as the reference pipelines do."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    shift = ltx2_shift(tokens, max_shift=max_shift, base_shift=base_shift)
    sigmas = torch.linspace(1.0, 0.0, steps + 1)
    nonzero = sigmas != 0
    shifted = math.exp(shift) / (math.exp(shift) + (1 / sigmas - 1))
    sigmas = torch.where(nonzero, shifted, torch.zeros_like(sigmas))
    one_minus = 1.0 - sigmas[nonzero]
    if stretch and steps > 1:  # a single step goes straight from noise to clean
        factor = one_minus[-1] / (1.0 - terminal)
        sigmas[nonzero] = 1.0 - one_minus / factor
    return sigmas.to(torch.float32)


def check_sigmas(sigmas: Sequence[float] | torch.Tensor) -> torch.Tensor:
    """Validate a user σ list: at least two values, strictly decreasing, within [0, 1]."""
    s = torch.as_tensor(sigmas, dtype=torch.float32).flatten()
    if s.numel() < 2:
        raise ValueError("a σ list needs at least two values, e.g. 1.0, 0.5, 0.0")
    if not bool(torch.all(s[1:] < s[:-1])):
        raise ValueError(f"σ values must strictly decrease, got {s.tolist()}")
    if float(s.max()) > 1.0 or float(s.min()) < 0.0:
        raise ValueError(f"σ values must lie within 0..1, got {s.tolist()}")
    return s


def parse_sigmas(text: str) -> torch.Tensor:
    """ "1.0, 0.9, 0.5, 0" → a checked σ tensor."""
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError as exc:
        raise ValueError(f"could not read σ list {text!r}: write numbers separated by commas") from exc
    return check_sigmas(values)
