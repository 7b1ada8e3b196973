"""Probe a trained video VAE on held-out toy-world clips at the built-in model's whole size.

Each clip (128×128, 49 frames, seeds from the held-out range) goes through encode and
decode whole, untiled. The toy world's own metrics then read the reconstruction as they
would read a generated clip:

- balls: per clip, whether the tracker finds the same ball colours, each as many times
  as the ground truth has them (one red ball, not four red blobs);
- contacts: ground-truth ball and glass contacts with a visual contact detected on the
  reconstruction within ±1 frame (the same figure on the original says what the
  detector itself finds), and detected contacts with no true one within ±1 frame
  (a smeared picture makes false ones, which would otherwise count as hits);
- faces: on speaking clips, whether a face is found and how the mouth opening read from
  the reconstruction correlates with the ground truth's;
- pixel MSE in -1..1, over the whole frame and over object pixels only.

A contact sheet (original row above reconstruction row, several frames per clip) is
written next to the figures: look at it, a figure alone can mislead.

    python -m talkies.training.vae_probe VAE.safetensors --config vae.json --out DIR
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import torch

from ..model.media.png import write_png
from ..model.video_vae.model import VideoDecoder, VideoEncoder
from ..toyworld import render, sample_spec
from ..toyworld.held_out import HELD_OUT_SEED_START
from ..toyworld.metrics.adherence import colour_name
from ..toyworld.metrics.lip_sync import find_face, mouth_opening
from ..toyworld.metrics.tracking import track_objects
from ..toyworld.metrics.visual_contacts import visual_contacts
from ..toyworld.truth import Clip
from ..toyworld.vocabulary import IMPACT_KINDS
from .builtin_config import VIDEO_VAE
from .vae_files import load_video_vae

log = logging.getLogger(__name__)

SHEET_FRAMES = (0, 8, 16, 24, 32, 40, 48)
COUNT_PRESENCE = 0.25  # as the adherence metric: a count holds when this share of frames shows it


def _pixels(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(frames).float().permute(3, 0, 1, 2)[None] / 127.5 - 1.0


def _frames(pixels: torch.Tensor) -> np.ndarray:
    return ((pixels[0].permute(1, 2, 3, 0).clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()


def ball_counts(frames: np.ndarray) -> tuple[dict[str, int], list]:
    """Named colour → how many objects of it the tracker sees at once (in ≥ 25 % of frames)."""
    scene = track_objects(frames)
    names = [colour_name(t.colour) for t in scene.tracks]
    counts = {}
    for name in {n for n in names if n}:
        per_frame = np.sum([t.present for t, n in zip(scene.tracks, names, strict=True) if n == name], axis=0)
        shown = [c for c in range(1, int(per_frame.max()) + 1) if np.mean(per_frame >= c) >= COUNT_PRESENCE]
        counts[name] = max(shown, default=0)
    return {k: v for k, v in counts.items() if v}, visual_contacts(scene)


def _contacts_found(clip: Clip, found: list) -> tuple[int, int]:
    """(true contacts with a detected one within ±1 frame, detected ones with no true one there)."""
    frames = [c.frame for c in found]
    truth = [c.frame for c in clip.truth.contacts]
    hits = sum(1 for t in truth if any(abs(f - t) <= 1 for f in frames))
    spurious = sum(1 for f in frames if not any(abs(f - t) <= 1 for t in truth))
    return hits, spurious


def _mouth_correlation(clip: Clip, frames: np.ndarray) -> tuple[bool, float | None]:
    scene = track_objects(frames)
    face = find_face(scene)
    if face is None:
        return False, None
    opening = mouth_opening(frames, scene, face)
    truth = clip.truth.mouth_opening
    if truth is None or np.std(opening) == 0 or np.std(truth) == 0:
        return True, None
    return True, float(np.corrcoef(opening, truth)[0, 1])


def _object_mask(frames: np.ndarray) -> np.ndarray:
    background = np.median(frames.reshape(-1, 3), axis=0)
    return np.abs(frames.astype(np.float32) - background).max(axis=-1) > 25.5


def probe_clip(clip: Clip, encoder: VideoEncoder, decoder: VideoDecoder) -> tuple[dict, np.ndarray]:
    pixels = _pixels(clip.frames)
    recon = decoder.decode(encoder.encode(pixels))
    frames = _frames(recon)
    error = (recon - pixels).pow(2).mean(dim=1)[0].numpy()
    mask = _object_mask(clip.frames)
    true_counts = clip.truth.colour_counts
    row = {"kind": clip.spec.kind, "mse": float(error.mean())}
    row["object_mse"] = float(error[mask].mean()) if mask.any() else None
    if clip.spec.kind in IMPACT_KINDS:
        original_counts, original_contacts = ball_counts(clip.frames)
        counts, contacts = ball_counts(frames)
        row.update(
            balls_true=true_counts,
            balls_original=original_counts,
            balls_recon=counts,
            contacts_true=len(clip.truth.contacts),
            contacts_original=_contacts_found(clip, original_contacts)[0],
        )
        row["contacts_recon"], row["contacts_spurious_recon"] = _contacts_found(clip, contacts)
    if clip.spec.kind == "voice":
        row["face_original"], row["mouth_corr_original"] = _mouth_correlation(clip, clip.frames)
        row["face_recon"], row["mouth_corr_recon"] = _mouth_correlation(clip, frames)
    return row, frames


def _share(values: list[bool]) -> float | None:
    return float(np.mean(values)) if values else None


def summarize(rows: list[dict]) -> dict:
    balls = [r for r in rows if r["kind"] == "impacts"]
    hits = [r for r in rows if "contacts_true" in r]
    voices = [r for r in rows if r["kind"] == "voice"]
    corr = [r["mouth_corr_recon"] for r in voices if r["mouth_corr_recon"] is not None]
    return {
        "clips": len(rows),
        "mse": float(np.mean([r["mse"] for r in rows])),
        "object_mse": float(np.mean([r["object_mse"] for r in rows if r["object_mse"] is not None])),
        "balls_right_recon": _share([r["balls_recon"] == r["balls_true"] for r in balls]),
        "balls_right_original": _share([r["balls_original"] == r["balls_true"] for r in balls]),
        "ball_colours_seen_recon": _share([set(r["balls_recon"]) >= set(r["balls_true"]) for r in balls]),
        "contacts_true": sum(r["contacts_true"] for r in hits),
        "contacts_original": sum(r["contacts_original"] for r in hits),
        "contacts_recon": sum(r["contacts_recon"] for r in hits),
        "contacts_spurious_recon": sum(r["contacts_spurious_recon"] for r in hits),
        "faces_found_recon": _share([r["face_recon"] for r in voices]),
        "mouth_corr_recon_median": float(np.median(corr)) if corr else None,
        "mouth_corr_original_median": float(
            np.median([r["mouth_corr_original"] for r in voices if r["mouth_corr_original"] is not None])
        )
        if voices
        else None,
    }


def contact_sheet(pairs: list[tuple[np.ndarray, np.ndarray]], path: Path) -> Path:
    """Original row above reconstruction row, for each clip; a thin gap between clips."""
    side = pairs[0][0].shape[1]
    gap = 6
    width = len(SHEET_FRAMES) * side
    sheet = np.full((len(pairs) * (2 * side + gap), width, 3), 255, dtype=np.uint8)
    for i, (original, recon) in enumerate(pairs):
        top = i * (2 * side + gap)
        for j, k in enumerate(SHEET_FRAMES):
            sheet[top : top + side, j * side : (j + 1) * side] = original[k]
            sheet[top + side : top + 2 * side, j * side : (j + 1) * side] = recon[k]
    path.unlink(missing_ok=True)  # a probe's sheet is remade each run
    return write_png(sheet, path)


def probe(
    weights: Path, section: dict, out: Path, *, clips: int = 24, sheet_clips: int = 8, label: str = "probe"
) -> dict:
    encoder, decoder = load_video_vae(weights, section)
    rows, pairs = [], []
    for i in range(clips):
        seed = HELD_OUT_SEED_START + 5000 + i
        clip = render(sample_spec(seed))
        row, frames = probe_clip(clip, encoder, decoder)
        rows.append({"seed": seed, **row})
        pairs.append((clip.frames, frames))
    summary = summarize(rows)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{label}.json").write_text(json.dumps({"summary": summary, "clips": rows}, indent=1))
    for n in range(0, min(clips, 2 * sheet_clips), sheet_clips):
        contact_sheet(pairs[n : n + sheet_clips], out / f"{label}_sheet{n // sheet_clips}.png")
    return summary


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("weights", type=Path, help="encoder./decoder. pair (vae_files.save_pair)")
    p.add_argument("--config", type=Path, help="JSON of the vae config section (default: the built-in one)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--clips", type=int, default=24)
    p.add_argument("--label", default="probe")
    args = p.parse_args()
    torch.set_num_threads(1)
    section = json.loads(args.config.read_text()) if args.config else VIDEO_VAE
    summary = probe(args.weights, section, args.out, clips=args.clips, label=args.label)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
