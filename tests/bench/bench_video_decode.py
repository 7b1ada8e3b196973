"""Benchmark: video VAE decode throughput and peak memory, tiled vs untiled, printed side by side as ratios.

    python tests/bench/bench_video_decode.py                      # LTX-2.0 layout, narrowed, random weights
    python tests/bench/bench_video_decode.py --base-channels 128  # the published width (slow on a CPU)
    python tests/bench/bench_video_decode.py --checkpoint ltx-2-19b-dev.safetensors --device cuda --dtype bf16

Peak memory is reported three ways: live tensor bytes (tests/memory_meter.py; any device, excludes kernels'
scratch), the growth of the process's peak resident memory during one decode (CPU, Linux; each mode runs
in a fresh subprocess), and torch.cuda.max_memory_allocated on CUDA. A second clip with twice the frames
shows how each mode scales. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from talkies.model import VideoTiling, load_video_decoder  # noqa: E402
from talkies.model.video_vae.config import video_vae_config  # noqa: E402
from talkies.model.video_vae.model import VideoDecoder  # noqa: E402

from memory_meter import PeakTensorMemory  # noqa: E402

MiB = 2**20


def ltx20_layout(base_channels: int) -> dict:
    res = ["res_x", {"num_layers": 5, "inject_noise": False}]
    up = ["compress_all", {"residual": True, "multiplier": 2}]
    return {
        "latent_channels": 128,
        "patch_size": 4,
        "decoder_blocks": [res, up, res, up, res, up, res],
        "timestep_conditioning": True,
        "decoder_base_channels": base_channels,
    }


def build(args) -> VideoDecoder:
    if args.checkpoint:
        return load_video_decoder(args.checkpoint, args.device, args.dtype)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[args.dtype]
    return VideoDecoder(video_vae_config(ltx20_layout(args.base_channels))).to(args.device, dtype).eval()


def latent_for(decoder: VideoDecoder, args, frames: int) -> torch.Tensor:
    tf, sf = decoder.time_factor, decoder.space_factor
    shape = (1, decoder.cfg.latent_channels, (frames - 1) // tf + 1, args.height // sf, args.width // sf)
    return torch.randn(shape, generator=torch.Generator().manual_seed(0)).to(args.device)


def tiling(args) -> VideoTiling:
    return VideoTiling(
        tile_pixels=args.tile_pixels,
        overlap_pixels=args.overlap_pixels,
        tile_frames=args.tile_frames,
        overlap_frames=args.overlap_frames,
    )


def run(decoder: VideoDecoder, latent: torch.Tensor, mode: str, args) -> int:
    """Decode once, dropping frames as they come; the number of frames decoded."""
    generator = torch.Generator().manual_seed(1)
    if mode == "untiled":
        return decoder.decode(latent, generator=generator).shape[2]
    return sum(chunk.shape[2] for chunk in decoder.decode_tiled(latent, tiling(args), generator=generator))


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def measure(decoder: VideoDecoder, args, mode: str, frames: int) -> dict:
    latent = latent_for(decoder, args, frames)
    run(decoder, latent, mode, args)  # warm-up
    sync(args.device)
    start = time.perf_counter()
    for _ in range(args.repeat):
        n = run(decoder, latent, mode, args)
    sync(args.device)
    seconds = (time.perf_counter() - start) / args.repeat
    with PeakTensorMemory() as meter:
        run(decoder, latent, mode, args)
    out = {"frames": n, "seconds": seconds, "fps": n / seconds, "tensors": meter.peak / MiB}
    if args.device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        run(decoder, latent, mode, args)
        out["cuda"] = (torch.cuda.max_memory_allocated() - base) / MiB
    else:
        out["rss"] = child_rss(args, mode, frames)
    return out


def child_rss(args, mode: str, frames: int) -> float:
    """Peak resident memory added by one decode, in a fresh process so the high-water mark is its own."""
    cmd = [sys.executable, __file__, *sys.argv[1:], "--child", mode, "--child-frames", str(frames)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["rss"]


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def child(args) -> None:
    decoder = build(args)
    latent = latent_for(decoder, args, args.child_frames)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current resident size
    before = _status_kib("VmRSS")
    run(decoder, latent, args.child, args)
    print(json.dumps({"rss": (_status_kib("VmHWM") - before) / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--checkpoint", help="an LTX-2 checkpoint or VAE file; default: random LTX-2.0 layout"
    )
    parser.add_argument("--base-channels", type=int, default=8, help="decoder width (published: 128)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="fp32", choices=["fp32", "bf16", "fp16"])
    parser.add_argument("--frames", type=int, default=49, help="pixel frames, 8k+1")
    parser.add_argument("--height", type=int, default=384)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--tile-pixels", type=int, default=256)
    parser.add_argument("--overlap-pixels", type=int, default=64)
    parser.add_argument("--tile-frames", type=int, default=32)
    parser.add_argument("--overlap-frames", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-frames", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.child:
        child(args)
        return

    decoder = build(args)
    what = args.checkpoint or f"LTX-2.0 decoder layout, base {args.base_channels} channels, random weights"
    print(f"decoder: {what}; {args.device} {args.dtype}; torch threads {torch.get_num_threads()}")
    print(f"tiles: {tiling(args)}")
    memory = "cuda" if args.device.startswith("cuda") else "rss"
    header = f"{'mode':<9}{'frames':>7}{'size':>10}{'seconds':>9}{'frames/s':>10}{'tensors MiB':>13}"
    print(header + f"{memory + ' MiB':>11}")
    results = {}
    for frames in (args.frames, 2 * args.frames - 1):
        for mode in ("untiled", "tiled"):
            r = results[mode, frames] = measure(decoder, args, mode, frames)
            print(
                f"{mode:<9}{r['frames']:>7}{f'{args.width}x{args.height}':>10}{r['seconds']:>9.2f}"
                f"{r['fps']:>10.2f}{r['tensors']:>13.1f}{r[memory]:>11.1f}"
            )
    for frames in (args.frames, 2 * args.frames - 1):
        t, u = results["tiled", frames], results["untiled", frames]
        print(
            f"tiled / untiled at {frames} frames: throughput {t['fps'] / u['fps']:.2f}x, "
            f"peak tensors {t['tensors'] / u['tensors']:.2f}x, "
            f"peak {memory} {t[memory] / max(u[memory], 1e-9):.2f}x"
        )
    for mode in ("untiled", "tiled"):
        a, b = results[mode, args.frames], results[mode, 2 * args.frames - 1]
        print(
            f"{mode} peak when frames double: tensors {b['tensors'] / a['tensors']:.2f}x, "
            f"{memory} {b[memory] / max(a[memory], 1e-9):.2f}x"
        )


if __name__ == "__main__":
    main()
