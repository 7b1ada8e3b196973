"""Pure-torch core of Talkies: no ComfyUI imports here."""

from .checkpoint import Checkpoint
from .parts import load_text_conditioner, load_transformer
from .predict import predict_velocity

__all__ = ["Checkpoint", "load_text_conditioner", "load_transformer", "predict_velocity"]
