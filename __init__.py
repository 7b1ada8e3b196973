"""Talkies: joint audio-video generation for ComfyUI.

This folder is both the ComfyUI custom-node folder and the installable package ``talkies``.
Importing it must stay cheap: ComfyUI scans every custom node at start-up, so the node
classes (and torch) are only imported when ComfyUI asks for the extension.
"""

WEB_DIRECTORY = "./web"

__version__ = "0.1.0"


async def comfy_entrypoint():
    """ComfyUI's v3 entry point: returns the extension that lists our nodes."""
    from .nodes import TalkiesExtension

    return TalkiesExtension()


__all__ = ["WEB_DIRECTORY", "comfy_entrypoint"]
