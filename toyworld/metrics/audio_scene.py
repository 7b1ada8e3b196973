"""What a soundtrack contains, from simple spectral features (no learned weights):
its ambience class, whether music plays, and how a voice speaks.

All read the same short-time spectrum (64 ms windows every 10 ms). The thresholds are set
for the toy world's vocabulary of sounds; the features themselves are generic.

- Ambience: the bed is what remains in the quietest 5 % of frames, with each band's level
  taken as the median over its bins (so notes and chirps do not count). Crickets are a
  narrow band at about 4.6 kHz standing far above its neighbours for a whole chirp; a quiet
  room has a steady mains hum at 100 Hz in its quietest frames, or a very low bed; otherwise
  the bed's loudest band decides:
  low (wind), mid (surf) or high (rain).
- Music: isolated, steady tonal peaks between 300 and 1300 Hz (a voice's harmonics are
  never isolated: they come in a comb), held for at least 120 ms without dying away
  faster than a note does (a knock's ring does).
- Voice manner: frames with speech-band activity; the share of them that are voiced
  (autocorrelation peak at a pitch period), their loudness, and how long voiced runs last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from ...model.media.spectral import power_spectrogram, to_db

WINDOW_S, HOP_S = 0.064, 0.01
BED_PERCENTILE = 5.0
BANDS = {"low": (60.0, 300.0), "mid": (300.0, 1500.0), "high": (1500.0, 7000.0)}
BAND_AMBIENCE = {"low": "wind", "mid": "seaside", "high": "rain"}
CRICKET_BAND, CRICKET_SIDES = (4400.0, 4800.0), ((3800.0, 4250.0), (4950.0, 5400.0))
CRICKET_MIN_DB, CRICKET_SMOOTHING_S = 40.0, 0.12
HUM_HZ, HUM_MIN_DB, HUM_PERCENTILE = 100.0, 15.0, 20.0
QUIET_BED_DB = -100.0
SILENCE_PEAK = 10 ** (-90 / 20)  # -90 dBFS: below 16-bit's last step, digital silence
MUSIC_BAND = (300.0, 1300.0)
MUSIC_ISOLATION_DB, MUSIC_PROMINENCE_DB = 15.0, 15.0
MUSIC_MAX_DECAY_DB_PER_S = 100.0
MUSIC_MIN_DB = -70.0
MUSIC_NEIGHBOURHOOD_HZ, MUSIC_MAINLOBE_HZ = 250.0, 60.0
MUSIC_MIN_RUN_S, MUSIC_MIN_SHARE = 0.12, 0.03
SPEECH_BAND = (200.0, 4000.0)
ACTIVE_ABOVE_BED_DB, ACTIVE_MIN_DB = 15.0, -60.0
VOICED_CORRELATION = 0.45
WHISPER_MAX_VOICED = 0.3
SHOUT_MIN_DB = -18.0
SUNG_MIN_RUN_S = 0.235
# Pacing from the median length of stretches of activity: a fast song is slower than slow speech.
FAST_MAX_RUN_S = {"sings": 0.47, "other": 0.18}
RUN_BRIDGE_S = 0.03
RUN_BELOW_PEAK_DB = 20.0


@dataclass(frozen=True)
class Spectrum:
    power: np.ndarray  # (frames, bins)
    freqs: np.ndarray  # (bins,)
    hop_s: float

    def band(self, lo: float, hi: float) -> np.ndarray:
        return (self.freqs >= lo) & (self.freqs < hi)


def spectrum(x: np.ndarray, sr: int) -> Spectrum:
    n_fft = int(2 ** round(np.log2(WINDOW_S * sr)))
    hop = max(1, round(HOP_S * sr))
    power = power_spectrogram(x, n_fft, hop)
    return Spectrum(power, np.fft.rfftfreq(n_fft, 1.0 / sr), hop / sr)


def _band_levels(spec: Spectrum, lo: float, hi: float, statistic=np.median) -> np.ndarray:
    """Per frame, the band's typical per-bin power in dB (median: tones do not count)."""
    band = spec.band(lo, min(hi, spec.freqs[-1]))
    return to_db(statistic(spec.power[:, band], axis=1), floor_db=-160.0)


def ambience_features(spec: Spectrum) -> dict[str, float]:
    features = {}
    for name, (lo, hi) in BANDS.items():
        features[f"bed_{name}_db"] = float(np.percentile(_band_levels(spec, lo, hi), BED_PERCENTILE))
    crickets = _band_levels(spec, *CRICKET_BAND, statistic=np.mean)
    sides = np.maximum(*(_band_levels(spec, lo, hi, statistic=np.mean) for lo, hi in CRICKET_SIDES))
    span = max(1, round(CRICKET_SMOOTHING_S / spec.hop_s))
    chirps = np.convolve(crickets - sides, np.ones(span) / span, mode="valid")
    features["crickets_db"] = float(chirps.max()) if len(chirps) else 0.0
    total = spec.power.sum(axis=1)
    quiet = total <= np.percentile(total, HUM_PERCENTILE)
    hum_bins = np.abs(spec.freqs - HUM_HZ) <= spec.freqs[1]
    hum = to_db(spec.power[quiet][:, hum_bins].max(axis=1), floor_db=-160.0)
    around = to_db(np.median(spec.power[quiet][:, spec.band(60.0, 300.0)], axis=1), floor_db=-160.0)
    features["hum_db"] = float(np.median(hum - around))
    return features


def classify_ambience(features: dict[str, float]) -> str:
    if features["crickets_db"] >= CRICKET_MIN_DB:
        return "night"
    bands = {name: features[f"bed_{name}_db"] for name in BANDS}
    if features["hum_db"] >= HUM_MIN_DB or max(bands.values()) < QUIET_BED_DB:
        return "room"
    return BAND_AMBIENCE[max(bands, key=bands.get)]


def music_share(spec: Spectrum) -> float:
    """Share of frames inside a held, isolated tonal peak in the music band."""
    band = np.flatnonzero(spec.band(*MUSIC_BAND))
    bin_hz = spec.freqs[1]
    db = to_db(spec.power, floor_db=-160.0)
    peak_bins = band[np.argmax(db[:, band], axis=1)]
    reach, lobe = round(MUSIC_NEIGHBOURHOOD_HZ / bin_hz), round(MUSIC_MAINLOBE_HZ / bin_hz)
    context = db[:, spec.band(MUSIC_BAND[0], 4000.0)]
    tonal = np.zeros(len(db), dtype=bool)
    for t, b in enumerate(peak_bins):
        near = np.r_[b - reach : b - lobe, b + lobe + 1 : b + reach + 1]
        near = near[(near >= 0) & (near < db.shape[1])]
        isolation = db[t, b] - db[t, near].max()
        prominence = db[t, b] - np.median(context[t])
        tonal[t] = (
            isolation >= MUSIC_ISOLATION_DB and prominence >= MUSIC_PROMINENCE_DB and db[t, b] >= MUSIC_MIN_DB
        )
    held = np.zeros(len(db), dtype=bool)
    min_run = round(MUSIC_MIN_RUN_S / spec.hop_s)
    start = 0
    for t in range(1, len(db) + 1):
        steady = t < len(db) and tonal[t] and tonal[t - 1] and abs(peak_bins[t] - peak_bins[t - 1]) <= 1
        if not steady:
            if tonal[start] and t - start >= min_run:
                levels = db[np.arange(start, t), peak_bins[start:t]]
                decay = -float(np.median(np.diff(levels))) / spec.hop_s
                held[start:t] = decay <= MUSIC_MAX_DECAY_DB_PER_S
            start = t
    return float(held.mean()) if len(held) else 0.0


def _voiced(frame: np.ndarray, sr: int) -> bool:
    frame = frame - frame.mean()
    corr = np.correlate(frame, frame, mode="full")[len(frame) - 1 :]
    if corr[0] <= 0:
        return False
    lo, hi = int(sr / 400.0), min(int(sr / 80.0), len(corr) - 1)
    return bool(corr[lo:hi].max() / corr[0] >= VOICED_CORRELATION)


def voice_features(x: np.ndarray, sr: int, spec: Spectrum) -> dict[str, float] | None:
    """Voiced share and level (dBFS) of the active speech frames, the mean length of voiced
    runs and the median length of active stretches (s)."""
    speech = to_db(spec.power[:, spec.band(*SPEECH_BAND)].sum(axis=1), floor_db=-160.0)
    bed = np.percentile(speech, BED_PERCENTILE)
    active = (speech > bed + ACTIVE_ABOVE_BED_DB) & (speech > ACTIVE_MIN_DB)
    if active.sum() < 5:
        return None
    low = signal.sosfiltfilt(signal.butter(4, 1000.0, fs=sr, output="sos"), x)
    hop, half = round(spec.hop_s * sr), round(0.02 * sr)
    voiced = np.zeros(len(active), dtype=bool)
    level = []
    for t in np.flatnonzero(active):
        c = t * hop
        segment = x[max(0, c - half) : c + half]
        level.append(np.mean(segment**2))
        voiced[t] = _voiced(low[max(0, c - half) : c + half], sr)
    voiced_runs = _runs(voiced)
    # Stretches are measured at one level below the voice's own peak, whatever its loudness.
    stretches = speech > max(bed + ACTIVE_ABOVE_BED_DB, np.percentile(speech, 95) - RUN_BELOW_PEAK_DB)
    active_runs = _runs(_bridge(stretches, round(RUN_BRIDGE_S / spec.hop_s)))
    return {
        "voiced_share": float(voiced[active].mean()),
        "level_db": float(10 * np.log10(max(np.mean(level), 1e-16))),
        "voiced_run_s": float(np.mean(voiced_runs) * spec.hop_s) if voiced_runs else 0.0,
        "active_run_s": float(np.median(active_runs) * spec.hop_s) if active_runs else 0.0,
    }


def _runs(flags: np.ndarray) -> list[int]:
    """Lengths of the runs of True."""
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return list(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1))


def _bridge(flags: np.ndarray, gap: int) -> np.ndarray:
    """Fill runs of False no longer than ``gap`` between two Trues."""
    out = flags.copy()
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    for end, start in zip(ends[:-1], starts[1:], strict=True):
        if start - end <= gap:
            out[end:start] = True
    return out


def classify_manner(features: dict[str, float] | None) -> str | None:
    if features is None:
        return None
    if features["voiced_share"] < WHISPER_MAX_VOICED:
        return "whispers"
    if features["level_db"] >= SHOUT_MIN_DB:
        return "shouts"
    if features["voiced_run_s"] >= SUNG_MIN_RUN_S:
        return "sings"
    return "says"


def classify_pacing(features: dict[str, float] | None, manner: str | None) -> str | None:
    if features is None:
        return None
    limit = FAST_MAX_RUN_S["sings" if manner == "sings" else "other"]
    return "fast" if features["active_run_s"] < limit else "slow"


def describe_audio(x: np.ndarray, sr: int) -> dict:
    """Ambience class, music presence and voice manner/pacing of a mono signal, with features.

    Silence (no sample above ``SILENCE_PEAK``) has no ambience, music or voice to describe:
    those are None (music False), not a guess such as a very quiet room."""
    if not x.size or float(np.abs(x).max()) <= SILENCE_PEAK:
        return {
            "ambience": None,
            "music": False,
            "manner": None,
            "pacing": None,
            "features": {"silent": True},
        }
    spec = spectrum(x, sr)
    ambience = ambience_features(spec)
    share = music_share(spec)
    voice = voice_features(x, sr, spec)
    manner = classify_manner(voice)
    return {
        "ambience": classify_ambience(ambience),
        "music": share >= MUSIC_MIN_SHARE,
        "manner": manner,
        "pacing": classify_pacing(voice, manner),
        "features": {**ambience, "music_share": share, **(voice or {})},
    }
