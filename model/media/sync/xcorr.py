"""Lag search by normalised cross-correlation, refined between samples."""

from __future__ import annotations

import numpy as np


def pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    """Correlation of two equal-length series; None when either is constant."""
    a = np.asarray(a, dtype=np.float64) - np.mean(a)
    b = np.asarray(b, dtype=np.float64) - np.mean(b)
    denominator = np.sqrt(np.sum(a * a) * np.sum(b * b))
    return float(np.sum(a * b) / denominator) if denominator > 1e-12 else None


def lagged_correlations(a: np.ndarray, b: np.ndarray, max_lag: int) -> np.ndarray:
    """corr[L + max_lag] = Pearson(a[t], b[t + L]) over the overlap, for L in -max_lag..max_lag.
    A positive best L means b happens L samples after a. NaN where undefined."""
    n = len(a)
    out = np.full(2 * max_lag + 1, np.nan)
    for i, lag in enumerate(range(-max_lag, max_lag + 1)):
        lo, hi = max(0, -lag), min(n, n - lag)
        if hi - lo >= 3:
            value = pearson(a[lo:hi], b[lo + lag : hi + lag])
            if value is not None:
                out[i] = value
    return out


def refine_peak(values: np.ndarray, index: int) -> float:
    """Sub-sample position of a peak by fitting a parabola through it and its neighbours."""
    if 0 < index < len(values) - 1 and np.isfinite(values[index - 1 : index + 2]).all():
        left, centre, right = values[index - 1 : index + 2]
        curvature = left - 2 * centre + right
        if curvature < 0:
            return index + float(np.clip(0.5 * (left - right) / curvature, -0.5, 0.5))
    return float(index)


def best_lag(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[float, float] | None:
    """(lag in samples, correlation there) of the highest correlation; None if undefined."""
    corr = lagged_correlations(a, b, max_lag)
    if not np.isfinite(corr).any():
        return None
    best = np.nanmax(corr)
    # Of equal peaks, the one nearest zero lag.
    candidates = np.flatnonzero(corr >= best - 1e-9)
    index = int(candidates[np.argmin(np.abs(candidates - max_lag))])
    return refine_peak(corr, index) - max_lag, float(corr[index])
