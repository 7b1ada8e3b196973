"""Checkpoints and guidance settings compared on the same held-out prompts (the README's comparison).

    python -m talkies.training.guidance_sweep --checkpoint now=checkpoints/talkies_toyworld.safetensors \\
        --checkpoint before=OLD.safetensors --row before:2/2 --row now:off --row now:default \\
        --prompts 100 --out DIR

A row is ``CHECKPOINT:GUIDANCE[@STEPS]``. GUIDANCE is ``default`` (the checkpoint's own),
``off`` (no modality guidance, CFG alone) or ``PICTURE/SOUND``, the two modality scales; CFG
stays the checkpoint's. Every row generates the impact, glass and speech prompts among the
first N held-out ones, each with the same seed, scores them as the evaluation does, and the
run writes sweep.json (every figure) and sweep.md (the table).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.load import TalkiesModel
from ..toyworld.vocabulary import IMPACT_KINDS
from .evaluate import held_out_cases, score_generation, summarize
from .evaluate_extension import percent

SCORED_KINDS = (*IMPACT_KINDS, "voice")  # the prompts whose sync the guidance is meant to move
ROW_SYNTAX = "CHECKPOINT:default, CHECKPOINT:off or CHECKPOINT:PICTURE/SOUND, each optionally @STEPS"
_ROW = re.compile(r"(?P<name>[^:]+):(?P<guidance>default|off|(?P<v>[\d.]+)/(?P<a>[\d.]+))(@(?P<steps>\d+))?")


@dataclass(frozen=True)
class Row:
    """One line of the table: a checkpoint (by its name) and how it is sampled."""

    checkpoint: str
    modality: tuple[float, float] | None = None  # picture, sound; None: the checkpoint's own
    steps: int | None = None  # None: the checkpoint's own

    @property
    def label(self) -> str:
        if self.modality is None:
            guidance = "its default"
        elif self.modality == (1.0, 1.0):
            guidance = "off (CFG only)"
        else:
            guidance = f"{self.modality[0]:g} / {self.modality[1]:g}"
        return f"{self.checkpoint}, {guidance}" + (f", {self.steps} steps" if self.steps else "")


def parse_row(text: str, checkpoints: dict[str, Path]) -> Row:
    m = _ROW.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"row {text!r} is not {ROW_SYNTAX}")
    name = m["name"]
    if name not in checkpoints:
        raise ValueError(
            f"row {text!r} names checkpoint {name!r}; the checkpoints are {', '.join(checkpoints)}"
        )
    modality = {"default": None, "off": (1.0, 1.0)}.get(m["guidance"])
    if m["v"] is not None:
        modality = (float(m["v"]), float(m["a"]))
    return Row(name, modality, int(m["steps"]) if m["steps"] else None)


def parse_checkpoint(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name or ":" in name or not path:
        raise ValueError(f"checkpoint {text!r} must be NAME=PATH (a name without ':')")
    if not Path(path).is_file():
        raise ValueError(f"checkpoint {name}: no such file {path}")
    return name, Path(path)


def row_options(row: Row, model: TalkiesModel) -> dict:
    """The generate() options that sample ``row`` with ``model`` (its CFG kept)."""
    options = {}
    if row.modality is not None:
        d = defaults_for(model)
        options["video_guidance"] = replace(d.video, modality=row.modality[0])
        options["audio_guidance"] = replace(d.audio, modality=row.modality[1])
    if row.steps is not None:
        options["steps"] = row.steps
    return options


def sweep(checkpoints: dict[str, Path], rows: list[Row], *, prompts: int, seed: int) -> list[dict]:
    """Each row's figures (evaluate.summarize) over the same scored prompts."""
    cases = [c for c in held_out_cases(prompts) if c.kind in SCORED_KINDS]
    models: dict[str, TalkiesModel] = {}
    results = []
    for row in rows:
        if row.checkpoint not in models:
            models[row.checkpoint] = TalkiesModel(checkpoints[row.checkpoint])
        model = models[row.checkpoint]
        options = row_options(row, model)
        reports = [(case, score_generation(model, case, seed, **options)[0]) for case in cases]
        results.append({"row": row.label, "clips": len(cases), **summarize(reports)})
        print(f"{row.label}: {json.dumps(results[-1])}", flush=True)
    return results


def sweep_table(results: list[dict]) -> str:
    lines = [
        "| Checkpoint, guidance (picture / sound modality) | Impacts within ±1 frame "
        "| Audio leading > 1 frame | Lip r (median) | Manner right | Colour right | Ambience | Music |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lip = r["lip_sync_median_correlation"]
        cells = [
            r["row"],
            f"{percent(r['impact_within_1_frame'])} of {r['impact_contacts']}",
            percent(r["impact_audio_leads_over_1_frame"]),
            "n/a" if lip is None else f"{lip:.2f}",
            *(percent(r.get(f"{k}_right")) for k in ("manner", "colour", "ambience", "music")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m talkies.training.guidance_sweep", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--checkpoint", action="append", required=True, help="NAME=PATH (repeatable)")
    parser.add_argument(
        "--row", action="append", help=f"{ROW_SYNTAX} (repeatable; default: each checkpoint:default)"
    )
    parser.add_argument(
        "--prompts", type=int, default=100, help="held-out prompts to draw the scored ones from"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="folder for sweep.json and sweep.md")
    args = parser.parse_args(argv)
    try:
        checkpoints = dict(parse_checkpoint(c) for c in args.checkpoint)
        rows = [parse_row(r, checkpoints) for r in args.row or [f"{n}:default" for n in checkpoints]]
        if args.prompts < 1:
            raise ValueError(f"--prompts must be at least 1, got {args.prompts}")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    results = sweep(checkpoints, rows, prompts=args.prompts, seed=args.seed)
    table = sweep_table(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sweep.json").write_text(
        json.dumps({"prompts": args.prompts, "seed": args.seed, "rows": results}, indent=1)
    )
    (args.out / "sweep.md").write_text(table)
    print(table, end="")
    print(f"wrote {args.out / 'sweep.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
