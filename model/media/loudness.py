"""Loudness (ITU-R BS.1770 as torchaudio implements it), true peak, and normalisation.

Normalisation applies one gain to reach the target integrated loudness; where that gain
would push the true peak over the ceiling, a look-ahead peak limiter lowers the gain only
around those peaks, and the gain is re-adjusted until the target is met. The result never
has a true peak above the ceiling, so it never clips.
"""

from __future__ import annotations

import logging
import math

import torch
import torch.nn.functional as F
import torchaudio.functional as AF

log = logging.getLogger(__name__)

OVERSAMPLING = 4
GATE_SECONDS = 0.4
LOUDNESS_TARGETS = (-14.0, -16.0, -23.0)
_LFE_OF_5_1 = 3
# torchaudio's K-weighting filters clamp their output to [-1, 1]; measuring with this much
# headroom keeps loud signals from being flattened before their energy is taken.
_MEASURE_PEAK = 0.25
_LIMITER_ATTACK_S = 0.005
_LIMITER_HOLD_S = 0.015
_LIMITER_MARGIN_DB = 0.05
_TOLERANCE_LU = 0.1
_MAX_PASSES = 8
_MAX_STEP_DB = 12.0
_LEAST_BOUGHT = 0.1


def db_to_gain(db: float) -> float:
    return 10.0 ** (db / 20.0)


def gain_to_db(gain: float) -> float:
    return 20.0 * math.log10(gain) if gain > 0 else float("-inf")


def _channels_first(waveform: torch.Tensor) -> torch.Tensor:
    if waveform.dim() == 1:
        return waveform.unsqueeze(0)
    if waveform.dim() != 2:
        raise ValueError(f"expected a (channels, samples) waveform, got shape {tuple(waveform.shape)}")
    return waveform


def integrated_loudness(waveform: torch.Tensor, sample_rate: int) -> float:
    """Integrated loudness in LUFS of a (C,T) waveform.

    Channels are taken in the usual order (L, R, C, Ls, Rs); for 5.1 the LFE channel is left
    out as BS.1770 requires. Silence (every block under the -70 LUFS gate) gives -inf; audio
    shorter than one 400 ms gating block gives nan.
    """
    x = _channels_first(waveform).detach().to(torch.float64)
    if x.shape[0] == 6:
        x = torch.cat([x[:_LFE_OF_5_1], x[_LFE_OF_5_1 + 1 :]])
    if x.shape[0] > 5:
        raise ValueError(f"loudness is defined here for up to 5.1 channels, got {x.shape[0]}")
    if x.shape[-1] < round(GATE_SECONDS * sample_rate):
        return float("nan")
    peak = float(x.abs().max())
    if peak == 0.0:
        return float("-inf")
    scale = min(1.0, _MEASURE_PEAK / peak)
    value = float(AF.loudness(x * scale, sample_rate)) - gain_to_db(scale)
    return value if math.isfinite(value) else float("-inf")


def _oversampled(waveform: torch.Tensor, sample_rate: int) -> torch.Tensor:
    x = waveform.to(torch.float32)
    return AF.resample(x, sample_rate, sample_rate * OVERSAMPLING)


def true_peak(waveform: torch.Tensor, sample_rate: int) -> float:
    """Largest absolute value of the 4x oversampled signal (linear, 1.0 = full scale)."""
    x = _channels_first(waveform)
    if x.numel() == 0:
        return 0.0
    return max(float(_oversampled(x, sample_rate).abs().max()), float(x.abs().max()))


def true_peak_dbtp(waveform: torch.Tensor, sample_rate: int) -> float:
    return gain_to_db(true_peak(waveform, sample_rate))


def _peak_per_sample(waveform: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """For each input sample, the largest |value| over channels on [t, t+1) at 4x rate."""
    up = _oversampled(waveform, sample_rate).abs()
    t = waveform.shape[-1]
    up = up[..., : t * OVERSAMPLING].reshape(waveform.shape[0], t, OVERSAMPLING)
    return torch.maximum(up.amax(dim=(0, 2)), waveform.abs().amax(dim=0))


def limit_true_peak(waveform: torch.Tensor, sample_rate: int, ceiling: float) -> torch.Tensor:
    """Smoothly lower the gain around peaks so the true peak stays under ``ceiling`` (linear).

    The gain needed at each sample is spread with a sliding minimum (looking ahead by the
    attack time and holding afterwards) and then averaged over the attack time. Every window
    the average draws on contains the sample itself, so the smoothed gain is never above
    what that sample needs.
    """
    x = _channels_first(waveform)
    if x.shape[-1] == 0:
        return x
    need = (ceiling / _peak_per_sample(x, sample_rate).clamp_min(1e-12)).clamp(max=1.0)
    if bool((need >= 1.0).all()):
        return x
    attack = max(1, round(_LIMITER_ATTACK_S * sample_rate))
    hold = max(0, round(_LIMITER_HOLD_S * sample_rate))
    padded = F.pad(need.view(1, 1, -1), (hold, attack - 1), value=1.0)
    spread = -F.max_pool1d(-padded, kernel_size=hold + attack, stride=1)
    spread = F.pad(spread, (attack - 1, 0), mode="replicate")
    gain = F.avg_pool1d(spread, kernel_size=attack, stride=1).view(-1)
    return x * gain.to(x.dtype)


def normalize_loudness(
    waveform: torch.Tensor, sample_rate: int, target_lufs: float, peak_dbtp: float = -1.0
) -> torch.Tensor:
    """``waveform`` (C,T) brought to ``target_lufs`` with its true peak at or below ``peak_dbtp``.

    Silence and audio too short to measure (under 400 ms) keep their level; only their
    peaks are held under the ceiling (:func:`guard_peak`).
    """
    x = _channels_first(waveform)
    measured = integrated_loudness(x, sample_rate)
    if not math.isfinite(measured):
        reason = "silent" if measured == float("-inf") else "shorter than 0.4 s"
        log.info("audio is %s; loudness left as is", reason)
        return guard_peak(x, sample_rate, peak_dbtp).clone()
    ceiling = db_to_gain(peak_dbtp - _LIMITER_MARGIN_DB)
    gain_db = target_lufs - measured
    out, last = x, None
    for _ in range(_MAX_PASSES):
        out = limit_true_peak(x * db_to_gain(gain_db), sample_rate, ceiling)
        reached = integrated_loudness(out, sample_rate)
        if abs(reached - target_lufs) <= _TOLERANCE_LU:
            break
        gain_db, last = (
            gain_db + _gain_step(target_lufs - reached, last, (gain_db, reached)),
            (gain_db, reached),
        )
    else:
        log.warning(
            "loudness reached %.1f LUFS instead of %.1f: the %.1f dBTP peak ceiling does not allow more",
            reached,
            target_lufs,
            peak_dbtp,
        )
    return _trim_to(out, sample_rate, peak_dbtp)


def _gain_step(missing_db: float, last: tuple[float, float] | None, now: tuple[float, float]) -> float:
    """The next gain change: the limiter takes back part of every added dB on peaky sound, so the
    step is scaled by how much loudness the last change actually bought (a secant step)."""
    bought = 1.0
    if last is not None and now[0] != last[0]:
        bought = min(1.0, max(_LEAST_BOUGHT, (now[1] - last[1]) / (now[0] - last[0])))
    return max(-_MAX_STEP_DB, min(_MAX_STEP_DB, missing_db / bought))


def _trim_to(waveform: torch.Tensor, sample_rate: int, peak_dbtp: float) -> torch.Tensor:
    """The limiter works on a per-sample estimate; a final static trim makes the ceiling exact."""
    peak = true_peak(waveform, sample_rate)
    limit = db_to_gain(peak_dbtp)
    return waveform * (limit / peak) if peak > limit else waveform


def guard_peak(waveform: torch.Tensor, sample_rate: int, peak_dbtp: float = -1.0) -> torch.Tensor:
    """``waveform`` (C,T) unchanged where its true peak is under ``peak_dbtp``, else limited to it.

    The guard applied when loudness is left as it is: only the peaks over the ceiling are
    touched, the level of everything else stays.
    """
    x = _channels_first(waveform)
    if true_peak(x, sample_rate) <= db_to_gain(peak_dbtp):
        return x
    limited = limit_true_peak(x, sample_rate, db_to_gain(peak_dbtp - _LIMITER_MARGIN_DB))
    return _trim_to(limited, sample_rate, peak_dbtp)
