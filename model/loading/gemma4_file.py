"""LTX-2.5's text encoder file, as published (gemma4-12b-with-proj-ltx-2.5-bf16.safetensors).

One safetensors file holds everything the text side needs besides the connectors:

- the Hugging Face config (``model_type`` "gemma4_unified", with LTX's ``gemma_version``) as JSON in
  the ``gemma_config`` metadata;
- the language model's weights under ``model.*`` (``model.layers.N.…``, ``model.embed_tokens``,
  ``model.norm``), or under ``model.language_model.*`` in files packed without flattening; the
  vision and audio embedders (``vision_model.*``, ``multi_modal_projector.*``,
  ``audio_projector.*``) are there too and unused for text;
- LTX's projection (the feature extractor) under ``text_embedding_projection.*``;
- the tokenizer as UTF-8 bytes in a uint8 tensor ``tokenizer_json`` and its sidecar files
  (``tokenizer_config.json``, …) as uint8 tensors ``hf_asset__<name>``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from .quant_formats import refuse_unimplemented_quantization
from .safetensors_file import SafetensorsFile

GEMMA_CONFIG_KEY = "gemma_config"
LTX25_TEXT_ENCODER = "gemma4-12b-with-proj-ltx-2.5-bf16.safetensors"
TOKENIZER_KEY = "tokenizer_json"
ASSET_PREFIX = "hf_asset__"
# Where the language model's weights may live, flattened layout first.
LANGUAGE_MODEL_PREFIXES = ("model.language_model.", "model.")
GEMMA4_MODEL_TYPE = "gemma4_unified"
_SPECIAL_TOKENS = ("bos_token", "eos_token", "pad_token", "unk_token")


def is_gemma4_file(path: str | Path) -> bool:
    """Whether ``path`` is a single-file Gemma text encoder (a safetensors file with a ``gemma_config``)."""
    path = Path(path)
    if not (path.is_file() and path.suffix == ".safetensors"):
        return False
    try:
        with SafetensorsFile(path) as f:
            return GEMMA_CONFIG_KEY in f.metadata
    except ValueError:  # not a readable safetensors file
        return False


class Gemma4File:
    """An open Gemma 4 text encoder file."""

    def __init__(self, path: str | Path) -> None:
        self.file = SafetensorsFile(path)
        self.path = self.file.path
        raw = self.file.metadata.get(GEMMA_CONFIG_KEY)
        if raw is None:
            raise ValueError(
                f"{self.path.name} is not a single-file Gemma text encoder (no '{GEMMA_CONFIG_KEY}' "
                "metadata); LTX-2.5 needs gemma4-12b-with-proj-ltx-2.5-bf16.safetensors as published"
            )
        refuse_unimplemented_quantization(self.file)
        scaled = next((k for k in self.file.tensors if k.endswith(".weight_scale")), None)
        if scaled is not None:
            raise ValueError(
                f"{self.path.name} is an fp8-scaled Gemma 4 file (e.g. {scaled}); Talkies reads the text "
                f"encoder's weights unscaled, so it needs the bf16 file ({LTX25_TEXT_ENCODER})"
            )
        self.hf_config: dict[str, Any] = json.loads(raw)
        model_type = self.hf_config.get("model_type")
        if model_type != GEMMA4_MODEL_TYPE:
            raise ValueError(
                f"{self.path.name} holds a {model_type!r} model; LTX-2.5 encodes prompts with Gemma 4 "
                f"({GEMMA4_MODEL_TYPE!r})"
            )
        if TOKENIZER_KEY not in self.file.tensors:
            raise ValueError(
                f"{self.path.name} carries no tokenizer (no '{TOKENIZER_KEY}' tensor); "
                "use the file as published"
            )

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Gemma4File:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def gemma_version(self) -> str | None:
        return self.hf_config.get("gemma_version")

    def text_sizes(self) -> dict[str, int]:
        """The hidden size and the number of hidden states (layers + embeddings) the projection reads."""
        text = self.hf_config.get("text_config", {})
        try:
            return {
                "hidden_size": int(text["hidden_size"]),
                "hidden_states": int(text["num_hidden_layers"]) + 1,
            }
        except KeyError as exc:
            raise ValueError(
                f"{self.path.name}: its gemma_config has no text_config {exc.args[0]!r}"
            ) from exc

    def _text(self, key: str) -> str:
        return bytes(self.file.read(key).numpy()).decode("utf-8")

    def tokenizer(self):
        """The file's fast tokenizer with the special tokens its tokenizer_config names."""
        from tokenizers import Tokenizer
        from transformers import PreTrainedTokenizerFast

        config_key = ASSET_PREFIX + "tokenizer_config.json"
        settings = json.loads(self._text(config_key)) if config_key in self.file.tensors else {}
        special = {}
        for name in _SPECIAL_TOKENS:
            token = settings.get(name)
            if isinstance(token, dict):
                token = token.get("content")
            if isinstance(token, str):
                special[name] = token
        return PreTrainedTokenizerFast(
            tokenizer_object=Tokenizer.from_str(self._text(TOKENIZER_KEY)), **special
        )

    def _language_model_prefix(self) -> str:
        for prefix in LANGUAGE_MODEL_PREFIXES:
            if prefix + "embed_tokens.weight" in self.file.tensors:
                return prefix
        raise ValueError(
            f"{self.path.name} holds no Gemma language model (no 'model.embed_tokens.weight' or "
            "'model.language_model.embed_tokens.weight'); use the file as published"
        )

    def language_model(self, device: torch.device | str = "cpu", dtype: torch.dtype = torch.bfloat16):
        """Gemma 4's text model (no vision or audio embedders, no LM head): what encodes prompts."""
        from transformers import AutoModel
        from transformers.initialization import no_init_weights
        from transformers.models.auto.configuration_auto import CONFIG_MAPPING

        config = CONFIG_MAPPING[GEMMA4_MODEL_TYPE].from_dict(dict(self.hf_config))
        # Built in place without random init: every weight is overwritten from the file, while the
        # buffers transformers computes from the config (rotary frequencies, embedding scale) stay.
        with no_init_weights(), torch.device(device):
            model = AutoModel.from_config(config.text_config, dtype=dtype)
        prefix = self._language_model_prefix()
        targets = model.state_dict()
        missing = [prefix + k for k in targets if prefix + k not in self.file.tensors]
        if missing:
            raise ValueError(
                f"{self.path.name} is missing {len(missing)} Gemma 4 tensors its config asks for, e.g. "
                f"{', '.join(missing[:3])}; the file looks truncated or edited"
            )
        with torch.no_grad():
            for k, target in targets.items():
                got = self.file.tensors[prefix + k].shape
                if tuple(got) != tuple(target.shape):
                    raise ValueError(
                        f"{self.path.name}: tensor {prefix + k} has shape {tuple(got)} but its gemma_config "
                        f"gives {tuple(target.shape)}"
                    )
                target.copy_(self.file.read(prefix + k, device, target.dtype))
        return model.eval().requires_grad_(False)
