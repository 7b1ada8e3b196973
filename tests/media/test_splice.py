"""Splicing a redone span back into a signal: exact outside, cross-faded just inside each edge."""

import math

import pytest
import torch

from talkies.model.media.splice import edge_fade, linear_crossfade, splice
from talkies.model.pipeline.extend import equal_power_crossfade


def _signals(n: int = 40):
    old = torch.linspace(0, 1, n)[None].repeat(2, 1)
    new = torch.full((2, n), -1.0)
    return old, new


def test_outside_the_span_is_the_original_and_inside_the_new_past_the_fades():
    old, new = _signals()
    out = splice(old, new, 10, 30, 4, linear_crossfade)
    assert torch.equal(out[:, :10], old[:, :10]) and torch.equal(out[:, 30:], old[:, 30:])
    assert torch.equal(out[:, 14:26], new[:, 14:26])
    weights = (torch.arange(4) + 0.5) / 4
    assert torch.allclose(out[:, 10:14], old[:, 10:14] * (1 - weights) + new[:, 10:14] * weights)
    assert torch.allclose(out[:, 26:30], new[:, 26:30] * (1 - weights) + old[:, 26:30] * weights)


def test_no_fade_at_the_signals_own_ends_and_fades_shrink_to_half_a_short_span():
    old, new = _signals()
    whole = splice(old, new, 0, 40, 4, linear_crossfade)
    assert torch.equal(whole, new)
    assert edge_fade(10, 15, 4) == 2 and edge_fade(10, 11, 4) == 0
    short = splice(old, new, 10, 15, 4, linear_crossfade)
    assert torch.equal(short[:, 12:13], new[:, 12:13])


def test_equal_power_fades_keep_the_power_of_two_unrelated_sounds():
    g = torch.Generator().manual_seed(0)
    n = 48000
    old, new = torch.randn(1, n, generator=g), torch.randn(1, n, generator=g)
    out = splice(old, new, 12000, 36000, 4800, equal_power_crossfade)
    fade = out[:, 12000:16800]
    assert fade.pow(2).mean().item() == pytest.approx(1.0, rel=0.05)
    linear = splice(old, new, 12000, 36000, 4800, linear_crossfade)[:, 12000:16800]
    assert linear.pow(2).mean().item() < 0.75  # the dip equal power avoids (2/3 in theory)


def _step(signal: torch.Tensor, at: int) -> float:
    return (signal[0, at] - signal[0, at - 1]).abs().item()


def test_a_fade_makes_a_smaller_step_at_the_edge_than_a_cut():
    t = torch.arange(480) / 48.0
    old, new = torch.sin(2 * math.pi * t)[None], torch.cos(2 * math.pi * 3.1 * t)[None]
    cut = splice(old, new, 100, 300, 0, equal_power_crossfade)
    faded = splice(old, new, 100, 300, 20, equal_power_crossfade)
    assert _step(faded, 100) < _step(cut, 100) and _step(faded, 300) < _step(cut, 300)


def test_a_redone_signal_of_another_shape_is_refused():
    old, _ = _signals()
    with pytest.raises(ValueError, match="shape"):
        splice(old, torch.zeros(2, 39), 0, 10, 2, linear_crossfade)
