"""The built-in model given one stream, on held-out toy-world clips (issue 15's figures).

- Add Sound: the clip's true frames in, sound made for them; scored with the true frames.
- Animate to Sound: the clip's true sound in, a picture made for it; scored with the true sound.
  Both also with the audio↔video cross-attention switched off, to show the sync comes from it.
- Best of 4 against best of 1 on the same impact prompts (the sampler's ``candidates``).
- Retake: the second quarter of a generated clip (0.5–1.0 s of a 2 s clip), both streams,
  redone; the latents outside the window must be bit-exact, and the seams at both edges are
  scored as the extension's are.

Every figure comes from the pipeline functions the nodes and the CLI call.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import torch

from ..model.media.arrays import as_frames
from ..model.media.waveform import Waveform
from ..model.pipeline.add_sound import add_sound
from ..model.pipeline.animate import animate_to_sound
from ..model.pipeline.decode import decode_audio, decode_video
from ..model.pipeline.generate import generate
from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.retake import retake_latent
from ..model.pipeline.sampling_options import SamplingOptions, sample_with, schedule_for
from ..model.pipeline.text_encode import encode_prompts
from ..model.sampling.time_window import TimeWindow
from ..toyworld import render, sample_spec
from ..toyworld.metrics import evaluate_clip
from ..toyworld.metrics.seams import seam_report, seamless
from ..toyworld.prompt_measures import prompt_measures
from ..toyworld.vocabulary import IMPACT_KINDS
from .evaluate_extension import percent
from .progress import Progress

RETAKE_WINDOW = (0.25, 0.5)  # of the clip's length
BEST_OF = 4


def _true_clip(seed: int):
    return render(sample_spec(seed))


def add_sound_reports(model: TalkiesModel, cases, seed: int, *, isolate: bool = False) -> list:
    """(case, report) for sound made for each case's true frames."""
    out = []
    for case in cases:
        clip = _true_clip(case.seed)
        prompt, negative = encode_prompts(model, case.caption, "")
        options = SamplingOptions(seed=seed + case.seed, isolate_modalities=isolate)
        made = add_sound(
            model, torch.from_numpy(clip.frames).float() / 255, clip.fps, prompt, negative, options
        )
        report = evaluate_clip(
            clip.frames, clip.fps, made.audio.samples[0], made.audio.sample_rate, case.caption
        )
        out.append((case, report))
    return out


def animate_reports(model: TalkiesModel, cases, seed: int, *, isolate: bool = False) -> list:
    """(case, report) for a picture made for each case's true sound."""
    out = []
    for case in cases:
        clip = _true_clip(case.seed)
        prompt, negative = encode_prompts(model, case.caption, "")
        options = SamplingOptions(seed=seed + case.seed, isolate_modalities=isolate)
        sound = Waveform(
            torch.as_tensor(np.asarray(clip.waveform), dtype=torch.float32)[None], clip.sample_rate
        )
        made = animate_to_sound(model, sound, prompt, negative, fps=clip.fps, options=options)
        report = evaluate_clip(
            as_frames(made.images), made.fps, sound.samples[0], sound.sample_rate, case.caption
        )
        out.append((case, report))
    return out


def best_of_reports(model: TalkiesModel, cases, seed: int, candidates: int) -> list:
    """Best of ``candidates`` as the CLI ranks them for a toy-world model (its own measures too)."""
    out = []
    for case in cases:
        measures = prompt_measures(case.caption) if candidates > 1 else None
        clip = generate(model, case.caption, seed=seed + case.seed, candidates=candidates, measures=measures)
        report = evaluate_clip(
            as_frames(clip.images), clip.fps, clip.audio.samples[0], clip.audio.sample_rate, case.caption
        )
        out.append((case, report))
    return out


def retake_row(model: TalkiesModel, case, seed: int) -> dict:
    """One retake of both streams: is the outside bit-exact, and how do the two seams score."""
    first = generate(model, case.caption, seed=seed + case.seed).latent
    window = TimeWindow(*(share * float(first.seconds) for share in RETAKE_WINDOW))
    masked = retake_latent(first, window, "both")
    prompt, negative = encode_prompts(model, case.caption, "")
    options = SamplingOptions(seed=seed + case.seed + 1)
    redone = sample_with(model, masked, prompt, negative, schedule_for(model, masked, options), options)
    kept_video = masked.video_mask[0, 0, :, 0, 0] == 0
    kept_audio = masked.audio_mask[0, 0, :, 0] == 0
    exact = torch.equal(redone.video[:, :, kept_video], first.video[:, :, kept_video]) and torch.equal(
        redone.audio[:, :, kept_audio], first.audio[:, :, kept_audio]
    )
    fps = Fraction(redone.fps)
    frames, sound = as_frames(decode_video(model, redone)), decode_audio(model, redone)
    edges = [round(window.start * fps), round(window.end * fps)]
    seams = seam_report(frames, fps, sound.samples[0].numpy(), sound.sample_rate, edges)
    return {
        "seed": case.seed,
        "outside_bit_exact": exact,
        "seamless": seamless(seams),
        "seams": seams["seams"],
    }


def held_stream_figures(model: TalkiesModel, cases, seed: int, summarize) -> dict:
    """Every figure above over ``cases`` (``summarize`` turns (case, report) pairs into figures)."""
    impacts = [c for c in cases if c.kind in IMPACT_KINDS]
    progress = Progress("held streams", 6, report_every=1)
    figures = {"clips": len(cases), "impact_clips": len(impacts)}
    for step, (name, run) in enumerate(
        (
            ("add_sound", lambda: add_sound_reports(model, cases, seed)),
            ("add_sound_cross_attention_off", lambda: add_sound_reports(model, cases, seed, isolate=True)),
            ("animate", lambda: animate_reports(model, cases, seed)),
            ("animate_cross_attention_off", lambda: animate_reports(model, cases, seed, isolate=True)),
            ("best_of_1", lambda: best_of_reports(model, impacts, seed, 1)),
            (f"best_of_{BEST_OF}", lambda: best_of_reports(model, impacts, seed, BEST_OF)),
        ),
        1,
    ):
        figures[name] = summarize(run())
        progress.update(step)
    rows = [retake_row(model, case, seed) for case in impacts[: max(1, len(impacts) // 5)]]
    figures["retake"] = {
        "clips": len(rows),
        "outside_bit_exact": all(r["outside_bit_exact"] for r in rows),
        "seamless": sum(r["seamless"] for r in rows) / len(rows) if rows else None,
        "rows": rows,
    }
    return figures


def held_stream_table(f: dict) -> str:
    a, ax, m, mx = (
        f["add_sound"],
        f["add_sound_cross_attention_off"],
        f["animate"],
        f["animate_cross_attention_off"],
    )
    b1, b4, r = f["best_of_1"], f[f"best_of_{BEST_OF}"], f["retake"]
    lines = [
        f"Measured on {f['clips']} held-out clips ({f['impact_clips']} with impacts).",
        "",
        "| What | Goal | Joint model | A/V cross-attention off |",
        "|---|---|---|---|",
        f"| Add Sound: impacts with audio within ±1 frame | ≥ 80 % | {percent(a['impact_within_1_frame'])} | "
        f"{percent(ax['impact_within_1_frame'])} |",
        f"| Add Sound: audio leading by more than a frame | < 5 % | "
        f"{percent(a['impact_audio_leads_over_1_frame'])} | "
        f"{percent(ax['impact_audio_leads_over_1_frame'])} |",
        f"| Add Sound: ambience right | ≥ 80 % | {percent(a.get('ambience_right'))} | "
        f"{percent(ax.get('ambience_right'))} |",
        f"| Add Sound: manner right (faces) | ≥ 80 % | {percent(a.get('manner_right'))} | "
        f"{percent(ax.get('manner_right'))} |",
        f"| Animate to Sound: lip sync, median correlation | ≥ 0.5 | "
        f"{m['lip_sync_median_correlation'] or 0:.2f} | "
        f"{mx['lip_sync_median_correlation'] or 0:.2f} |",
        f"| Animate to Sound: visual contacts within ±1 frame of the given knocks | ≥ 70 % | "
        f"{percent(m['impact_within_1_frame'])} | {percent(mx['impact_within_1_frame'])} |",
        "",
        f"Best of {BEST_OF} against best of 1 on the same {f['impact_clips']} impact prompts: impacts within "
        f"±1 frame {percent(b4['impact_within_1_frame'])} against {percent(b1['impact_within_1_frame'])}.",
        "",
        f"Retake of the second quarter (0.5–1.0 s of a 2 s clip), both streams, {r['clips']} clips: "
        "outside the window bit-exact in latents: "
        f"{'yes' if r['outside_bit_exact'] else 'NO'}; both seams within the extension's thresholds: "
        f"{percent(r['seamless'])}.",
        "",
    ]
    return "\n".join(lines)
