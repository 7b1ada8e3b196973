"""``python launched_generate.py CHECKPOINT OUT.pt GUIDANCE_RANKS``: the generate command's pipeline
(its launch, its model, ``generate``) with the frames and sound saved as tensors instead of an
MP4, whose lossy coding would hide a difference of 1e-5. Alone or under torchrun (rank 0 saves)."""

from __future__ import annotations

import argparse
import sys

import torch

from talkies.cli.launch import launch
from talkies.cli.model_options import open_model
from talkies.model.pipeline.generate import generate
from talkies.model.sampling.guidance import Guidance

PROMPT = "A red ball bounces on a wooden floor."


def main(checkpoint: str, out: str, guidance_ranks: int) -> None:
    args = argparse.Namespace(
        model=checkpoint,
        text_encoder=None,
        device="cpu",
        dtype="fp32",
        lora=[],
        guidance_ranks=guidance_ranks,
    )
    with launch(args) as mesh:
        clip = generate(
            open_model(args, mesh),
            PROMPT,
            seed=3,
            video_guidance=Guidance(cfg=3.0, stg=1.0, stg_blocks=(1,), modality=2.0),
            audio_guidance=Guidance(cfg=5.0),
        )
        if mesh is None or mesh.leader:
            latents = {"latent_video": clip.latent.video, "latent_audio": clip.latent.audio}
            torch.save({"images": clip.images, **latents}, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
