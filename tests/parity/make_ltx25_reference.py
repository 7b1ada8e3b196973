"""Writes tests/data/ltx25/: tiny random LTX-2.5 transformers and what the reference computes with them.

The reference for LTX-2.5 is ltx-core 1.2.0 from the public Lightricks/LTX-2 repository
(packages/ltx-core), which PyPI does not carry. Install it into an environment of its own, with
this project's requirements, and run from the repository root:

    pip install --no-deps -e <LTX-2>/packages/ltx-core
    PYTHONPATH=<folder holding this checkout as 'talkies'> python tests/parity/make_ltx25_reference.py

Each case writes ``<case>.safetensors`` (the transformer's bf16 tensors under the published
``model.diffusion_model.`` prefix with its ``config`` metadata: a single-file checkpoint) and
``<case>.reference.safetensors`` (fixed inputs and the reference's outputs for them).
tests/parity/test_ltx25_transformer_parity.py compares our outputs with these files. Without
ltx-core 1.2.0 the script says so and exits without writing anything.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from tiny_ltx_config import randomize, tiny_config  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "data" / "ltx25"
FPS = 24.0
REFERENCE_VERSION = (1, 2)

# The switches ltx-core 1.2.0 reads that 2.3's configs lack, all away from their defaults.
LTX25_SWITCHES = {
    "ff_bias": False,
    "audio_ff_bias": False,
    "use_prompt_adaln_single": False,
    "use_keyframes_abs_pos_embedding": True,
}
GEMMA_SOURCE = {"gemma_version": "gemma4-12b-ltx-v1"}

# Case name → (transformer config overrides on the tiny 2.3 config, extra file metadata).
# "published": every 2.5 switch on, stamped 2.5. "mixed": the feed-forward switches set apart
# (video without biases, audio with), prompt AdaLN kept, interleaved rotary layout, and no
# version stamp, so the switches alone must identify 2.5.
CASES = {
    "published": (
        LTX25_SWITCHES,
        {"model_version": "2.5.0", "gemma_source_checkpoint": json.dumps(GEMMA_SOURCE)},
    ),
    "mixed": (
        {
            **LTX25_SWITCHES,
            "audio_ff_bias": True,
            "use_prompt_adaln_single": True,
            "rope_type": "interleaved",
        },
        {},
    ),
}


def reference_version() -> tuple[int, ...] | None:
    try:
        version = metadata.version("ltx-core")
    except metadata.PackageNotFoundError:
        return None
    return tuple(int(p) for p in version.split(".")[:2] if p.isdigit())


def inputs(config: dict, seed: int = 3) -> dict[str, torch.Tensor]:
    """Two samples of latents and contexts, and the masks of a clean first frame and a part-clean
    audio start (1 = noisy)."""
    g = torch.Generator().manual_seed(seed)
    t = config["transformer"]
    video_dim = t["num_attention_heads"] * t["attention_head_dim"]
    audio_dim = t["audio_num_attention_heads"] * t["audio_attention_head_dim"]
    video_mask = torch.ones(2, 1, 3, 2, 3)
    video_mask[:, :, 0] = 0.0
    audio_mask = torch.ones(2, 1, 5, 1)
    audio_mask[:, :, :2] = 0.25
    return {
        "video": torch.randn(2, 16, 3, 2, 3, generator=g),
        "audio": torch.randn(2, 8, 5, 2, generator=g),
        "video_context": torch.randn(2, 7, video_dim, generator=g),
        "audio_context": torch.randn(2, 7, audio_dim, generator=g),
        "video_mask": video_mask,
        "audio_mask": audio_mask,
    }


def write_case(name: str, overrides: dict, extra_metadata: dict, seed: int) -> None:
    from ltx_core.components.patchifiers import AudioPatchifier, VideoLatentPatchifier
    from ltx_core.guidance.perturbations import (
        BatchedPerturbationConfig,
        Perturbation,
        PerturbationConfig,
        PerturbationType,
    )
    from ltx_core.model.transformer.modality import Modality
    from ltx_core.model.transformer.model_configurator import LTXModelConfigurator
    from ltx_core.tools import AudioLatentTools, VideoLatentTools
    from ltx_core.types import AudioLatentShape, VideoLatentShape
    from safetensors.torch import save_file

    config = tiny_config("2.3", **overrides)
    with torch.device("meta"):
        model = LTXModelConfigurator.from_metadata({"config": config})
    model = randomize(model.to_empty(device="cpu").float(), seed).eval()
    # Weights bf16 can hold exactly, stored as bf16 (as LTX-2.5 is published): half the bytes,
    # the same fp32 numbers once loaded.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.bfloat16().float())
    x = inputs(config)

    def forward(sigma: float, masked: bool, perturbations=None) -> tuple[torch.Tensor, torch.Tensor]:
        video_latent, audio_latent = x["video"], x["audio"]
        vs = VideoLatentTools(
            VideoLatentPatchifier(1), VideoLatentShape.from_torch_shape(video_latent.shape), FPS
        ).create_initial_state("cpu", torch.float32, video_latent)
        as_ = AudioLatentTools(
            AudioPatchifier(1), AudioLatentShape.from_torch_shape(audio_latent.shape)
        ).create_initial_state("cpu", torch.float32, audio_latent)
        b = video_latent.shape[0]
        vm = x["video_mask"].reshape(b, -1, 1) if masked else vs.denoise_mask
        am = x["audio_mask"].reshape(b, -1, 1) if masked else as_.denoise_mask
        sig = torch.full((b,), sigma)
        video = Modality(
            latent=vs.latent,
            sigma=sig,
            timesteps=vm * sigma,
            positions=vs.positions,
            context=x["video_context"],
            keyframes_mask=vs.keyframes_mask,
        )
        audio = Modality(
            latent=as_.latent,
            sigma=sig,
            timesteps=am * sigma,
            positions=as_.positions,
            context=x["audio_context"],
        )
        with torch.no_grad():
            v, a = model(video, audio, perturbations)
        v = v.transpose(1, 2).reshape(video_latent.shape)
        a = a.reshape(b, audio_latent.shape[2], audio_latent.shape[1], -1).permute(0, 2, 1, 3)
        return v, a

    # Sample 0 skips video self-attention in block 1 and both A/V cross-attentions; sample 1 nothing.
    skips = [
        Perturbation(PerturbationType.SKIP_VIDEO_SELF_ATTN, [1]),
        Perturbation(PerturbationType.SKIP_A2V_CROSS_ATTN, None),
        Perturbation(PerturbationType.SKIP_V2A_CROSS_ATTN, None),
    ]
    skipped = BatchedPerturbationConfig(
        [PerturbationConfig(skips), PerturbationConfig.empty()], model.num_blocks, dtype=torch.float32
    )
    outputs = {
        "uniform": forward(0.6, masked=False),
        "masked": forward(0.7, masked=True),
        "skips": forward(0.5, masked=False, perturbations=skipped),
    }
    reference = dict(x)
    for run, (v, a) in outputs.items():
        reference[f"{run}.video"], reference[f"{run}.audio"] = v, a
    tensors = {"model.diffusion_model." + k: v.bfloat16().contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(OUT / f"{name}.safetensors"), {"config": json.dumps(config), **extra_metadata})
    made_by = {
        "made_by": f"ltx-core {metadata.version('ltx-core')}",
        "sigmas": "uniform 0.6, masked 0.7, skips 0.5",
    }
    reference = {k: v.contiguous() for k, v in reference.items()}
    save_file(reference, str(OUT / f"{name}.reference.safetensors"), made_by)


def main() -> int:
    version = reference_version()
    if version is None or version < REFERENCE_VERSION:
        found = ".".join(map(str, version)) if version else "none"
        print(f"ltx-core 1.2 (LTX-2.5's reference) is not installed (found {found}); nothing written")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, (name, (overrides, extra)) in enumerate(CASES.items()):
        write_case(name, overrides, extra, seed=11 + seed)
        print(f"wrote {OUT / name}.safetensors and its reference outputs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
