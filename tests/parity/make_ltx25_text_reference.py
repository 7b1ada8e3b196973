"""Writes tests/data/ltx25/text.*: a tiny random LTX-2.5 text path and what the reference computes with it.

The reference is ltx-core 1.2.0 from the public Lightricks/LTX-2 repository (packages/ltx-core),
with a transformers release that has Gemma 4 (ltx-core asks for >= 5.8, < 5.15). Install both into
an environment of their own and run from the repository root:

    pip install "transformers>=5.8,<5.15" accelerate && pip install --no-deps -e <LTX-2>/packages/ltx-core
    PYTHONPATH=<folder holding this checkout as 'talkies'> python tests/parity/make_ltx25_text_reference.py

It writes, in the layout LTX-2.5 is published in:

- ``text.gemma4.safetensors``: a tiny Gemma 4 (``gemma4_unified``) text encoder file with LTX's
  projection, as the reference packs one (``gemma4-12b-with-proj-ltx-2.5-bf16.safetensors``): the
  language model under ``model.*``, the vision and audio embedders, ``text_embedding_projection.*``,
  the tokenizer as a ``tokenizer_json`` byte tensor, its sidecar files as ``hf_asset__*`` tensors
  and the Hugging Face config in the ``gemma_config`` metadata;
- ``text.transformer.safetensors``: the text side of a tiny LTX-2.5 transformer file (its config
  and version metadata, the two embeddings connectors without feed-forward biases);
- ``text.reference.safetensors``: three prompts' tokens, the encoder's hidden states over the
  last tokens, and the video and audio contexts the reference makes from them.

tests/parity/test_ltx25_text_parity.py compares our outputs with these. Without ltx-core 1.2 the
script says so and exits without writing anything.
"""

from __future__ import annotations

import json
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from tiny_ltx_config import randomize, tiny_config  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "data" / "ltx25"
REFERENCE_VERSION = (1, 2)
MAX_TOKENS = 256  # the reference encodes 1024 tokens; 256 keeps the files small (2 register cycles)
TAIL = 24  # hidden states kept for the last TAIL tokens of each prompt
GEMMA_VERSION = "gemma4-12b-ltx-v1"

LTX25_TEXT_SIDE = {
    "ff_bias": False,
    "audio_ff_bias": False,
    "use_prompt_adaln_single": False,
    "use_keyframes_abs_pos_embedding": True,
    "connector_ff_bias": False,
}
TRANSFORMER_METADATA = {
    "model_version": "2.5.0",
    "gemma_source_checkpoint": json.dumps({"gemma_version": GEMMA_VERSION}),
}

WORDS = (
    "a red ball bounces three times on wooden floor in quiet room no music the dog barks twice "
    "and runs away while rain falls softly outside window man says hello with deep voice loud "
    "clang of metal door closes slowly"
).split()
SPECIALS = ("<pad>", "<eos>", "<bos>", "<unk>")
PROMPTS = (
    "A red ball bounces three times on a wooden floor.",
    "  the dog barks twice and runs away while rain falls softly outside the window  ",
    " ".join(WORDS * 8),  # longer than MAX_TOKENS: cut
)

# A small gemma4_unified config: sliding and full attention layers, the full one with its own
# head size (global_head_dim) and proportional RoPE as Gemma 4 has, and a sliding window shorter
# than the prompts.
GEMMA_CONFIG = {
    "model_type": "gemma4_unified",
    "architectures": ["Gemma4UnifiedForConditionalGeneration"],
    "gemma_version": GEMMA_VERSION,
    "text_config": {
        "vocab_size": 64,
        "hidden_size": 32,
        "intermediate_size": 48,
        "num_hidden_layers": 3,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "head_dim": 16,
        "global_head_dim": 32,
        "sliding_window": 8,
        "layer_types": ["sliding_attention", "sliding_attention", "full_attention"],
        "pad_token_id": 0,
        "eos_token_id": 1,
        "bos_token_id": 2,
    },
    "vision_config": {"mm_embed_dim": 32, "output_proj_dims": 32, "mm_posemb_size": 8, "patch_size": 4},
    "audio_config": {"audio_embed_dim": 8},
}


def reference_version() -> tuple[int, ...] | None:
    try:
        version = metadata.version("ltx-core")
    except metadata.PackageNotFoundError:
        return None
    return tuple(int(p) for p in version.split(".")[:2] if p.isdigit())


def tiny_tokenizer_json() -> str:
    """A word-level tokenizer that, like Gemma 4's, adds no BOS of its own."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {t: i for i, t in enumerate((*SPECIALS, *dict.fromkeys(WORDS)))}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    return tokenizer.to_str()


def bf16_exact(module: torch.nn.Module) -> torch.nn.Module:
    """Weights bf16 holds exactly, so the bf16 files give the same fp32 numbers once loaded."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.bfloat16().float())
    return module


def gemma_root(folder: Path) -> None:
    """A Hugging Face Gemma 4 folder with random weights, the input the reference packs from."""
    from transformers import AutoModelForImageTextToText
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    config = CONFIG_MAPPING["gemma4_unified"].from_dict(dict(GEMMA_CONFIG))
    model = AutoModelForImageTextToText.from_config(config)
    bf16_exact(randomize(model.float(), seed=21, std=0.2)).to(torch.bfloat16).save_pretrained(folder)
    # save_pretrained may drop keys it does not know; the config is written as the file will carry it.
    (folder / "config.json").write_text(json.dumps(GEMMA_CONFIG))
    (folder / "tokenizer.json").write_text(tiny_tokenizer_json())
    special = dict(zip(("pad_token", "eos_token", "bos_token", "unk_token"), SPECIALS, strict=True))
    (folder / "tokenizer_config.json").write_text(json.dumps({**special, "padding_side": "left"}))
    (folder / "processor_config.json").write_text(json.dumps({"processor_class": "Gemma4UnifiedProcessor"}))


def write_files(root: Path) -> tuple[Path, Path]:
    from ltx_core.text_encoders.gemma.encoders.encoder_configurator import EmbeddingsProcessorConfigurator
    from ltx_core.text_encoders.gemma.gemma_assets import (
        build_text_encoder_tensors_from_gemma_root,
        save_text_encoder_safetensors,
    )
    from safetensors.torch import save_file

    gemma_root(root)
    config = tiny_config("2.3", **LTX25_TEXT_SIDE)
    t = config["transformer"]
    # The text encoder's sizes come from its own file's gemma_config, as in the reference.
    del config["text_encoder"], t["caption_channels"]
    configurator = EmbeddingsProcessorConfigurator.with_gemma_model_path(str(root))
    with torch.device("meta"):
        parsed = {
            k: json.loads(v) if k == "gemma_source_checkpoint" else v for k, v in TRANSFORMER_METADATA.items()
        }
        processor = configurator.from_metadata({"config": config, **parsed})
    processor = bf16_exact(randomize(processor.to_empty(device="cpu").float(), seed=22, std=0.2))
    state = {k: v.bfloat16().contiguous() for k, v in processor.state_dict().items()}
    assert t["connector_ff_bias"] is False and not any(".ff." in k and k.endswith("bias") for k in state)

    projection = {
        "text_embedding_projection." + k.removeprefix("feature_extractor."): v
        for k, v in state.items()
        if k.startswith("feature_extractor.")
    }
    tensors, te_metadata = build_text_encoder_tensors_from_gemma_root(
        str(root), projection, gemma_version=GEMMA_VERSION
    )
    encoder_path = OUT / "text.gemma4.safetensors"
    save_text_encoder_safetensors(encoder_path, tensors, te_metadata)

    connectors = {}
    for ours, published in (
        ("video_connector.", "video_embeddings_connector."),
        ("audio_connector.", "audio_embeddings_connector."),
    ):
        for k, v in state.items():
            if k.startswith(ours):
                connectors["model.diffusion_model." + published + k.removeprefix(ours)] = v
    transformer_path = OUT / "text.transformer.safetensors"
    save_file(connectors, str(transformer_path), {"config": json.dumps(config), **TRANSFORMER_METADATA})
    return encoder_path, transformer_path


def reference_outputs(encoder_path: Path, transformer_path: Path) -> dict[str, torch.Tensor]:
    from ltx_core.loader.single_gpu_model_builder import SingleGPUModelBuilder as Builder
    from ltx_core.text_encoders.gemma.encoders.base_encoder import LTXGemmaTextEncoder
    from ltx_core.text_encoders.gemma.encoders.encoder_configurator import (
        EMBEDDINGS_PROCESSOR_KEY_OPS,
        EmbeddingsProcessorConfigurator,
        GemmaTextEncoderConfigurator,
        get_gemma_ops,
    )
    from ltx_core.text_encoders.gemma.gemma_assets import GemmaAssets, build_gemma_hf_tokenizer
    from ltx_core.text_encoders.gemma.tokenizer import LTXGemmaTokenizer, PaddingSide

    te = str(encoder_path)
    sd_ops, module_ops = get_gemma_ops(te)
    # The model's own ops only: the processor (images, audio) plays no part in encoding text.
    model_ops = tuple(op for op in module_ops if op.name == "GemmaModel")
    encoder = Builder(
        model_path=(te,),
        model_class_configurator=GemmaTextEncoderConfigurator.with_gemma_model_path(te),
        model_sd_ops=sd_ops,
        module_ops=model_ops,
    ).build(device=torch.device("cpu"), dtype=torch.float32)
    assert isinstance(encoder, LTXGemmaTextEncoder)
    hf_tokenizer = build_gemma_hf_tokenizer(GemmaAssets.load(te))
    encoder.tokenizer = LTXGemmaTokenizer(hf_tokenizer, MAX_TOKENS, padding_side=PaddingSide.LEFT)
    processor = Builder(
        model_path=(str(transformer_path), te),
        model_class_configurator=EmbeddingsProcessorConfigurator.with_gemma_model_path(te),
        model_sd_ops=EMBEDDINGS_PROCESSOR_KEY_OPS,
    ).build(device=torch.device("cpu"), dtype=torch.float32)

    out: dict[str, list[torch.Tensor]] = {
        k: [] for k in ("input_ids", "attention_mask", "hidden_tail", "video", "audio", "mask")
    }
    with torch.no_grad():
        encoded = encoder.encode(list(PROMPTS))
        for prompt, (hidden, mask) in zip(PROMPTS, encoded, strict=True):
            ids = [t for t, _ in encoder.tokenizer.tokenize_with_weights(prompt)["gemma"]]
            result = processor.process_hidden_states(hidden, mask)
            out["input_ids"].append(torch.tensor([ids]))
            out["attention_mask"].append(mask)
            out["hidden_tail"].append(torch.stack(hidden, dim=-1)[:, -TAIL:])
            out["video"].append(result.video_encoding)
            out["audio"].append(result.audio_encoding)
            out["mask"].append(result.attention_mask)
    return {k: torch.cat(v).contiguous() for k, v in out.items()}


def main() -> int:
    version = reference_version()
    if version is None or version < REFERENCE_VERSION:
        found = ".".join(map(str, version)) if version else "none"
        print(f"ltx-core 1.2 (LTX-2.5's reference) is not installed (found {found}); nothing written")
        return 0
    from safetensors.torch import save_file

    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as root:
        encoder_path, transformer_path = write_files(Path(root))
    reference = reference_outputs(encoder_path, transformer_path)
    made_by = {
        "made_by": ", ".join(f"{p} {metadata.version(p)}" for p in ("ltx-core", "transformers")),
        "prompts": json.dumps(PROMPTS),
        "max_tokens": str(MAX_TOKENS),
    }
    save_file(reference, str(OUT / "text.reference.safetensors"), made_by)
    for path in (encoder_path, transformer_path, OUT / "text.reference.safetensors"):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
