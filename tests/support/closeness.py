"""Comparing our output with the reference's: same shape, every element within a tolerance."""

from __future__ import annotations

import torch


def assert_matches(ours: torch.Tensor, reference: torch.Tensor, tol: float) -> None:
    assert ours.shape == reference.shape, f"shape {tuple(ours.shape)}, reference {tuple(reference.shape)}"
    worst = float((ours - reference).detach().abs().max()) if ours.numel() else 0.0
    assert worst <= tol, f"max |ours − reference| = {worst:.3g} > {tol:g}"
