"""A held-out impact clip that shows what the built-in model does: its ball and a knock on it.

The shipped model's test generates one fixed-seed clip of a held-out impact prompt and checks
that a ball of a colour the prompt names is seen and that a visual contact has its sound within
one frame. Which prompt and seed show it depends on the checkpoint; when the checkpoint changes,

    python -m talkies.training.proof_clip checkpoints/talkies_toyworld.safetensors

finds the first that does (the test's constants say which). It is one clip, not a rate: the
evaluation's figures are the rates.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..toyworld.metrics.impact_sync import DETECTOR_SLACK_S
from .evaluate import Case, detected_colours, held_out_cases, score_generation

IMPACT_KINDS = ("impacts",)


def synced_ball(report: dict, case: Case, fps: float = 24.0) -> bool:
    """A ball of a colour the prompt names is seen, and a contact has its sound within a frame."""
    tolerance_ms = 1000.0 * (1.0 / fps + DETECTOR_SLACK_S)
    seen = set(detected_colours(report)) & set(case.colours)
    offsets = [o for o in report["impacts"]["offsets_ms"] if o is not None]
    return bool(seen) and any(abs(o) <= tolerance_ms for o in offsets)


def find(checkpoint: Path, prompts: int, seeds: int) -> tuple[int, int] | None:
    from ..model.pipeline.load import TalkiesModel

    model = TalkiesModel(checkpoint)
    cases = [(i, c) for i, c in enumerate(held_out_cases(prompts)) if c.kind in IMPACT_KINDS]
    for seed in range(seeds):
        for index, case in cases:
            report, _ = score_generation(model, case, seed)
            print(f"held-out {index}, seed {seed}: {synced_ball(report, case)}", flush=True)
            if synced_ball(report, case):
                return index, seed
    return None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", type=Path)
    p.add_argument("--prompts", type=int, default=24, help="held-out prompts to look through")
    p.add_argument("--seeds", type=int, default=3, help="seeds to try for each")
    a = p.parse_args()
    print(find(a.checkpoint, a.prompts, a.seeds))


if __name__ == "__main__":
    main()
