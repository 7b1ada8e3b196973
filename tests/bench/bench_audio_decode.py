"""Benchmark: audio decode (latent → waveform) throughput and peak memory, chunked vs whole.

    python tests/bench/bench_audio_decode.py [--model ltx-2.0|ltx-2.3] [--width 0.25]
        [--seconds 5 20] [--chunk 5] [--checkpoint FILE] [--threads 1]

(``talkies`` must be importable: ``pip install -e .`` or PYTHONPATH.)

Builds the published LTX-2 audio decoder and vocoder architecture with random weights (or
loads them from ``--checkpoint``). ``--width`` scales every channel count (1 = the
published sizes, slow on a CPU; the default 0.25 keeps depth, rates, kernels and so the
receptive fields and chunk layout, and memory scales with width alike for both modes).
Each case runs in a fresh process and decodes twice; the second decode is measured.
Throughput is audio seconds per CPU second (one thread by default, which a busy shared
machine disturbs least); peak memory is the rise of the process's peak resident
set (VmHWM, reset just before decoding) over its resident set before decoding. Prints a
table and the ratios measured side by side: 20 s vs 5 s for each mode, chunked vs whole.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

# A fixed mmap threshold makes glibc hand every large tensor back to the OS when it is freed,
# so the resident set follows live tensors instead of the allocator's cached heap.
ALLOCATOR_ENV = {"MALLOC_MMAP_THRESHOLD_": "131072", "MALLOC_TRIM_THRESHOLD_": "131072"}

AUDIO_VAE = {
    "model": {
        "params": {
            "sampling_rate": 16000,
            "ddconfig": {
                "ch": 128,
                "ch_mult": [1, 2, 4],
                "num_res_blocks": 2,
                "attn_resolutions": [],
                "z_channels": 8,
                "double_z": True,
                "in_channels": 2,
                "out_ch": 2,
                "mel_bins": 64,
                "mid_block_add_attention": False,
                "norm_type": "pixel",
                "causality_axis": "height",
            },
        }
    },
    "preprocessing": {"stft": {"filter_length": 1024, "hop_length": 160, "causal": True}},
}


def _scaled(config: dict, width: float) -> dict:
    config = json.loads(json.dumps(config))
    dd = config["audio_vae"]["model"]["params"]["ddconfig"]
    dd["ch"] = max(8, round(dd["ch"] * width))
    voc = config["vocoder"]
    for section in (voc["vocoder"], voc["bwe"]) if "bwe" in voc else (voc,):
        n = 2 ** len(section["upsample_rates"])
        section["upsample_initial_channel"] = max(
            n, round(section["upsample_initial_channel"] * width) // n * n
        )
    return config


def _kib(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def worker(args: argparse.Namespace) -> None:
    import torch

    from talkies.model import decode_audio, load_audio_decoder, load_vocoder
    from talkies.model.audio_vae.config import audio_vae_config
    from talkies.model.audio_vae.model import AudioDecoder
    from talkies.model.vocoder.config import LTX20_SECTION, LTX23_SECTION, build_vocoder, vocoder_spec

    if args.checkpoint:
        decoder, vocoder = load_audio_decoder(args.checkpoint), load_vocoder(args.checkpoint)
    else:
        config = _scaled(
            {"audio_vae": AUDIO_VAE, "vocoder": LTX23_SECTION if args.model == "ltx-2.3" else LTX20_SECTION},
            args.width,
        )
        torch.manual_seed(0)
        decoder = AudioDecoder(audio_vae_config(config)).eval()
        vocoder = build_vocoder(vocoder_spec(config)).eval()
    torch.set_num_threads(args.threads)
    cfg = decoder.cfg
    chunk = None if args.mode == "whole" else args.chunk
    latent = torch.randn(1, cfg.z_channels, round(args.run_seconds * 25) + 1, cfg.latent_mel_bins)
    with torch.no_grad():
        # The first decode warms caches (oneDNN primitives, allocator); the second is measured.
        decode_audio(latent, decoder, vocoder, chunk_seconds=chunk)
        before = _kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")
        wall, cpu = time.perf_counter(), time.process_time()
        wave = decode_audio(latent, decoder, vocoder, chunk_seconds=chunk)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        peak = _kib("VmHWM")
    result = {"cpu": cpu, "wall": wall, "peak_mib": (peak - before) / 1024, "audio_s": float(wave.seconds)}
    print(json.dumps({**result, "rate": wave.sample_rate}))


def run_case(args: argparse.Namespace, seconds: float, mode: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", "--mode", mode, "--run-seconds", str(seconds)]
    for flag in ("model", "width", "chunk", "threads", "checkpoint"):
        value = getattr(args, flag)
        if value is not None:
            cmd += [f"--{flag}", str(value)]
    env = {**os.environ, **ALLOCATOR_ENV}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", choices=["ltx-2.0", "ltx-2.3"], default="ltx-2.0")
    parser.add_argument("--width", type=float, default=0.25)
    parser.add_argument("--seconds", type=float, nargs=2, default=[5.0, 20.0])
    parser.add_argument("--chunk", type=float, default=5.0)
    parser.add_argument("--checkpoint")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: steadiest on a busy machine)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=["whole", "chunked"], help=argparse.SUPPRESS)
    parser.add_argument("--run-seconds", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    short, long_ = args.seconds
    what = args.checkpoint or f"{args.model} architecture at width x{args.width:g}, random weights"
    print(f"audio decode: {what}; chunks of {args.chunk:g} s; {args.threads} thread(s)")
    header = ("clip s", 7), ("mode", 8), ("cpu s", 7), ("x realtime", 10), ("wall s", 7), ("peak MiB", 9)
    print(" ".join(f"{name:>{w}}" for name, w in header), f"{'rate Hz':>8}")
    results = {}
    for seconds in (short, long_):
        for mode in ("whole", "chunked"):
            r = results[seconds, mode] = run_case(args, seconds, mode)
            print(
                f"{seconds:7g} {mode:>8} {r['cpu']:7.2f} {r['audio_s'] / r['cpu']:10.2f} {r['wall']:7.2f} "
                f"{r['peak_mib']:9.1f} {r['rate']:8d}"
            )
    for mode in ("whole", "chunked"):
        ratio = results[long_, mode]["peak_mib"] / results[short, mode]["peak_mib"]
        print(f"peak memory {long_:g} s / {short:g} s, {mode}: {ratio:.2f}x")
    memory = results[long_, "chunked"]["peak_mib"] / results[long_, "whole"]["peak_mib"]
    speed = results[long_, "whole"]["cpu"] / results[long_, "chunked"]["cpu"]
    print(
        f"at {long_:g} s, chunked vs whole: peak memory {memory:.2f}x, throughput per CPU second {speed:.2f}x"
    )


if __name__ == "__main__":
    main()
