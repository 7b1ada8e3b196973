"""The toy world: procedural audio-video clips with exact ground truth, and weight-free metrics.

Generate::

    spec = sample_spec(seed)            # or build_spec("impacts", balls=[BallSpec(...)])
    clip = render(spec)                 # frames (F,H,W,3) uint8, waveform (C,T), caption, truth

Measure (any clip, not only these): ``metrics.evaluate_clip(frames, fps, waveform, sample_rate, caption)``.
"""

from .build import build_spec
from .caption import describe
from .caption_parse import CaptionClaims, parse_caption
from .render import render
from .sample import sample_spec
from .spec import BallSpec, ClipFormat, GlassSpec, MusicSpec, SceneSpec, VoiceSpec
from .truth import Clip, Contact, GroundTruth

__all__ = [
    "BallSpec",
    "CaptionClaims",
    "Clip",
    "ClipFormat",
    "Contact",
    "GlassSpec",
    "GroundTruth",
    "MusicSpec",
    "SceneSpec",
    "VoiceSpec",
    "build_spec",
    "describe",
    "parse_caption",
    "render",
    "sample_spec",
]
