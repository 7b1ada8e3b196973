"""Adherence: is what the caption claims what the clip shows and sounds like?

The caption is read back with the world's vocabulary (``caption_parse``); each claim it
makes becomes one check against what the other metrics measured. Claims the caption does
not make are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..caption_parse import CaptionClaims
from ..vocabulary import BALL_COLOURS
from .tracking import Scene
from .visual_contacts import VisualContact

COLOUR_NAME_DISTANCE = 70.0
COUNT_PRESENCE = 0.25  # a count holds if at least this share of frames shows that many


def colour_name(rgb: tuple[float, float, float]) -> str | None:
    """The vocabulary colour nearest to ``rgb`` (max channel difference), if near enough."""
    best, best_distance = None, COLOUR_NAME_DISTANCE
    for name, reference in BALL_COLOURS.items():
        distance = float(np.abs(np.array(rgb) - np.array(reference)).max())
        if distance < best_distance:
            best, best_distance = name, distance
    return best


@dataclass(kw_only=True, frozen=True)
class Observations:
    colour_counts: dict[str, int]
    floor_contacts: dict[str, int]  # per colour, the most of any one object of that colour
    wall_contacts: int
    shatters: int
    ambience: str
    music: bool
    manner: str | None
    pacing: str | None


def observe(scene: Scene, contacts: list[VisualContact], audio: dict) -> Observations:
    names = [colour_name(track.colour) for track in scene.tracks]
    counts: dict[str, int] = {}
    floors: dict[str, int] = {}
    for name in {n for n in names if n}:
        per_frame = np.sum(
            [track.present for track, n in zip(scene.tracks, names, strict=True) if n == name], axis=0
        )
        shown = [c for c in range(1, int(per_frame.max()) + 1) if np.mean(per_frame >= c) >= COUNT_PRESENCE]
        counts[name] = max(shown, default=0)
        floors[name] = max(
            sum(1 for c in contacts if c.track == i and c.kind == "floor")
            for i, n in enumerate(names)
            if n == name
        )
    return Observations(
        colour_counts=counts,
        floor_contacts=floors,
        wall_contacts=sum(1 for c in contacts if c.kind == "wall"),
        shatters=sum(1 for c in contacts if c.kind == "shatter"),
        ambience=audio["ambience"],
        music=audio["music"],
        manner=audio["manner"],
        pacing=audio["pacing"],
    )


def adherence(claims: CaptionClaims, seen: Observations) -> dict:
    checks: list[dict] = []

    def check(name: str, expected, measured) -> None:
        checks.append({"check": name, "expected": expected, "measured": measured, "ok": expected == measured})

    wanted: dict[str, int] = {}
    for claim in claims.balls:
        if claim.colour:
            wanted[claim.colour] = wanted.get(claim.colour, 0) + claim.count
    for colour, count in wanted.items():
        check(f"{colour} present", True, seen.colour_counts.get(colour, 0) > 0)
        check(f"{colour} count", count, seen.colour_counts.get(colour, 0))
    if claims.bounces is not None and len(wanted) == 1 and claims.ball_count == 1:
        colour = next(iter(wanted))
        check("bounces", claims.bounces, seen.floor_contacts.get(colour, 0))
    if claims.walls:
        check("hits walls", True, seen.wall_contacts > 0)
    if claims.shatters:
        check("shatters", True, seen.shatters > 0)
    if claims.ambience is not None:
        check("ambience", claims.ambience, seen.ambience)
    if claims.manner is not None:
        check("manner", claims.manner, seen.manner)
    if claims.pacing is not None:
        check("pacing", claims.pacing, seen.pacing)
    if claims.music is not None:
        check("music", claims.music, seen.music)
    score = float(np.mean([c["ok"] for c in checks])) if checks else None
    return {"score": score, "passed": sum(c["ok"] for c in checks), "checks": checks}
