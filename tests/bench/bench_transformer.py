"""One transformer evaluation, ours against ltx-core, same config, inputs and device, in one run.

    python tests/bench/bench_transformer.py                     # CPU, mid-size config, fp32
    python tests/bench/bench_transformer.py --size large --device cuda --dtype bf16

Prints the median time of each and the ratio (reference / ours: above 1 means ours is faster).
Both models get identical random weights (written once, loaded by each side's own code path).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from talkies.model import load_transformer  # noqa: E402
from talkies.model.sampling.latents import audio_positions, audio_tokens, video_positions, video_tokens  # noqa: E402
from talkies.model.transformer.model import Stream  # noqa: E402

from ltx_oracle import checkpoint_tensors, reference_transformer, tiny_config, write_checkpoint  # noqa: E402

SIZES = {
    # (layers, video heads, video head dim, audio heads, audio head dim, latent F, H, W, audio frames, text)
    "mid": (8, 8, 64, 8, 32, 4, 8, 8, 51, 128),
    "large": (48, 32, 128, 32, 64, 16, 16, 24, 126, 1024),
}


def config_for(size: str) -> dict:
    layers, vh, vd, ah, ad, *_ = SIZES[size]
    return tiny_config(
        "2.3",
        num_layers=layers,
        num_attention_heads=vh,
        attention_head_dim=vd,
        cross_attention_dim=vh * vd,
        audio_num_attention_heads=ah,
        audio_attention_head_dim=ad,
        audio_cross_attention_dim=ah * ad,
        in_channels=128,
        out_channels=128,
        audio_in_channels=128,
        audio_out_channels=128,
    )


def timed(fn, warmup: int, reps: int, device: torch.device) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=sorted(SIZES), default="mid")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    from ltx_core.components.patchifiers import AudioPatchifier, VideoLatentPatchifier
    from ltx_core.model.transformer.modality import Modality
    from ltx_core.tools import AudioLatentTools, VideoLatentTools
    from ltx_core.types import AudioLatentShape, VideoLatentShape

    device = torch.device(args.device)
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    _, vh, vd, ah, ad, f, h, w, t, s = SIZES[args.size]
    config = config_for(args.size)
    ref = reference_transformer(config, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_checkpoint(Path(tmp) / "bench.safetensors", config, checkpoint_tensors(ref, None))
        ours = load_transformer(path, device=device, dtype=dtype)
    ref = ref.to(device=device, dtype=dtype)
    g = torch.Generator().manual_seed(0)
    video = torch.randn(1, 128, f, h, w, generator=g).to(device, dtype)
    audio = torch.randn(1, 8, t, 16, generator=g).to(device, dtype)
    vctx = torch.randn(1, s, vh * vd, generator=g).to(device, dtype)
    actx = torch.randn(1, s, ah * ad, generator=g).to(device, dtype)
    sigma = torch.full((1,), 0.7, device=device)

    v_stream = Stream(
        latent=video_tokens(video),
        positions=video_positions(1, f, h, w, 24, device=device),
        sigma=sigma,
        context=vctx,
    )
    a_stream = Stream(
        latent=audio_tokens(audio), positions=audio_positions(1, t, device=device), sigma=sigma, context=actx
    )
    vstate = VideoLatentTools(VideoLatentPatchifier(1), VideoLatentShape.from_torch_shape(video.shape), 24.0)
    astate = AudioLatentTools(AudioPatchifier(1), AudioLatentShape.from_torch_shape(audio.shape))
    vs = vstate.create_initial_state(device, dtype, video)
    as_ = astate.create_initial_state(device, dtype, audio)
    ref_v = Modality(
        latent=vs.latent, sigma=sigma, timesteps=vs.denoise_mask * 0.7, positions=vs.positions, context=vctx
    )
    ref_a = Modality(
        latent=as_.latent,
        sigma=sigma,
        timesteps=as_.denoise_mask * 0.7,
        positions=as_.positions,
        context=actx,
    )
    from ltx_core.guidance.perturbations import BatchedPerturbationConfig

    with torch.inference_mode():
        ours_s = timed(lambda: ours(v_stream, a_stream), 1, args.reps, device)
        ref_s = timed(lambda: ref(ref_v, ref_a, BatchedPerturbationConfig.empty(1)), 1, args.reps, device)
    print(
        f"config {args.size}: {f * h * w} video + {t} audio tokens, {s} text tokens, {args.dtype} on {device}"
    )
    print(f"reference (ltx-core) {ref_s * 1000:9.1f} ms")
    print(f"talkies              {ours_s * 1000:9.1f} ms")
    print(f"speed-up             {ref_s / ours_s:9.2f}x")


if __name__ == "__main__":
    main()
