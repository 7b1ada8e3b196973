"""Speed and memory at full scale: ours against ltx-core, resident against streamed, fp8, TFLOP/s.

    python tests/bench/bench_full_scale.py --device cuda            # real LTX-2.3 config, bf16
    python tests/bench/bench_full_scale.py --device cuda --compile  # also torch.compile'd blocks
    python tests/bench/bench_full_scale.py --device cpu             # small config, fp32

Weights are random (seeded per parameter name, so both implementations get the same ones)
and built on the meta device first, then materialised straight on the compute device: the
22B model never passes through host memory at full size. One transformer evaluation is
timed for ltx-core and for ours with the same inputs on the same device in one run. The
reference runs first and is freed before ours is built (both would not fit together).

Sections (CUDA): ours vs ltx-core (bf16); achieved TFLOP/s against a measured 8192³ bf16
matmul; resident vs block-streamed under a VRAM cap (torch.cuda.set_per_process_memory_fraction)
with peak memory; fp8 weights resident and streamed; eight distilled sampling steps.
On CPU the same comparisons that make sense there, at a small config.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from talkies.model.config import transformer_config  # noqa: E402
from talkies.model.loading.quant import quantize_linears  # noqa: E402
from talkies.model.offload.streaming import block_bytes, resident_blocks_within, stream_blocks  # noqa: E402
from talkies.model.sampling.av_latent import empty_av_latent  # noqa: E402
from talkies.model.sampling.compression import LTX2_COMPRESSION  # noqa: E402
from talkies.model.sampling.denoise import sample_clip  # noqa: E402
from talkies.model.sampling.latents import audio_positions, audio_tokens, video_positions, video_tokens  # noqa: E402
from talkies.model.sampling.schedule import DISTILLED_SIGMAS  # noqa: E402
from talkies.model.text.conditioner import PromptEmbedding  # noqa: E402
from talkies.model.transformer.attention import attention_backend, choose_backend, set_attention_backend  # noqa: E402
from talkies.model.transformer.compile import compile_blocks, compile_unavailable, uncompile_blocks  # noqa: E402
from talkies.model.transformer.model import AVTransformer, Stream  # noqa: E402

from ltx_oracle import tiny_config  # noqa: E402

GiB = 2**30
FPS = 24


@dataclass(kw_only=True, frozen=True)
class Scale:
    name: str
    layers: int
    video_heads: int
    video_head_dim: int
    audio_heads: int
    audio_head_dim: int
    latent: tuple[int, int, int]  # video latent F, H, W
    audio_frames: int
    text_tokens: int

    @property
    def pixels(self) -> tuple[int, int, int]:
        """(frames, height, width) of the clip this latent decodes to."""
        f, h, w = self.latent
        return (f - 1) * 8 + 1, h * 32, w * 32


SCALES = {
    # LTX-2.3 22B: 121 frames at 768×512 → 16×16×24 latent; 5 s of audio → 126 latent frames.
    "full": Scale(
        name="full",
        layers=48,
        video_heads=32,
        video_head_dim=128,
        audio_heads=32,
        audio_head_dim=64,
        latent=(16, 16, 24),
        audio_frames=126,
        text_tokens=1024,
    ),
    "small": Scale(
        name="small",
        layers=4,
        video_heads=8,
        video_head_dim=64,
        audio_heads=8,
        audio_head_dim=32,
        latent=(3, 8, 12),
        audio_frames=18,
        text_tokens=128,
    ),
}


def ltx_config(s: Scale) -> dict:
    """The LTX-2.3 transformer config at this scale (ltx-core's format, also our checkpoint metadata)."""
    return tiny_config(
        "2.3",
        num_layers=s.layers,
        num_attention_heads=s.video_heads,
        attention_head_dim=s.video_head_dim,
        cross_attention_dim=s.video_heads * s.video_head_dim,
        audio_num_attention_heads=s.audio_heads,
        audio_attention_head_dim=s.audio_head_dim,
        audio_cross_attention_dim=s.audio_heads * s.audio_head_dim,
        in_channels=128,
        out_channels=128,
        audio_in_channels=128,
        audio_out_channels=128,
    )


# --- models -------------------------------------------------------------------------------


@torch.no_grad()
def randomize_by_name(module: torch.nn.Module) -> None:
    """Seeded per parameter name, on the parameter's device: same names, same weights."""
    for name, p in module.named_parameters():
        g = torch.Generator(p.device).manual_seed(zlib.crc32(name.encode()))
        if "norm" in name:
            p.fill_(1.0)
        elif "scale_shift_table" in name:
            p.copy_(torch.randn(p.shape, generator=g, device=p.device) * 0.05)
        elif p.ndim >= 2:
            p.copy_(torch.randn(p.shape, generator=g, device=p.device) / p.shape[-1] ** 0.5)
        else:
            p.copy_(torch.randn(p.shape, generator=g, device=p.device) * 0.01)


def materialise(build: Callable[[], torch.nn.Module], device: torch.device, dtype: torch.dtype):
    with torch.device("meta"):
        module = build().to(dtype)
    module = module.to_empty(device=device)
    randomize_by_name(module)
    return module.eval().requires_grad_(False)


def build_ours(config: dict, device, dtype) -> AVTransformer:
    cfg = transformer_config(config)
    return materialise(lambda: AVTransformer(cfg), device, dtype)


def build_reference(config: dict, device, dtype):
    from ltx_core.model.transformer.model_configurator import LTXModelConfigurator

    return materialise(lambda: LTXModelConfigurator.from_config(config), device, dtype)


# --- inputs -------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Inputs:
    video: torch.Tensor
    audio: torch.Tensor
    video_context: torch.Tensor
    audio_context: torch.Tensor
    sigma: float = 0.7


def make_inputs(s: Scale, device, dtype) -> Inputs:
    g = torch.Generator().manual_seed(0)
    f, h, w = s.latent
    rnd = lambda *shape: torch.randn(*shape, generator=g).to(device, dtype)  # noqa: E731
    return Inputs(
        video=rnd(1, 128, f, h, w),
        audio=rnd(1, 8, s.audio_frames, 16),
        video_context=rnd(1, s.text_tokens, s.video_heads * s.video_head_dim),
        audio_context=rnd(1, s.text_tokens, s.audio_heads * s.audio_head_dim),
    )


def our_call(model: AVTransformer, x: Inputs) -> Callable[[], tuple]:
    _, _, f, h, w = x.video.shape
    device = x.video.device
    sigma = torch.full((1,), x.sigma, device=device)
    v_pos = video_positions(1, f, h, w, FPS, device=device)
    a_pos = audio_positions(1, x.audio.shape[2], device=device)
    v = Stream(latent=video_tokens(x.video), positions=v_pos, sigma=sigma, context=x.video_context)
    a = Stream(latent=audio_tokens(x.audio), positions=a_pos, sigma=sigma, context=x.audio_context)
    return lambda: model(v, a)


def reference_call(model, x: Inputs) -> Callable[[], tuple]:
    from ltx_core.components.patchifiers import AudioPatchifier, VideoLatentPatchifier
    from ltx_core.guidance.perturbations import BatchedPerturbationConfig
    from ltx_core.model.transformer.modality import Modality
    from ltx_core.tools import AudioLatentTools, VideoLatentTools
    from ltx_core.types import AudioLatentShape, VideoLatentShape

    device, dtype = x.video.device, x.video.dtype
    sigma = torch.full((1,), x.sigma, device=device)
    vtools = VideoLatentTools(VideoLatentPatchifier(1), VideoLatentShape.from_torch_shape(x.video.shape), FPS)
    atools = AudioLatentTools(AudioPatchifier(1), AudioLatentShape.from_torch_shape(x.audio.shape))
    vs = vtools.create_initial_state(device, dtype, x.video)
    as_ = atools.create_initial_state(device, dtype, x.audio)
    v = Modality(
        latent=vs.latent, sigma=sigma, timesteps=vs.denoise_mask * x.sigma, positions=vs.positions,
        context=x.video_context,
    )  # fmt: skip
    a = Modality(
        latent=as_.latent, sigma=sigma, timesteps=as_.denoise_mask * x.sigma, positions=as_.positions,
        context=x.audio_context,
    )  # fmt: skip
    return lambda: model(v, a, BatchedPerturbationConfig.empty(1))


# --- measuring ----------------------------------------------------------------------------


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], Any], device: torch.device, warmup: int, reps: int) -> tuple[float, Any]:
    """Median seconds of ``reps`` calls after ``warmup`` calls, and the last result."""
    with torch.inference_mode():
        for _ in range(warmup):
            out = fn()
        times = []
        for _ in range(reps):
            sync(device)
            t0 = time.perf_counter()
            out = fn()
            sync(device)
            times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def peak_memory(device: torch.device, fn: Callable[[], Any]) -> tuple[Any, int | None]:
    if device.type != "cuda":
        return fn(), None
    torch.cuda.reset_peak_memory_stats(device)
    out = fn()
    return out, torch.cuda.max_memory_allocated(device)


def transformer_flops(config: dict, s: Scale) -> int:
    """FLOPs of one evaluation, counted by running the model on the meta device."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = AVTransformer(transformer_config(config))
    f, h, w = s.latent
    meta = torch.device("meta")
    x = Inputs(
        video=torch.empty(1, 128, f, h, w, device=meta),
        audio=torch.empty(1, 8, s.audio_frames, 16, device=meta),
        video_context=torch.empty(1, s.text_tokens, s.video_heads * s.video_head_dim, device=meta),
        audio_context=torch.empty(1, s.text_tokens, s.audio_heads * s.audio_head_dim, device=meta),
    )
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        our_call(model, x)()
    return counter.get_total_flops()


def matmul_rate(device: torch.device, dtype: torch.dtype, n: int) -> float:
    """Measured FLOP/s of an n³ matrix multiply."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    seconds, _ = timed(lambda: a @ b, device, warmup=2, reps=5)
    return 2 * n**3 / seconds


def time_end_to_end(run_clip: Callable[[], Any], device: torch.device, reps: int = 1) -> float:
    """Median wall seconds of ``run_clip`` (prompt → MP4 on disk), first run discarded as warm-up."""
    seconds, _ = timed(run_clip, device, warmup=1, reps=reps)
    return seconds


def fmt_flops(n: float) -> str:
    return f"{n / 1e12:.2f} TFLOP" if n >= 1e11 else f"{n / 1e9:.2f} GFLOP"


def fmt_bytes(n: int | None) -> str:
    return "n/a" if n is None else f"{n / GiB:6.2f} GiB"


def free() -> None:
    """Return what dropped references left behind to the device (callers ``del`` first)."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def report(label: str, seconds: float, peak: int | None = None, base: float | None = None) -> None:
    ratio = "" if base is None else f"   {seconds / base:5.2f}x the resident time"
    mem = "" if peak is None else f"   peak {fmt_bytes(peak)}"
    print(f"  {label:<44} {seconds * 1000:10.1f} ms{mem}{ratio}")


# --- sections -----------------------------------------------------------------------------


@dataclass(kw_only=True)
class Comparison:
    reference_s: float | None
    ours_s: float
    ours_peak: int | None
    agreement: float | None  # largest difference of the outputs, relative to their largest value


def reference_and_ours(args, config, device, dtype, x: Inputs) -> tuple[AVTransformer, Callable, Comparison]:
    """Time ltx-core, then ours. With one round the reference is freed before ours is built
    (at full scale both do not fit together); with more, both stay and take turns, which
    evens out a noisy host. Returns our model, its call and the figures."""
    ref_times, ref_out = [], None
    if not args.skip_reference:
        ref = build_reference(config, device, dtype)
        ref_call = reference_call(ref, x)
        seconds, ref_out = timed(ref_call, device, args.warmup, args.reps)
        ref_times.append(seconds)
        ref_out = tuple(t.float().cpu() for t in ref_out)
        if args.rounds == 1:
            del ref, ref_call
            free()
    model = build_ours(config, device, dtype)
    call = our_call(model, x)
    (seconds, out), peak = peak_memory(device, lambda: timed(call, device, args.warmup, args.reps))
    ours_times = [seconds]
    for _ in range(args.rounds - 1):
        if ref_out is not None:
            ref_times.append(timed(ref_call, device, args.warmup, args.reps)[0])
        ours_times.append(timed(call, device, args.warmup, args.reps)[0])
    agreement = None if ref_out is None else max_rel_diff(out, ref_out)
    reference_s = statistics.median(ref_times) if ref_times else None
    return (
        model,
        call,
        Comparison(
            reference_s=reference_s, ours_s=statistics.median(ours_times), ours_peak=peak, agreement=agreement
        ),
    )


def streamed_runs(args, model, call, device, label: str) -> None:
    """Resident step time and peak (measured again here, so the ratio compares like with like),
    then streamed under the VRAM cap: all blocks streamed, then as many resident as the cap
    leaves room for."""
    cap = int(args.vram_cap_gb * GiB)
    (resident_s, _), resident_peak = peak_memory(device, lambda: timed(call, device, args.warmup, args.reps))
    report(f"{label}, resident", resident_s, resident_peak)

    def capped_run(label: str, keep_resident: int) -> int | None:
        streamer = stream_blocks(model, device, ahead=args.ahead, keep_resident=keep_resident)
        free()
        if device.type == "cuda":  # after the resident weights left, so only the streamed run is capped
            total = torch.cuda.get_device_properties(device).total_memory
            torch.cuda.set_per_process_memory_fraction(min(1.0, cap / total), device)
        try:
            (t, _), peak = peak_memory(device, lambda: timed(call, device, args.warmup, args.reps))
            report(label.format(streamed=len(streamer.streamed), resident=keep_resident), t, peak, resident_s)
            return peak
        except torch.cuda.OutOfMemoryError as e:
            print(f"  {label.format(streamed=len(streamer.streamed), resident=keep_resident)}: "
                  f"out of memory under the cap ({str(e).splitlines()[0][:120]})")  # fmt: skip
            return None
        finally:
            if device.type == "cuda":
                torch.cuda.set_per_process_memory_fraction(1.0, device)
            streamer.remove(to="cpu")
            free()

    if device.type == "cuda":
        print(f"  VRAM cap for streamed runs: {args.vram_cap_gb:g} GiB (set_per_process_memory_fraction)")
    peak = capped_run(f"streamed, all {{streamed}} blocks, ahead {args.ahead}", 0)
    if peak is not None:
        room = cap - peak - GiB // 2  # what the all-streamed run left free, less a margin
        keep = resident_blocks_within(model, room + (args.ahead + 1) * block_bytes(model), args.ahead)
        capped_run(f"streamed, {{streamed}} streamed + {{resident}} resident, ahead {args.ahead}", keep)


def sampling_steps(s: Scale, model, device) -> None:
    """Eight distilled steps of sample_clip (no guidance): the transformer's share of a clip."""
    frames, height, width = s.pixels
    latent = empty_av_latent(
        width, height, frames, Fraction(FPS), compression=LTX2_COMPRESSION, device=device
    )
    g = torch.Generator().manual_seed(1)
    prompt = PromptEmbedding(
        torch.randn(1, s.text_tokens, s.video_heads * s.video_head_dim, generator=g),
        torch.randn(1, s.text_tokens, s.audio_heads * s.audio_head_dim, generator=g),
        torch.ones(1, s.text_tokens, dtype=torch.bool),
    )
    sigmas = torch.tensor(DISTILLED_SIGMAS)
    seconds, _ = timed(lambda: sample_clip(model, latent, prompt, None, sigmas, seed=0), device, 1, 1)
    print(f"  {len(sigmas) - 1} distilled steps (sample_clip)               {seconds:10.2f} s")


def header(s: Scale, device: torch.device, dtype: torch.dtype) -> None:
    frames, height, width = s.pixels
    f, h, w = s.latent
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"device: {name}; torch {torch.__version__}; {str(dtype).removeprefix('torch.')}")
    print(
        f"config '{s.name}': {s.layers} layers, video {s.video_heads}x{s.video_head_dim}, "
        f"audio {s.audio_heads}x{s.audio_head_dim}; {frames} frames {width}x{height} -> latent {f}x{h}x{w} "
        f"({f * h * w} tokens), {s.audio_frames} audio tokens, {s.text_tokens} text tokens"
    )
    kernel = choose_backend(device, dtype, s.video_head_dim, masked=False)
    print(f"attention: preference {attention_backend()}, video self-attention runs on {kernel}")


def max_rel_diff(got: tuple, expected: tuple) -> float:
    pairs = zip(got, expected, strict=True)
    return max(float((g.float().cpu() - e).abs().max() / e.abs().max()) for g, e in pairs)


def compiled_time(args, model, call, device) -> float | None:
    reason = compile_unavailable(device)
    if reason:
        print(f"  torch.compile: not measured ({reason})")
        return None
    compile_blocks(model)
    t0 = time.perf_counter()
    with torch.inference_mode():
        call()
    print(f"  torch.compile: first call (compiling) {time.perf_counter() - t0:.1f} s")
    seconds, _ = timed(call, device, args.warmup, args.reps)
    uncompile_blocks(model)
    return seconds


def throughput(config: dict, s: Scale, device, dtype, seconds: float) -> None:
    flops = transformer_flops(config, s)
    n = 8192 if device.type == "cuda" else 1024
    rate = matmul_rate(device, dtype, n)
    achieved = flops / seconds
    print(f"  one evaluation: {fmt_flops(flops)}")
    print(f"  measured {n}^3 {str(dtype).removeprefix('torch.')} matmul: {fmt_flops(rate)}/s")
    print(f"  talkies (fastest above): {fmt_flops(achieved)}/s, {100 * achieved / rate:.0f} % of that rate")


def quantise_blocks(model: AVTransformer, device: torch.device) -> None:
    """fp8 block weights, one block at a time on the device (never the whole model in bf16 twice)."""
    for block in model.transformer_blocks:
        block.to(device)
        quantize_linears(block, {n for n, m in block.named_modules() if isinstance(m, torch.nn.Linear)})
    model.to(device)


def run(args) -> None:
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    s = SCALES[args.scale or ("full" if cuda else "small")]
    dtype = {"bf16": torch.bfloat16, "fp32": torch.float32}[args.dtype or ("bf16" if cuda else "fp32")]
    if args.attention:
        set_attention_backend(args.attention)
    config = ltx_config(s)
    header(s, device, dtype)
    x = make_inputs(s, device, dtype)
    measure = lambda call: peak_memory(device, lambda: timed(call, device, args.warmup, args.reps))  # noqa: E731

    print(f"\n[ours vs ltx-core, one transformer evaluation; median of {args.reps} x {args.rounds} round(s)]")
    model, call, cmp = reference_and_ours(args, config, device, dtype, x)
    ref_s, ours_s, resident_peak = cmp.reference_s, cmp.ours_s, cmp.ours_peak
    if ref_s is not None:
        report("ltx-core", ref_s)
    report("talkies (eager)", ours_s, resident_peak)
    if ref_s is not None:
        agree = f"outputs agree to {cmp.agreement:.1e} of their max"
        print(f"  speed-up over ltx-core: {ref_s / ours_s:5.2f}x  ({agree})")
    fastest = ours_s
    if args.compile:
        compiled_s = compiled_time(args, model, call, device)
        if compiled_s is not None:
            report("talkies (compiled blocks)", compiled_s)
            if ref_s is not None:
                print(f"  speed-up over ltx-core, compiled: {ref_s / compiled_s:5.2f}x")
            fastest = min(fastest, compiled_s)

    print("\n[achieved throughput]")
    throughput(config, s, device, dtype, fastest)

    print("\n[sampling a clip]")
    sampling_steps(s, model, device)
    print("  end to end (text encoding, VAE decode, mux included): not measured in this build; "
          "time_end_to_end() takes the pipeline's clip call once it exists")  # fmt: skip

    print("\n[resident vs block-streamed]")
    streamed_runs(args, model, call, device, str(dtype).removeprefix("torch."))

    print("\n[fp8 weights]")
    bf16 = torch.bfloat16
    x16 = x if dtype == bf16 else make_inputs(s, device, bf16)
    model = model.to(device, bf16)
    call = our_call(model, x16)
    bf16_s, _ = timed(call, device, args.warmup, args.reps)
    report("bf16 weights", bf16_s)
    quantise_blocks(model, device)
    free()
    (fp8_s, _), fp8_peak = measure(call)
    fp8_mm = cuda and torch.cuda.get_device_capability(device) >= (8, 9)
    report(f"fp8 weights ({'fp8 matmul' if fp8_mm else 'dequantised per matmul'})", fp8_s, fp8_peak)
    print(f"  fp8 / bf16 step time: {fp8_s / bf16_s:5.2f}x")
    streamed_runs(args, model, call, device, "fp8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--scale", choices=sorted(SCALES), help="default: full on CUDA, small on CPU")
    ap.add_argument("--dtype", choices=["bf16", "fp32"], help="default: bf16 on CUDA, fp32 on CPU")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rounds", type=int, help="alternate ltx-core and ours (default: 1 on CUDA, 3 on CPU)")
    ap.add_argument("--ahead", type=int, default=2, help="blocks copied ahead when streaming")
    ap.add_argument("--vram-cap-gb", type=float, default=24.0)
    ap.add_argument("--compile", action="store_true", help="also time torch.compile'd blocks")
    ap.add_argument("--attention", help="attention backend preference (auto, sdpa, flash_attn_3, ...)")
    ap.add_argument("--skip-reference", action="store_true", help="do not build ltx-core")
    args = ap.parse_args()
    if args.scale == "full" and args.device == "cpu":
        ap.error("the full config needs ~40 GB in bf16; on CPU use the small config")
    if args.rounds is None:
        args.rounds = 1 if args.device.startswith("cuda") else 3
    if args.rounds > 1 and (args.scale or ("full" if args.device.startswith("cuda") else "small")) == "full":
        ap.error("at full scale ltx-core and ours do not fit on the device together; use --rounds 1")
    run(args)


if __name__ == "__main__":
    main()
