"""The built-in model's text encoder made small enough to travel to a lent GPU machine.

MiniLM's package is 88 MB, over what may be sent there with the repository. Training only ever
encodes toy-world captions, which use a few hundred of its 30522 word pieces: the pack keeps the
embedding rows of those (and of the special tokens), every other weight in half precision,
and the config and tokenizer files, some 22 MB. Unpacked, it is a text encoder folder again
(the other rows zero), which gives the toy world's captions the states the full encoder gives
them, to half precision; a caption with a word piece the pack lacks is refused, not encoded.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import torch

from ..model.loading.safetensors_file import SafetensorsFile, write_safetensors
from ..model.text.encoder_source import packaged_encoder_folder
from .builtin_config import TEXT_ENCODER

WORDS = "embeddings.word_embeddings.weight"
KEPT_IDS = "kept_token_ids"
WEIGHTS, FULL_WEIGHTS = "weights.safetensors", "model.safetensors"
FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def _tokenizer(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder, local_files_only=True)


def caption_token_ids(folder: Path, captions: Iterable[str]) -> set[int]:
    tokenizer = _tokenizer(folder)
    ids = set(tokenizer.all_special_ids)
    for encoded in tokenizer(list(captions))["input_ids"]:
        ids.update(encoded)
    return ids


def pack_text_encoder(out: Path, captions: Iterable[str]) -> Path:
    """The built-in model's text encoder for ``captions`` into ``out``."""
    source = packaged_encoder_folder(TEXT_ENCODER["package"], TEXT_ENCODER.get("subfolder", ""))
    kept = torch.tensor(sorted(caption_token_ids(source, captions)))
    with SafetensorsFile(source / FULL_WEIGHTS) as f:
        tensors = {k: f.read(k) for k in f.keys()}
    tensors[WORDS] = tensors[WORDS][kept]
    tensors = {k: v.half() if v.is_floating_point() else v for k, v in tensors.items()}
    tensors[KEPT_IDS] = kept
    out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(source / name, out / name)
    return write_safetensors(out / WEIGHTS, tensors)


def unpack_text_encoder(pack: Path, out: Path) -> tuple[Path, set[int]]:
    """A text encoder folder from a pack, and the token ids it can encode."""
    if not (pack / WEIGHTS).is_file():
        raise FileNotFoundError(f"{pack} holds no text encoder pack ({WEIGHTS}); make one first")
    with SafetensorsFile(pack / WEIGHTS) as f:
        tensors = {k: f.read(k) for k in f.keys()}
    kept = tensors.pop(KEPT_IDS)
    vocabulary = json.loads((pack / "config.json").read_text())["vocab_size"]
    words = torch.zeros(vocabulary, tensors[WORDS].shape[1])
    words[kept] = tensors[WORDS].float()
    tensors[WORDS] = words
    tensors = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
    out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(pack / name, out / name)
    write_safetensors(out / FULL_WEIGHTS, tensors, {"format": "pt"})
    return out, {int(i) for i in kept}


def check_captions(folder: Path, kept: set[int], captions: Iterable[str]) -> None:
    """Refuses captions with word pieces the pack does not hold (they would encode as zeros)."""
    missing = caption_token_ids(folder, captions) - kept
    if missing:
        words = _tokenizer(folder).convert_ids_to_tokens(sorted(missing)[:10])
        raise ValueError(
            f"the text encoder pack lacks {len(missing)} word pieces these captions use "
            f"({', '.join(words)}); make the pack again from these captions' seeds"
        )
