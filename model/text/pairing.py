"""Whether a transformer and a text encoder belong together.

LTX-2.5 was trained on the prompts of LTX's own Gemma 4 build, published as one file with its
projection; LTX-2.0 and LTX-2.3 on Gemma 3 12B, used from its Hugging Face folder. The 2.5
transformer names the Gemma build it expects in its ``gemma_source_checkpoint`` metadata, and
the Gemma 4 file names its own in its config's ``gemma_version``. Any other pairing would encode
prompts into features the transformer never saw, so it is refused, naming the right files.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..config import GEMMA_SOURCE_KEY, Generation
from ..loading.gemma4_file import Gemma4File, is_gemma4_file

LTX25_TEXT_ENCODER_FILE = "gemma4-12b-with-proj-ltx-2.5-bf16.safetensors"
LTX25_TRANSFORMER_FILE = "ltx-2.5-22b-{dev,distilled}-transformer-bf16.safetensors"
GEMMA3_FOLDER = "the Gemma 3 12B folder (config.json, weights, tokenizer)"


def expected_gemma_version(metadata: dict[str, str]) -> str | None:
    """The Gemma build a transformer file names in its ``gemma_source_checkpoint`` metadata."""
    raw = metadata.get(GEMMA_SOURCE_KEY)
    if raw is None:
        return None
    try:
        source = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the '{GEMMA_SOURCE_KEY}' metadata is not valid JSON: {raw[:80]!r}") from exc
    return source.get("gemma_version") if isinstance(source, dict) else None


def check_pairing(
    transformer: str | Path,
    generation: Generation,
    metadata: dict[str, str],
    text_encoder: str | Path | None,
) -> None:
    """Raise ValueError when ``text_encoder`` does not belong with the ``transformer`` file
    (FileNotFoundError when LTX-2.5's is not given: no other encoder stands in for it)."""
    transformer = Path(transformer).name
    if text_encoder is None:
        if generation == "2.5":
            raise FileNotFoundError(
                f"{transformer} is an LTX-2.5 transformer and needs its text encoder file "
                f"{LTX25_TEXT_ENCODER_FILE}: put it in ComfyUI's models/text_encoders and select it, "
                "or pass --text-encoder"
            )
        return
    text_encoder = Path(text_encoder)
    gemma4 = is_gemma4_file(text_encoder)
    if generation != "2.5":
        if gemma4:
            raise ValueError(
                f"{text_encoder.name} is LTX-2.5's Gemma 4 text encoder; it belongs with an LTX-2.5 "
                f"transformer ({LTX25_TRANSFORMER_FILE}), but {transformer} is LTX-{generation}, "
                f"whose text encoder is {GEMMA3_FOLDER}"
            )
        return
    if not gemma4:
        what = "a folder" if text_encoder.is_dir() else "not a Gemma 4 text encoder file"
        raise ValueError(
            f"{transformer} is an LTX-2.5 transformer; its text encoder is {LTX25_TEXT_ENCODER_FILE} "
            f"(Gemma 4 with LTX's projection, one file from ComfyUI's text_encoders). {text_encoder.name} "
            f"is {what}: Gemma 3 folders belong with LTX-2.0 and LTX-2.3 checkpoints"
        )
    expected = expected_gemma_version(metadata)
    with Gemma4File(text_encoder) as encoder:
        actual = encoder.gemma_version
    if expected is not None and actual != expected:
        raise ValueError(
            f"{transformer} was trained with Gemma build {expected!r}, but {text_encoder.name} is "
            f"{actual!r}; use the text encoder published with it ({LTX25_TEXT_ENCODER_FILE})"
        )
