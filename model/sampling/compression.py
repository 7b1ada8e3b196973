"""How much a video VAE compresses: pixel frames per latent frame, pixels per latent row or column.

It is read from each checkpoint's VAE config, never assumed: LTX-2's is 8× in time and 32× in
space; the built-in model may compress less. A clip in latent space carries its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VideoCompression:
    """Pixel frames per latent frame (after the causal first one), and pixels per latent row or column."""

    time: int = 8
    space: int = 32

    def __post_init__(self) -> None:
        if self.time < 1 or self.space < 1:
            raise ValueError(f"video compression must be at least 1× in time and space, got {self}")


# The LTX-2 video VAE's (2.0 and 2.3): 8× in time, 32× in space.
LTX2_COMPRESSION = VideoCompression(time=8, space=32)
