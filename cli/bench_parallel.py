"""``python -m talkies bench --parallel``: a guided step on 1, 2 and 4 CPU processes (gloo over
loopback), tokens split or passes shared, with the bytes each rank sends; then, on paper from
the same counts, the step time to expect for LTX-2 on 2, 4 and 8 GPUs joined by NVLink.

The CPU figures show that the code runs and what it moves, not a speed-up: processes on a few
cores share them. The GPU figures are an estimate: compute divided by N (from the FLOP count and
a sustained throughput, or a measured one-GPU pass time), plus bytes over the link and a fixed
cost per collective, nothing overlapped (the code runs exchanges and compute in turn). No GPU
was at hand when it was written: the default throughput and link figures are assumptions.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.distributed as dist

from ..model.config import TransformerConfig
from ..model.parallel.cost import (
    Link,
    guidance_step_seconds,
    guidance_step_traffic,
    pass_flops,
    sequence_pass_traffic,
    sequence_step_seconds,
)
from ..model.parallel.exchange import TRAFFIC
from ..model.parallel.local import gloo_available, run_ranks
from ..model.sampling.guidance import Guidance, plan_passes
from ..model.sampling.latents import audio_positions, video_positions
from ..model.sampling.loop import Denoiser, LatentState
from ..model.text.conditioner import PromptEmbedding
from ..model.transformer.model import AVTransformer

# A CPU-sized LTX-2-shaped transformer and clip: 4 blocks, 384 video tokens (4×8×12), 51 audio.
CPU_CONFIG = TransformerConfig(
    num_layers=4,
    video_heads=8,
    video_head_dim=32,
    audio_heads=8,
    audio_head_dim=16,
    video_context_dim=256,
    audio_context_dim=128,
    caption_projection=False,
)
CPU_CLIP = (4, 8, 12, 51)  # latent frames, rows, columns; audio latent frames
TEXT_TOKENS = 64
GUIDANCE = Guidance(cfg=3.0, stg=1.0, stg_blocks=(1,), modality=3.0)  # cond, uncond, perturbed, isolated
# LTX-2 (19B) clips for the estimate: (name, video tokens, audio tokens); 1024 text tokens.
GPU_CLIPS = (
    ("5 s at 768×512", 16 * 16 * 24, 126),
    ("10 s at 1280×704", 31 * 22 * 40, 251),
)
GPU_TEXT_TOKENS = 1024
BF16 = 2


def add_parallel_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--parallel", action="store_true", help="time a guided step on 1, 2, 4 CPU processes")
    p.add_argument("--ranks", default="1,2,4", help="with --parallel: process counts to time")
    p.add_argument("--steps", type=int, default=3, help="with --parallel: timed steps (after one warm-up)")
    p.add_argument(
        "--gpu-tflops",
        type=float,
        default=400.0,
        help="sustained bf16 TFLOP/s of one GPU on a transformer pass: assumed, or measured (a pass's "
        "FLOPs, as model/parallel/cost.py counts them, over its time)",
    )
    p.add_argument("--link-gbps", type=float, default=300.0, help="assumed GB/s each way per GPU (NVLink)")
    p.add_argument("--latency-us", type=float, default=20.0, help="assumed cost of one collective, µs")


def _model() -> AVTransformer:
    model = AVTransformer(CPU_CONFIG)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            p.copy_(torch.randn(p.shape, generator=g) * 0.02)
    return model.eval().requires_grad_(False)


def _states() -> tuple[LatentState, LatentState]:
    f, h, w, t = CPU_CLIP
    g = torch.Generator().manual_seed(1)
    video = torch.randn(1, f * h * w, CPU_CONFIG.video_in_channels, generator=g)
    audio = torch.randn(1, t, CPU_CONFIG.audio_in_channels, generator=g)
    return (
        LatentState.empty(video, video_positions(1, f, h, w, 24.0)),
        LatentState.empty(audio, audio_positions(1, t)),
    )


def _prompt(seed: int) -> PromptEmbedding:
    g = torch.Generator().manual_seed(seed)
    return PromptEmbedding(
        torch.randn(1, TEXT_TOKENS, CPU_CONFIG.video_context_dim, generator=g),
        torch.randn(1, TEXT_TOKENS, CPU_CONFIG.audio_context_dim, generator=g),
        torch.ones(1, TEXT_TOKENS, dtype=torch.bool),
    )


def time_steps(mode: str, steps: int) -> tuple[float, int, int]:
    """On every rank: (median step seconds, bytes sent per step, collectives per step)."""
    model = _model()
    split = dist.is_initialized() and dist.get_world_size() > 1
    group = dist.group.WORLD if split else None
    model.sequence_group = group if mode == "sequence" else None
    denoiser = Denoiser(
        model,
        _prompt(0),
        _prompt(1),
        GUIDANCE,
        GUIDANCE,
        batch_passes=False,
        guidance_group=group if mode == "guidance" else None,
    )
    video, audio = _states()
    times = []
    with torch.inference_mode():
        for step in range(steps + 1):
            TRAFFIC.reset()
            start = time.perf_counter()
            denoiser(video, audio, 0.9, step)
            if step:  # the first call warms up
                times.append(time.perf_counter() - start)
    return statistics.median(times), TRAFFIC.bytes_sent, TRAFFIC.calls


def _cpu_table(ranks: list[int], steps: int) -> None:
    f, h, w, t = CPU_CLIP
    passes = len(plan_passes(GUIDANCE, GUIDANCE))
    print(
        f"CPU, gloo over loopback, fp32: {CPU_CONFIG.num_layers} blocks, {f * h * w} video + {t} audio "
        f"tokens, {passes} guidance passes a step, {torch.get_num_threads()} thread(s) per process"
    )
    print(f"  {'processes':>9}  {'mode':<9} {'step s':>8}  {'sent/step/rank':>15}  {'collectives':>11}")
    for n in ranks:
        for mode in ("sequence", "guidance") if n > 1 else ("one",):
            if n == 1:
                seconds, sent, calls = time_steps(mode, steps)
            else:
                seconds, sent, calls = run_ranks(time_steps, n, mode, steps, timeout_s=600)[0]
            print(f"  {n:>9}  {mode:<9} {seconds:>8.3f}  {sent / 2**20:>11.2f} MiB  {calls:>11}")


def _gpu_table(args: argparse.Namespace) -> None:
    cfg = TransformerConfig()
    link = Link(args.link_gbps * 1e9, args.latency_us * 1e-6)
    passes = len(plan_passes(GUIDANCE, GUIDANCE))
    print(
        f"\nOn paper, LTX-2 19B in bf16, {passes} passes a step, {args.link_gbps:g} GB/s and "
        f"{args.latency_us:g} µs a collective:"
    )
    for name, tv, ta in GPU_CLIPS:
        flops = pass_flops(cfg, tv, ta, GPU_TEXT_TOKENS)
        pass_s = flops / (args.gpu_tflops * 1e12)
        print(
            f"  {name} ({tv} video + {ta} audio tokens): one GPU {passes * pass_s:.2f} s a step "
            f"({flops / 1e12:.0f} TFLOP a pass at {args.gpu_tflops:g} TFLOP/s)"
        )
        outputs = (tv * cfg.video_out_channels, ta * cfg.audio_out_channels)
        for n in (2, 4, 8):
            seq = sequence_pass_traffic(cfg, tv, ta, 1, n, BF16)
            gui = guidance_step_traffic(passes, *outputs, n, BF16)
            seq_s = sequence_step_seconds(pass_s, passes, seq, n, link)
            gui_s = guidance_step_seconds(pass_s, passes, gui, n, link)
            print(
                f"    {n} GPUs: tokens split {seq_s:.2f} s ({passes * seq.bytes_sent / 2**30:.2f} GiB sent), "
                f"passes shared {gui_s:.2f} s ({gui.bytes_sent / 2**20:.1f} MiB sent)"
            )


def run(args: argparse.Namespace) -> int:
    if not gloo_available():
        raise ValueError("this torch has no gloo backend; the parallel benchmark needs torch.distributed")
    ranks = [int(r) for r in args.ranks.split(",")]
    _cpu_table(ranks, args.steps)
    _gpu_table(args)
    return 0
