"""``python -m talkies train``: reproduce the built-in model from nothing, stage by stage.

Stages write their results into ``--out`` and are skipped when their result is already
there, so an interrupted run resumes where it stopped:

    video_vae.safetensors → audio_vae.safetensors → latents.pt → transformer (EMA) →
    talkies_toyworld.safetensors (the checkpoint) → evaluation.json / evaluation.md

Everything is seeded; it runs on a CUDA GPU when there is one and on the CPU otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch

log = logging.getLogger(__name__)


@dataclass(kw_only=True, frozen=True)
class Budget:
    video_vae_steps: int
    video_vae_object_steps: int
    video_vae_motion_steps: int
    video_vae_decoder_steps: int
    audio_vae_steps: int
    statistics_clips: int
    dataset_clips: int
    transformer_steps: int
    transformer_motion_steps: int  # the second phase's, the video loss weighted by motion
    transformer_sync_steps: int  # the third's, audio onsets weighted too and more held streams
    transformer_batch: int
    transformer_window: int | None  # latent frames a step sees of each clip (None: whole clips)
    eval_prompts: int
    ema_decay: float
    packed_captions: int  # dataset captions the text encoder pack covers (--pack-text-encoder)


# The full recipe on the 2-core CPU (see the README). The video VAE's 1100 + 4800 steps are those
# measured for its 16x/4x config: about 0.8 s a step on one thread, some 80 minutes; its motion
# phase's 2400 steps about 1.05 s a step, 42 minutes; the decoder-only phase's 3000 about 1.2 s, 59.
FULL = Budget(
    video_vae_steps=1100,
    video_vae_object_steps=4800,
    video_vae_motion_steps=2400,
    video_vae_decoder_steps=3000,
    audio_vae_steps=1000,
    statistics_clips=200,
    dataset_clips=3000,
    transformer_steps=2400,
    transformer_motion_steps=3000,
    transformer_sync_steps=2800,
    transformer_batch=16,
    # 7 of a 2 s clip's 13 latent frames (about 1 s): a step costs about a third of a whole clip's
    transformer_window=7,
    eval_prompts=100,
    ema_decay=0.995,
    # more than the 3000 clips encoded here, for a GPU run that encodes more
    packed_captions=20_000,
)
# A few steps of every stage: checks that the recipe runs end to end.
QUICK = Budget(
    **dict.fromkeys(("video_vae_steps", "video_vae_object_steps", "video_vae_motion_steps"), 2),
    video_vae_decoder_steps=2,
    **dict.fromkeys(("audio_vae_steps", "statistics_clips"), 2),
    **dict.fromkeys(
        ("transformer_steps", "transformer_motion_steps", "transformer_sync_steps", "eval_prompts"), 2
    ),
    dataset_clips=8,
    transformer_batch=4,
    transformer_window=3,
    ema_decay=0.9,
    packed_captions=8,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("runs/builtin"), help="folder for every stage's results")
    p.add_argument("--seed", type=int, default=0, help="seed for weights, data order and noise")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--quick", action="store_true", help="a few steps of each stage (checks the recipe runs)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--skip-eval", action="store_true", help="stop after writing the checkpoint")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes encoding the dataset and, with --vaes-within, rendering the VAEs' batches",
    )
    p.add_argument(
        "--vaes-within",
        type=float,
        metavar="MINUTES",
        help="train only the VAEs, every phase sized from its measured speed to end within MINUTES "
        "(the GPU stage: e.g. 7 on a machine lent for 10); see --parts",
    )
    p.add_argument(
        "--within",
        type=float,
        metavar="MINUTES",
        help="the whole recipe sized to end within MINUTES (a lent GPU): the VAEs, the dataset, the "
        "transformer; needs --text-encoder-pack; see --parts",
    )
    p.add_argument(
        "--pack-text-encoder",
        type=Path,
        metavar="DIR",
        help="write the text encoder as a pack small enough to travel (for --within) and stop",
    )
    p.add_argument("--text-encoder-pack", type=Path, metavar="DIR", help="the pack --within encodes with")
    p.add_argument(
        "--join",
        type=Path,
        metavar="DIR",
        help="join the checkpoint parts --within wrote into --out (then evaluate it with --evaluate)",
    )
    p.add_argument(
        "--vae-batch",
        type=int,
        default=4,
        help="video clips a VAE step sees (the audio VAE's: twice as many)",
    )
    p.add_argument(
        "--parts",
        type=Path,
        metavar="DIR",
        help="with --vaes-within or --within: also write what it trained here as files of at most 16 MiB",
    )
    p.add_argument(
        "--from-vaes",
        type=Path,
        metavar="DIR",
        help="take the VAEs from the parts --vaes-within wrote (e.g. on a GPU) and train the rest here",
    )
    p.add_argument(
        "--from-checkpoint",
        type=Path,
        metavar="CKPT",
        help="go on from a built-in checkpoint (e.g. the shipped one): its VAEs are kept, its "
        "transformer trained on, in a new --out folder",
    )
    p.add_argument(
        "--evaluate",
        type=Path,
        metavar="CKPT",
        help="only evaluate this checkpoint (writes evaluation.json and the README tables to --out)",
    )
    p.add_argument("--prompts", type=int, help=f"held-out prompts to evaluate (default {FULL.eval_prompts})")
    p.add_argument(
        "--only",
        metavar="PART,...",
        help="with --evaluate: only these parts of the evaluation, comma-separated (training/evaluate.py "
        "PARTS: joint, bounces, image_to_video, extension, held_streams, codec_ceiling, timing_probe, "
        "speed; default all)",
    )


def run(args: argparse.Namespace) -> int:
    from ..training.recipe import reproduce

    if args.threads:
        torch.set_num_threads(args.threads)
    logging.getLogger().setLevel(logging.INFO)
    start = time.monotonic()
    budget = QUICK if args.quick else FULL
    prompts = budget.eval_prompts if args.prompts is None else args.prompts
    if prompts < 1:
        raise ValueError(f"--prompts must be at least 1, got {prompts}")
    budget = replace(budget, eval_prompts=prompts)
    if args.evaluate is not None:
        from ..training.evaluate import PARTS, check_parts, evaluate_checkpoint

        parts = list(PARTS) if args.only is None else [p.strip() for p in args.only.split(",") if p.strip()]
        check_parts(parts)
        if not args.evaluate.is_file():
            raise FileNotFoundError(
                f"no checkpoint at {args.evaluate}; give the .safetensors file to evaluate"
            )
        args.out.mkdir(parents=True, exist_ok=True)
        print(evaluate_checkpoint(args.evaluate, args.out, prompts=prompts, seed=args.seed, parts=parts))
        return 0
    if args.vaes_within is not None:
        return _vaes_within(args, budget)
    if args.within is not None:
        return _within(args, budget)
    if args.pack_text_encoder is not None:
        from ..training.text_encoder_pack import pack_text_encoder
        from ..training.timed_recipe import dataset_captions

        captions = dataset_captions(max(budget.packed_captions, budget.dataset_clips)) + [""]
        print(pack_text_encoder(args.pack_text_encoder, captions).parent)
        return 0
    if args.join is not None:
        from ..training.timed_recipe import join_checkpoint

        print(join_checkpoint(args.join, args.out))
        return 0
    if args.from_vaes is not None:
        from ..training.vae_phases import take_vaes

        _empty_out(args)
        take_vaes(args.from_vaes, args.out)
    if args.from_checkpoint is not None:
        from ..training.unpack import unpack_checkpoint

        if not args.from_checkpoint.is_file():
            raise FileNotFoundError(f"no checkpoint at {args.from_checkpoint}")
        _empty_out(args)
        unpack_checkpoint(args.from_checkpoint, args.out)
    result = reproduce(
        args.out,
        budget,
        seed=args.seed,
        device=args.device,
        evaluate=not args.skip_eval,
        workers=args.workers,
    )
    summary = {
        "checkpoint": str(result.checkpoint),
        "seconds": round(time.monotonic() - start, 1),
        "device": args.device,
        "budget": budget.__dict__,
    }
    (args.out / "run.json").write_text(json.dumps(summary, indent=2))
    print(result.checkpoint)
    return 0


def _empty_out(args: argparse.Namespace) -> None:
    if args.out.exists() and any(args.out.iterdir()):
        raise FileExistsError(
            f"{args.out} already holds a run: resume it without --from-checkpoint or --from-vaes, "
            "or choose a new --out"
        )


def _phase_run(args: argparse.Namespace, budget: Budget, pool):
    from ..training.vae_phases import PhaseRun

    return PhaseRun(
        steps={},
        statistics_clips=budget.statistics_clips,
        seed=args.seed,
        device=args.device,
        video_batch=args.vae_batch,
        audio_batch=2 * args.vae_batch,
        pool=pool,
    )


def _minutes(value: float, flag: str) -> float:
    if value <= 0:
        raise ValueError(f"{flag} must be a positive number of minutes, got {value}")
    return 60 * value


def _recipe_steps() -> dict[str, int]:
    from ..training.vae_phases import PHASE_STEPS

    return {name: getattr(FULL, name) for name in PHASE_STEPS}


def _vaes_within(args: argparse.Namespace, budget: Budget) -> int:
    from ..training.prefetch import worker_pool
    from ..training.timed_vaes import train_vaes_within

    seconds = _minutes(args.vaes_within, "--vaes-within")
    with worker_pool(args.workers) as pool:
        run = _phase_run(args, budget, pool)
        plan = train_vaes_within(args.out, seconds, _recipe_steps(), run, args.parts)
    print(json.dumps({"out": str(args.out), "parts": str(args.parts), **plan.__dict__}, indent=2))
    return 0


def _within(args: argparse.Namespace, budget: Budget) -> int:
    from dataclasses import asdict

    from ..training.prefetch import worker_pool
    from ..training.recipe import transformer_runs
    from ..training.timed_recipe import reproduce_within

    seconds = _minutes(args.within, "--within")
    if args.text_encoder_pack is None:
        raise ValueError(
            "--within needs --text-encoder-pack DIR (make one here with --pack-text-encoder DIR)"
        )
    with worker_pool(args.workers) as pool:
        plan = reproduce_within(
            args.out,
            seconds,
            _recipe_steps(),
            _phase_run(args, budget, pool),
            transformer_runs(budget, args.seed, args.device),
            dataset_clips=budget.dataset_clips,
            text_encoder_pack=args.text_encoder_pack,
            workers=args.workers,
            parts=args.parts,
        )
    print(json.dumps({"out": str(args.out), "parts": str(args.parts), **asdict(plan)}, indent=2))
    return 0
