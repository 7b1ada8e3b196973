"""Architecture read from a checkpoint's ``config`` metadata.

LTX-2 single-file checkpoints carry a JSON ``config`` with sections ``transformer``,
``vae``, ``audio_vae`` and ``vocoder``. Missing transformer keys take the defaults the
reference implementation uses, so sparse community metadata still loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Generation = Literal["2.0", "2.3", "2.5"]
RopeType = Literal["interleaved", "split"]

# Gemma 3 12B, the text encoder LTX-2 ships with: hidden size and hidden states (48 layers + embeddings).
GEMMA_HIDDEN_SIZE = 3840
GEMMA_HIDDEN_STATES = 49

# Keys every published LTX-2 transformer config carries with these values (the reference
# checks them); files we write carry them too.
LTX_TRANSFORMER_CONSTANTS: dict[str, Any] = {
    "dropout": 0.0,
    "attention_bias": True,
    "activation_fn": "gelu-approximate",
    "num_embeds_ada_norm": 1000,
    "use_linear_projection": False,
    "only_cross_attention": False,
    "cross_attention_norm": True,
    "double_self_attention": False,
    "upcast_attention": False,
    "standardization_norm": "rms_norm",
    "norm_elementwise_affine": False,
    "qk_norm": "rms_norm",
    "positional_embedding_type": "rope",
    "use_audio_video_cross_attention": True,
    "share_ff": False,
    "av_cross_ada_norm": True,
    "use_middle_indices_grid": True,
}

_V2_TEXT_KEYS = (
    "caption_proj_before_connector",
    "caption_projection_first_linear",
    "caption_proj_input_norm",
    "caption_projection_second_linear",
)


@dataclass(kw_only=True, frozen=True)
class ConnectorConfig:
    """A 1-D transformer that turns text features into the context one stream attends to."""

    heads: int = 30
    head_dim: int = 128
    layers: int = 2
    registers: int = 128
    max_pos: tuple[int, ...] = (1,)
    gated_attention: bool = False
    ff_bias: bool = True

    @property
    def dim(self) -> int:
        return self.heads * self.head_dim


@dataclass(frozen=True)
class TextFeatureConfig:
    """How the text encoder's stacked hidden states become per-stream features."""

    version: Literal[1, 2]
    hidden_size: int = GEMMA_HIDDEN_SIZE
    hidden_states: int = GEMMA_HIDDEN_STATES

    @property
    def flat_dim(self) -> int:
        return self.hidden_size * self.hidden_states


@dataclass(kw_only=True, frozen=True)
class TransformerConfig:
    num_layers: int = 48
    video_heads: int = 32
    video_head_dim: int = 128
    audio_heads: int = 32
    audio_head_dim: int = 64
    video_in_channels: int = 128
    video_out_channels: int = 128
    audio_in_channels: int = 128
    audio_out_channels: int = 128
    video_context_dim: int = 4096
    audio_context_dim: int = 2048
    caption_channels: int = GEMMA_HIDDEN_SIZE
    caption_projection: bool = True
    norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    rope_type: RopeType = "interleaved"
    rope_float64: bool = False
    video_max_pos: tuple[int, ...] = (20, 2048, 2048)
    audio_max_pos: tuple[int, ...] = (20,)
    timestep_scale: float = 1000.0
    av_timestep_scale: float = 1.0
    gated_attention: bool = False
    cross_attention_adaln: bool = False
    middle_positions: bool = True
    video_ff_bias: bool = True
    audio_ff_bias: bool = True
    # With cross-attention AdaLN: whether a timestep MLP adds to the text keys' and values'
    # static modulation table (off makes them depend on the prompt alone).
    prompt_adaln: bool = True
    # A learned vector added to the tokens whose latent encodes one standalone pixel frame
    # (the clip's first latent frame: the video VAE is causal).
    first_frame_embedding: bool = False
    generation: Generation = "2.0"
    video_connector: ConnectorConfig = field(default_factory=ConnectorConfig)
    audio_connector: ConnectorConfig = field(default_factory=ConnectorConfig)
    text: TextFeatureConfig = field(default_factory=lambda: TextFeatureConfig(version=1))

    @property
    def video_dim(self) -> int:
        return self.video_heads * self.video_head_dim

    @property
    def audio_dim(self) -> int:
        return self.audio_heads * self.audio_head_dim

    @property
    def video_context_channels(self) -> int:
        """Width of the video context the transformer receives (the connector's output)."""
        return self.caption_channels if self.caption_projection else self.video_dim

    @property
    def audio_context_channels(self) -> int:
        return self.caption_channels if self.caption_projection else self.audio_dim

    @property
    def av_cross_shift_scale_uses_own_timesteps(self) -> bool:
        """The timesteps of the shift and scale on an A/V cross-attention input: each stream's
        own per-token timesteps (LTX-2.0 and LTX-2.5) or the other stream's σ (LTX-2.3)."""
        return self.generation != "2.3"

    @property
    def av_cross_gate_uses_own_timesteps(self) -> bool:
        """The gate on an A/V cross-attention output: own per-token timesteps in LTX-2.0 only;
        LTX-2.3 and LTX-2.5 use the other stream's σ."""
        return self.generation == "2.0"

    @property
    def prompt_timestep_modulation(self) -> bool:
        """Whether the text keys and values get a timestep-dependent modulation (prompt AdaLN)."""
        return self.cross_attention_adaln and self.prompt_adaln

    @property
    def adaln_coefficients(self) -> int:
        return 9 if self.cross_attention_adaln else 6


def _tuple(value: Any, default: tuple[int, ...]) -> tuple[int, ...]:
    return default if value is None else tuple(int(v) for v in value)


# Transformer switches (ltx-core 1.2.0 names) that only LTX-2.5 configs set to these values.
_LTX25_SWITCHES: dict[str, bool] = {
    "ff_bias": False,
    "audio_ff_bias": False,
    "use_prompt_adaln_single": False,
    "use_keyframes_abs_pos_embedding": True,
}
# Top-level metadata naming the Gemma 4 build an LTX-2.5 checkpoint was trained with.
GEMMA_SOURCE_KEY = "gemma_source_checkpoint"


def model_version(metadata: dict[str, str] | None) -> tuple[int, ...]:
    """A checkpoint's ``model_version`` as numbers ("2.5.0" → (2, 5, 0)), up to the first part that
    is not one ("2.4-rc2" → (2, 4)); () when unset."""
    numbers = []
    for part in (metadata or {}).get("model_version", "").replace("-", ".").split("."):
        if not part.isdigit():
            break
        numbers.append(int(part))
    return tuple(numbers)


def _ltx25_markers(transformer: dict[str, Any], metadata: dict[str, str]) -> bool:
    return GEMMA_SOURCE_KEY in metadata or any(
        k in transformer and transformer[k] == value for k, value in _LTX25_SWITCHES.items()
    )


def detect_generation(transformer: dict[str, Any], metadata: dict[str, str] | None = None) -> Generation:
    """An explicit version wins; otherwise LTX-2.5 is told apart by its switches or its Gemma 4
    source, LTX-2.3 by its V2 text path and prompt AdaLN."""
    metadata = metadata or {}
    if model_version(metadata) >= (2, 5):
        return "2.5"
    version = metadata.get("model_version", "")
    if version.startswith("2.3"):
        return "2.3"
    if version.startswith("2.0") or version.startswith("2.1"):
        return "2.0"
    if _ltx25_markers(transformer, metadata):
        return "2.5"
    v2 = transformer.get("caption_proj_before_connector") or transformer.get("cross_attention_adaln")
    return "2.3" if v2 else "2.0"


def _text_feature_config(transformer: dict[str, Any], text: dict[str, Any]) -> TextFeatureConfig:
    present = [k for k in _V2_TEXT_KEYS if k in transformer]
    if not present:
        version = 1
    elif len(present) < len(_V2_TEXT_KEYS):
        missing = sorted(set(_V2_TEXT_KEYS) - set(present))
        raise ValueError(
            f"checkpoint config has a partial LTX-2.3 text configuration (missing {', '.join(missing)}); "
            "the file's metadata looks edited or truncated"
        )
    else:
        expected = {k: k == "caption_proj_before_connector" for k in _V2_TEXT_KEYS}
        wrong = {k: transformer[k] for k in _V2_TEXT_KEYS if transformer[k] != expected[k]}
        if wrong:
            raise ValueError(f"unsupported LTX-2.3 text configuration values: {wrong}")
        version = 2
    return TextFeatureConfig(
        version=version,
        hidden_size=int(text.get("hidden_size", GEMMA_HIDDEN_SIZE)),
        hidden_states=int(text.get("hidden_states", GEMMA_HIDDEN_STATES)),
    )


def transformer_config(config: dict[str, Any], metadata: dict[str, str] | None = None) -> TransformerConfig:
    """Build the transformer configuration from a checkpoint's parsed ``config`` metadata."""
    t = dict(config.get("transformer", {}))
    text = dict(config.get("text_encoder", {}))
    d = TransformerConfig()
    generation = detect_generation(t, metadata)
    # ltx-core 1.2.0, LTX-2.5's reference, defaults to the split layout.
    rope_type = str(t.get("rope_type", "split" if generation == "2.5" else "interleaved")).lower()
    if rope_type not in ("interleaved", "split"):
        raise ValueError(f"rope_type must be 'interleaved' or 'split', got {rope_type!r}")
    text_cfg = _text_feature_config(t, text)
    connector_max_pos = _tuple(t.get("connector_positional_embedding_max_pos"), (1,))
    gated_connector = bool(t.get("connector_apply_gated_attention", False))
    connector_ff_bias = bool(t.get("connector_ff_bias", True))
    video_connector = ConnectorConfig(
        heads=int(t.get("connector_num_attention_heads", 30)),
        head_dim=int(t.get("connector_attention_head_dim", 128)),
        layers=int(t.get("connector_num_layers", 2)),
        registers=int(t.get("connector_num_learnable_registers", 128) or 0),
        max_pos=connector_max_pos,
        gated_attention=gated_connector,
        ff_bias=connector_ff_bias,
    )
    audio_connector = ConnectorConfig(
        heads=int(t.get("audio_connector_num_attention_heads", video_connector.heads)),
        head_dim=int(t.get("audio_connector_attention_head_dim", video_connector.head_dim)),
        layers=int(t.get("audio_connector_num_layers", video_connector.layers)),
        registers=video_connector.registers,
        max_pos=connector_max_pos,
        gated_attention=gated_connector,
        ff_bias=connector_ff_bias,
    )
    return TransformerConfig(
        num_layers=int(t.get("num_layers", d.num_layers)),
        video_heads=int(t.get("num_attention_heads", d.video_heads)),
        video_head_dim=int(t.get("attention_head_dim", d.video_head_dim)),
        audio_heads=int(t.get("audio_num_attention_heads", d.audio_heads)),
        audio_head_dim=int(t.get("audio_attention_head_dim", d.audio_head_dim)),
        video_in_channels=int(t.get("in_channels", d.video_in_channels)),
        video_out_channels=int(t.get("out_channels", d.video_out_channels)),
        audio_in_channels=int(t.get("audio_in_channels", d.audio_in_channels)),
        audio_out_channels=int(t.get("audio_out_channels", d.audio_out_channels)),
        video_context_dim=int(t.get("cross_attention_dim", d.video_context_dim)),
        audio_context_dim=int(t.get("audio_cross_attention_dim", d.audio_context_dim)),
        caption_channels=int(t.get("caption_channels") or text_cfg.hidden_size),
        caption_projection=not bool(t.get("caption_proj_before_connector", False)),
        norm_eps=float(t.get("norm_eps", d.norm_eps)),
        rope_theta=float(t.get("positional_embedding_theta", d.rope_theta)),
        rope_type=rope_type,  # type: ignore[arg-type]
        rope_float64=t.get("frequencies_precision", False) == "float64",
        video_max_pos=_tuple(t.get("positional_embedding_max_pos"), d.video_max_pos),
        audio_max_pos=_tuple(t.get("audio_positional_embedding_max_pos"), d.audio_max_pos),
        timestep_scale=float(t.get("timestep_scale_multiplier", d.timestep_scale)),
        av_timestep_scale=float(t.get("av_ca_timestep_scale_multiplier", d.av_timestep_scale)),
        gated_attention=bool(t.get("apply_gated_attention", False)),
        cross_attention_adaln=bool(t.get("cross_attention_adaln", False)),
        middle_positions=bool(t.get("use_middle_indices_grid", True)),
        video_ff_bias=bool(t.get("ff_bias", True)),
        audio_ff_bias=bool(t.get("audio_ff_bias", True)),
        prompt_adaln=bool(t.get("use_prompt_adaln_single", True)),
        first_frame_embedding=bool(t.get("use_keyframes_abs_pos_embedding", False)),
        generation=generation,
        video_connector=video_connector,
        audio_connector=audio_connector,
        text=text_cfg,
    )
