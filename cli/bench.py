"""``python -m talkies bench``: how long a first-time user waits for a clip, and how much memory it takes
(``--parallel``: a guided step on several processes, cli/bench_parallel.py).

Each run is a fresh ``python -m talkies generate`` process, so interpreter start, imports and
model load are all counted, as a user would experience them.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from . import bench_parallel
from .bench_parallel import add_parallel_arguments

PROMPT = "Two red balls bounce on a wooden floor in a quiet room, no music."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=int, default=3, help="fresh processes to time")
    p.add_argument("--seconds", type=float, default=2.0, help="clip length")
    p.add_argument("--model", type=Path, help="checkpoint (default: the built-in model)")
    add_parallel_arguments(p)


def _one(args: argparse.Namespace, out: Path) -> tuple[float, float]:
    cmd = [
        sys.executable,
        "-m",
        "talkies",
        "generate",
        PROMPT,
        "--seconds",
        str(args.seconds),
        "-o",
        str(out),
    ]
    if args.model:
        cmd += ["--model", str(args.model)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.monotonic() - start
    peak_kb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return wall, peak_kb / 1e6


def run(args: argparse.Namespace) -> int:
    if args.parallel:
        return bench_parallel.run(args)
    with tempfile.TemporaryDirectory() as tmp:
        results = [_one(args, Path(tmp) / f"run{i}.mp4") for i in range(args.runs)]
    walls = [w for w, _ in results]
    print(f"python -m talkies generate, {args.seconds:g} s clip, {torch.get_num_threads()} CPU threads")
    print(
        f"  wall (model load included): median {statistics.median(walls):.1f} s, "
        f"min {min(walls):.1f} s, max {max(walls):.1f} s over {len(walls)} fresh processes"
    )
    print(f"  peak memory (largest process): {max(p for _, p in results):.2f} GB")
    return 0
