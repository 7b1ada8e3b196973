"""ComfyUI nodes, one file per stage, each a thin call into model/pipeline/.

Inside ComfyUI they use ComfyUI's node API and model management (see host.py); anywhere
else (tests, ``python -m talkies run``) they run on the standalone stand-ins.
"""

from __future__ import annotations

from . import host
from .add_sound import TalkiesAddSound
from .animate import TalkiesAnimateToSound
from .decode import TalkiesDecode
from .empty_clip import TalkiesEmptyClip
from .extend import TalkiesExtend, TalkiesExtendFrames
from .guidance import TalkiesGuidance
from .image_conditioning import TalkiesImageConditioning
from .join import TalkiesJoinClips
from .load_model import TalkiesLoadModel
from .lora import TalkiesLoRA
from .preview_clip import TalkiesPreviewClip
from .reference_video import TalkiesReferenceVideo
from .retake import TalkiesRetake, TalkiesRetakeFrames
from .sampler import TalkiesSampler
from .save_clip import TalkiesSaveClip
from .text_encode import TalkiesTextEncode
from .upscale_latent import TalkiesUpscaleLatent

NODES = [
    TalkiesLoadModel,
    TalkiesLoRA,
    TalkiesTextEncode,
    TalkiesEmptyClip,
    TalkiesImageConditioning,
    TalkiesReferenceVideo,
    TalkiesGuidance,
    TalkiesSampler,
    TalkiesUpscaleLatent,
    TalkiesExtend,
    TalkiesExtendFrames,
    TalkiesRetake,
    TalkiesRetakeFrames,
    TalkiesAddSound,
    TalkiesAnimateToSound,
    TalkiesJoinClips,
    TalkiesDecode,
    TalkiesSaveClip,
    TalkiesPreviewClip,
]


class TalkiesExtension(host.ComfyExtension):
    async def on_load(self) -> None:
        host.register_model_folder()

    async def get_node_list(self) -> list[type]:
        return list(NODES)


__all__ = ["NODES", "TalkiesExtension"]
