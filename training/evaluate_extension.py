"""The built-in model extended: 2-second held-out impact clips extended three times, measured at
every seam and on every part.

Each chain is what `Talkies Extend` does (model/pipeline/extend.py, latents kept, one decode of the
whole take). The seams are scored with the toy world's seam metrics; impact sync is scored on
each 2-second part separately, so parts after a seam can be compared with the first one; and
the take's length is checked against the sum asked for, in frames and in samples.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..model.media.arrays import as_frames
from ..model.pipeline.decode import decode_audio, decode_video
from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.extend import extend_latent
from ..model.pipeline.generate import generate
from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.sampling_options import SamplingOptions
from ..model.pipeline.text_encode import encode_prompts
from ..toyworld.metrics import evaluate_clip
from ..toyworld.metrics.seams import seam_report, seamless
from .progress import Progress

PART_SECONDS = 2.0
PARTS = 4


def extend_chain(
    model: TalkiesModel, caption: str, seed: int
) -> tuple[np.ndarray, np.ndarray, int, list[int]]:
    """(frames u8, mono waveform, sample rate, first frame of each part) of one 4-part take."""
    latent = generate(model, caption, seconds=PART_SECONDS, seed=seed).latent
    starts = [0]
    prompt, negative = encode_prompts(model, caption, "")
    for k in range(1, PARTS):
        starts.append(latent.pixel_frames)
        latent = extend_latent(
            model,
            latent,
            prompt,
            negative,
            seconds=PART_SECONDS,
            options=SamplingOptions(seed=seed + k),
        )
    images = decode_video(model, latent)
    sound = decode_audio(model, latent)
    frames = as_frames(images)
    return frames, sound.samples[0].mean(dim=0).numpy(), sound.sample_rate, starts


def _part_sync(
    frames, wave, rate: int, fps: Fraction, start: int, end: int, caption: str
) -> tuple[float, int]:
    a, b = round(start * rate / fps), round(end * rate / fps)
    report = evaluate_clip(frames[start:end], fps, wave[a:b], rate, caption)["impacts"]
    contacts = report["visual_contacts"]
    return (report["within_1_frame"] or 0.0) * contacts, contacts


def extension_figures(model: TalkiesModel, cases: list, seed: int) -> dict:
    fps = Fraction(defaults_for(model).fps)
    progress = Progress("extension", len(cases))
    seams, takes, exact = [], [], []
    within = np.zeros(PARTS)
    contacts = np.zeros(PARTS)
    for i, case in enumerate(cases, 1):
        frames, wave, rate, starts = extend_chain(model, case.caption, seed + case.seed)
        report = seam_report(frames, fps, wave, rate, starts[1:])
        seams += report["seams"]
        takes.append(seamless(report))
        expected_frames = starts[1] + (PARTS - 1) * (starts[2] - starts[1])
        exact.append(len(frames) == expected_frames and len(wave) == round(len(frames) * rate / fps))
        bounds = [*starts, len(frames)]
        for p in range(PARTS):
            w, n = _part_sync(frames, wave, rate, fps, bounds[p], bounds[p + 1], case.caption)
            within[p] += w
            contacts[p] += n
        progress.update(i)
    share = [float(w / n) if n else None for w, n in zip(within, contacts, strict=True)]
    later = float(within[1:].sum() / contacts[1:].sum()) if contacts[1:].sum() else None
    return {
        "takes": len(cases),
        "parts": PARTS,
        "part_seconds": PART_SECONDS,
        "seamless_takes": float(np.mean(takes)) if takes else None,
        "seam_picture_ratio_median": _over(np.median, seams, "picture_ratio"),
        "seam_picture_ratio_max": _over(np.max, seams, "picture_ratio"),
        "seam_audio_jump_over_p99_max": _over(np.max, seams, "audio_jump_over_p99"),
        "seam_flux_percentile_median": _over(np.median, seams, "flux_percentile"),
        "durations_exact": float(np.mean(exact)) if exact else None,
        "impact_within_1_frame_by_part": share,
        "impact_contacts_by_part": [int(n) for n in contacts],
        "impact_within_1_frame_after_seams": later,
    }


def _over(statistic, seams: list[dict], key: str) -> float | None:
    """``statistic`` of one seam figure over every seam; None without seams (no impact prompts)."""
    return float(statistic([s[key] for s in seams])) if seams else None


def percent(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.0f} %"


def _number(v: float | None, scale: float = 1.0, digits: int = 2) -> str:
    return "n/a" if v is None else f"{scale * v:.{digits}f}"


def extension_table(figures: dict) -> str:
    f = figures
    parts = " · ".join(
        f"part {p + 1}: {percent(s)} of {n}"
        for p, (s, n) in enumerate(
            zip(f["impact_within_1_frame_by_part"], f["impact_contacts_by_part"], strict=True)
        )
    )
    return "\n".join(
        [
            f"{f['takes']} held-out impact prompts, each a {f['part_seconds']:g}-second clip extended "
            f"{f['parts'] - 1} times with the built-in model:",
            "",
            "| What | Goal | Measured |",
            "|---|---|---|",
            f"| Picture change across a seam ÷ the take's median frame change | ≤ 1.5 | median "
            f"{_number(f['seam_picture_ratio_median'])}, worst {_number(f['seam_picture_ratio_max'])} |",
            f"| Largest sample jump at a seam ÷ the take's 99th percentile | ≤ 1 | worst "
            f"{_number(f['seam_audio_jump_over_p99_max'])} |",
            f"| Spectral flux at a seam, percentile in the take | not an outlier | median "
            f"{_number(f['seam_flux_percentile_median'], 100, 0)} |",
            f"| Takes seamless on all three counts | all | {percent(f['seamless_takes'])} |",
            f"| Frames and samples = the sum asked for | all | {percent(f['durations_exact'])} |",
            f"| Impacts within ±1 frame, per part | later parts within 10 % of part 1 | {parts} |",
            "",
        ]
    )
