"""Stage 5: the built-in model measured on held-out toy-world prompts with the pack's own sampler.

Prompts come from seeds the training never used. Every clip is generated through
model/pipeline/ (as the CLI and the nodes do), then scored with the toy world's
weight-free metrics against its caption. The same prompts are generated again with the
audio↔video cross-attention switched off, to show the sync comes from the joint model;
impact prompts are also generated from their true first frame (image-to-video).
Writes evaluation.json (every figure and every clip's row) and evaluation.md (the README table).
"""

from __future__ import annotations

import json
import logging
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..model.media.arrays import as_frames
from ..model.pipeline.generate import generate
from ..model.pipeline.load import TalkiesModel
from ..toyworld import render, sample_spec
from ..toyworld.caption_parse import parse_caption
from ..toyworld.held_out import HELD_OUT_SEED_START
from ..toyworld.metrics import evaluate_clip
from ..toyworld.render import caption_of
from ..toyworld.vocabulary import IMPACT_KINDS
from .codec_ceiling import ceiling_line, codec_ceiling
from .evaluate_extension import extension_figures, extension_table, percent
from .evaluate_held_streams import held_stream_figures, held_stream_table
from .progress import Progress
from .timing_probe import probe_model

log = logging.getLogger(__name__)

IMAGE_TO_VIDEO_CASES = 20
EXTENSION_CASES = 10
TIMING_PROBE_CLIPS = 32
CODEC_CEILING_CLIPS = 24  # impact clips round-tripped through the VAEs
# A caption claims a bounce count in about 4 % of clips (one ball, its count said), so the count
# is measured on its own held-out prompts: the first ones whose caption claims it.
BOUNCE_CASES = 20
HELD_STREAM_SHARE = 2  # every second held-out prompt (50 of 100) for sound-for-video and video-for-sound
SPEED_PROMPT = "Two red balls bounce on a wooden floor in a quiet room, no music."


@dataclass(kw_only=True)
class Case:
    seed: int
    kind: str
    caption: str
    first_frame: np.ndarray
    colours: list[str]


def held_out_case(seed: int) -> Case:
    clip = render(sample_spec(seed))
    return Case(
        seed=seed,
        kind=clip.spec.kind,
        caption=clip.caption,
        first_frame=clip.frames[0],
        colours=sorted(o.colour for o in clip.truth.objects if o.kind == "ball"),
    )


def held_out_cases(count: int) -> list[Case]:
    return [held_out_case(HELD_OUT_SEED_START + i) for i in range(count)]


def bounce_cases(count: int) -> list[Case]:
    """The first ``count`` held-out prompts whose caption says how often the ball bounces."""
    cases, seed = [], HELD_OUT_SEED_START
    while len(cases) < count:
        if parse_caption(caption_of(sample_spec(seed))).bounces is not None:
            cases.append(held_out_case(seed))
        seed += 1
    return cases


def score_generation(model: TalkiesModel, case: Case, seed: int, **kwargs) -> tuple[dict, np.ndarray]:
    clip = generate(model, case.caption, seed=seed, **kwargs)
    frames = as_frames(clip.images)
    report = evaluate_clip(frames, clip.fps, clip.audio.samples[0], clip.audio.sample_rate, case.caption)
    return report, frames


def _share(values: list[bool]) -> float | None:
    return float(np.mean(values)) if values else None


def summarize(reports: list[tuple[Case, dict]], fps: float = 24.0) -> dict:
    """The figures the built-in model is held to, over one set of generated clips."""
    frame_ms = 1000.0 / fps
    within, leading, contacts = 0.0, 0, 0
    checks: dict[str, list[bool]] = {}
    lip: list[float] = []
    for case, r in reports:
        imp = r["impacts"]
        if case.kind in IMPACT_KINDS and imp["visual_contacts"]:
            n = imp["visual_contacts"]
            contacts += n
            within += imp["within_1_frame"] * n
            leading += sum(1 for o in imp["offsets_ms"] if o is not None and o < -frame_ms)
        if case.kind == "voice":
            corr = r["lip_sync"]["correlation"]
            lip.append(0.0 if corr is None else float(corr))
        for c in r["adherence"]["checks"]:
            name = c["check"]
            key = "colour" if name.endswith(" present") else "count" if name.endswith(" count") else name
            checks.setdefault(key, []).append(bool(c["ok"]))
    return {
        "impact_contacts": contacts,
        "impact_within_1_frame": within / contacts if contacts else None,
        "impact_audio_leads_over_1_frame": leading / contacts if contacts else None,
        "lip_sync_median_correlation": statistics.median(lip) if lip else None,
        "voice_clips": len(lip),
        **{f"{k}_right": _share(v) for k, v in sorted(checks.items())},
        **{f"{k}_checks": len(v) for k, v in sorted(checks.items())},
    }


def detected_colours(report: dict) -> list[str]:
    """Names of the objects the metrics found, sorted; one whose colour has no name is "unnamed"."""
    return sorted(o["colour"] or "unnamed" for o in report["objects"])


def first_frame_kept(generated: np.ndarray, truth: np.ndarray) -> float:
    """Mean absolute difference (0..255) between the generated clip's first frame and the given one."""
    return float(np.abs(generated[0].astype(np.float32) - truth.astype(np.float32)).mean())


def measure_speed(checkpoint: Path) -> dict:
    """Wall time and peak memory of `python -m talkies generate` for a 2-second clip, model load included."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speed.mp4"
        cmd = [
            sys.executable,
            "-m",
            "talkies",
            "generate",
            SPEED_PROMPT,
            "--model",
            str(checkpoint),
            "--seconds",
            "2",
            "-o",
            str(out),
        ]
        start = time.monotonic()
        subprocess.run(cmd, check=True, capture_output=True)
        wall = time.monotonic() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "generate_2s_wall_seconds": round(wall, 2),
        "generate_peak_rss_gb": round(peak_kb / 1e6, 3),
        "threads": torch.get_num_threads(),
    }


@dataclass(frozen=True)
class _Run:
    model: TalkiesModel
    checkpoint: Path
    cases: list[Case]
    seed: int

    def impact_cases(self, count: int) -> list[Case]:
        return [c for c in self.cases if c.kind == "impacts"][:count]


def _joint(run: _Run) -> dict:
    joint, isolated, rows = [], [], []
    progress = Progress("evaluate", len(run.cases), report_every=20)
    for i, case in enumerate(run.cases, 1):
        report, _ = score_generation(run.model, case, run.seed + case.seed)
        ablated, _ = score_generation(run.model, case, run.seed + case.seed, isolate_modalities=True)
        joint.append((case, report))
        isolated.append((case, ablated))
        rows.append(
            {
                "seed": case.seed,
                "kind": case.kind,
                "caption": case.caption,
                "joint": report,
                "isolated": ablated,
            }
        )
        progress.update(i)
    return {"joint": summarize(joint), "cross_attention_off": summarize(isolated), "clips": rows}


def _bounces(run: _Run) -> dict:
    arms: dict[str, list] = {"joint": [], "cross_attention_off": []}
    for case in bounce_cases(min(len(run.cases), BOUNCE_CASES)):
        for arm, isolate in (("joint", False), ("cross_attention_off", True)):
            report, _ = score_generation(run.model, case, run.seed + case.seed, isolate_modalities=isolate)
            arms[arm].append((case, report))
    return {"bounce_prompts": {arm: summarize(reports) for arm, reports in arms.items()}}


def _image_to_video(run: _Run) -> dict:
    i2v = []
    for case in run.impact_cases(IMAGE_TO_VIDEO_CASES):
        report, frames = score_generation(
            run.model, case, run.seed + case.seed, image=torch.from_numpy(case.first_frame)
        )
        i2v.append(
            {
                "seed": case.seed,
                "first_frame_mean_abs_diff": first_frame_kept(frames, case.first_frame),
                "colours_true": case.colours,
                "colours_generated": detected_colours(report),
                "impacts": report["impacts"],
            }
        )
    within = [r["impacts"]["within_1_frame"] for r in i2v if r["impacts"]["visual_contacts"]]
    figures = {
        "clips": len(i2v),
        "first_frame_mean_abs_diff": float(np.mean([r["first_frame_mean_abs_diff"] for r in i2v]))
        if i2v
        else None,
        "colours_kept": _share([r["colours_true"] == r["colours_generated"] for r in i2v]),
        "impact_within_1_frame_mean": float(np.mean(within)) if within else None,
    }
    return {"image_to_video": figures, "image_to_video_clips": i2v}


# The evaluation's parts, in the order they run; `train --evaluate --only` picks some of them
# (the whole of it takes about two hours for 100 prompts on the 2-core CPU).
PARTS = {
    "joint": _joint,
    "bounces": _bounces,
    "image_to_video": _image_to_video,
    "extension": lambda run: {
        "extension": extension_figures(run.model, run.impact_cases(EXTENSION_CASES), run.seed)
    },
    "held_streams": lambda run: {
        "held_streams": held_stream_figures(run.model, run.cases[::HELD_STREAM_SHARE], run.seed, summarize)
    },
    "codec_ceiling": lambda run: {
        "codec_ceiling": codec_ceiling(run.model, run.cases, summarize, CODEC_CEILING_CLIPS)
    },
    "timing_probe": lambda run: {
        "timing_probe": probe_model(run.model, clips=max(2, min(len(run.cases), TIMING_PROBE_CLIPS)))
    },
    "speed": lambda run: {"speed": measure_speed(run.checkpoint)},
}


def check_parts(parts: Sequence[str]) -> None:
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise ValueError(
            f"unknown evaluation parts {', '.join(unknown) or '(none given)'}; "
            f"the parts are {', '.join(PARTS)}"
        )


def evaluate_checkpoint(
    checkpoint: Path, out: Path, *, prompts: int, seed: int, parts: Sequence[str] = tuple(PARTS)
) -> Path:
    """The ``parts`` of the evaluation (all by default) into out/evaluation.json and its tables."""
    check_parts(parts)
    run = _Run(TalkiesModel(checkpoint), checkpoint, held_out_cases(prompts), seed)
    result = {"checkpoint": checkpoint.name, "held_out_prompts": prompts, "parts": list(parts)}
    for name in (p for p in PARTS if p in parts):
        result.update(PARTS[name](run))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "evaluation.json"
    path.write_text(json.dumps(result, indent=1, default=float))
    (out / "evaluation.md").write_text(markdown_table(result))
    if "extension" in result:
        (out / "extension.md").write_text(extension_table(result["extension"]))
    if "held_streams" in result:
        (out / "held_streams.md").write_text(held_stream_table(result["held_streams"]))
    return path


def timing_line(probe: dict) -> str:
    """What the timing probe found, in a sentence."""
    r = probe["reading"]
    return (
        f"Timing probe ({probe['clips']} held-out clips, one stream given clean, the other's denoising "
        f"loss): the sound is {r['audio']['content']:.1%} worse given another clip's picture and "
        f"{r['audio']['timing']:.1%} worse given its own picture a latent frame "
        f"({probe['shift_seconds']:.3g} s) late; the picture "
        f"{r['video']['content']:.1%} and {r['video']['timing']:.1%} worse for the sound."
    )


def _goal_rows(result: dict) -> list[str]:
    """The rows of the goals table for the parts the result has."""
    rows = []
    j, x = result.get("joint"), result.get("cross_attention_off")
    if j is not None:
        rows += [
            f"| Impacts with audio within ±1 frame ({j['impact_contacts']} contacts) | ≥ 80 % | "
            f"{percent(j['impact_within_1_frame'])} | {percent(x['impact_within_1_frame'])} |",
            f"| Audio leading by more than a frame | < 5 % | {percent(j['impact_audio_leads_over_1_frame'])} "
            f"| {percent(x['impact_audio_leads_over_1_frame'])} |",
            f"| Lip sync, median correlation ({j['voice_clips']} speaking clips) | ≥ 0.5 | "
            f"{j['lip_sync_median_correlation'] or 0:.2f} | {x['lip_sync_median_correlation'] or 0:.2f} |",
        ]
    if "bounce_prompts" in result:
        b, bx = result["bounce_prompts"]["joint"], result["bounce_prompts"]["cross_attention_off"]
        rows.append(
            f"| Bounces right ({b.get('bounces_checks', 0)} checks, prompts that say how often) | ≥ 70 % | "
            f"{percent(b.get('bounces_right'))} | {percent(bx.get('bounces_right'))} |"
        )
    if j is not None:
        for key, goal in (
            ("colour", "≥ 85 %"),
            ("ambience", "≥ 80 %"),
            ("music", "≥ 90 %"),
            ("manner", "≥ 80 %"),
        ):
            rows.append(
                f"| {key.capitalize()} right ({j.get(key + '_checks', 0)} checks) | {goal} | "
                f"{percent(j.get(key + '_right'))} | {percent(x.get(key + '_right'))} |"
            )
    return rows


def markdown_table(result: dict) -> str:
    lines = [
        f"Measured on {result['held_out_prompts']} held-out prompts with the pack's sampler "
        f"({result['checkpoint']}).",
        "",
    ]
    rows = _goal_rows(result)
    if rows:
        lines += ["| What | Goal | Joint model | A/V cross-attention off |", "|---|---|---|---|", *rows, ""]
    if "image_to_video" in result:
        i2v = result["image_to_video"]
        lines += [
            f"Image-to-video ({i2v['clips']} impact clips from their true first frame): first frame kept to "
            f"{i2v['first_frame_mean_abs_diff'] or 0:.1f}/255 mean difference, colours kept in "
            f"{percent(i2v['colours_kept'])}, impacts within ±1 frame "
            f"{percent(i2v['impact_within_1_frame_mean'])}.",
            "",
        ]
    if "codec_ceiling" in result:
        lines += [ceiling_line(result["codec_ceiling"]), ""]
    if "timing_probe" in result:
        lines += [timing_line(result["timing_probe"]), ""]
    if "speed" in result:
        s = result["speed"]
        lines += [
            f"Speed: `python -m talkies generate` of a 2-second clip took {s['generate_2s_wall_seconds']} s "
            f"wall, model load included, peak memory {s['generate_peak_rss_gb']} GB.",
            "",
        ]
    return "\n".join(lines)
