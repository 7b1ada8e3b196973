"""Toy-world generator throughput: clips per second at the default size (128x128, 49 frames,
16 kHz mono), sampling a random spec and rendering it, in one process and in two.

    python tests/bench/bench_toyworld.py [--clips 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

from talkies.toyworld import render, sample_spec


def _make(seeds: range) -> int:
    for seed in seeds:
        render(sample_spec(seed))
    return len(seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    _make(range(10_000, 10_005))  # warm up imports and caches
    start = time.perf_counter()
    _make(range(args.clips))
    single = args.clips / (time.perf_counter() - start)
    print(f"1 process:  {single:6.1f} clips/s ({args.clips} clips)")

    chunks = [range(i, args.clips, args.workers) for i in range(args.workers)]
    with ProcessPoolExecutor(args.workers) as pool:
        list(pool.map(_make, [range(10_000, 10_002)] * args.workers))
        start = time.perf_counter()
        done = sum(pool.map(_make, chunks))
        parallel = done / (time.perf_counter() - start)
    print(f"{args.workers} processes: {parallel:6.1f} clips/s ({done} clips)")


if __name__ == "__main__":
    main()
