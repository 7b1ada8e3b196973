"""A real ComfyUI with this pack, for the integration and browser tests.

It runs when COMFYUI_DIR points at a ComfyUI checkout, started with COMFYUI_PYTHON (default: this
Python), which needs ComfyUI's requirements and this pack's dependencies. It listens on
127.0.0.1 with --cpu and its own --base-directory in a temporary folder (the pack linked into its
custom_nodes, a tiny checkpoint in models/talkies, a picture, a video and a sound in input/), so the
checkout itself is not touched.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from media_samples import write_png, write_wav
from tiny_checkpoint import shared_tiny_checkpoint, write_tiny_upsampler

REPO = Path(__file__).resolve().parents[2]
COMFYUI_DIR = os.environ.get("COMFYUI_DIR", "")
COMFYUI_PYTHON = os.environ.get("COMFYUI_PYTHON", sys.executable)
START_TIMEOUT_S = 300
TINY_CHECKPOINT = "tiny.safetensors"
TINY_UPSCALER = "tiny-spatial-x2.safetensors"


def comfyui_skip_reason() -> str:
    """Why ComfyUI tests cannot run here ("" when they can)."""
    if not COMFYUI_DIR:
        return "COMFYUI_DIR is not set; point it at a ComfyUI checkout to run the ComfyUI tests"
    if not (Path(COMFYUI_DIR) / "main.py").is_file():
        return f"COMFYUI_DIR={COMFYUI_DIR} has no main.py; it must be a ComfyUI checkout"
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_example_picture(path: Path) -> None:
    rgb = np.zeros((64, 96, 3), np.uint8)
    rgb[:, :48] = (240, 210, 40)
    write_png(path, rgb)


# The example video and sound in input/ last this many frames at 24 fps (9 / 24 s).
EXAMPLE_FRAMES = 9


def write_example_video(path: Path) -> None:
    """EXAMPLE_FRAMES frames at 24 fps, 64×64, a bar moving across them; no sound."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(EXAMPLE_FRAMES):
            rgb = np.full((64, 64, 3), 60, np.uint8)
            rgb[:, 6 * i : 6 * i + 8] = 230
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def write_example_sound(path: Path, rate: int = 16000) -> None:
    """A 220 Hz tone of EXAMPLE_FRAMES / 24 s, mono 16-bit WAV."""
    write_wav(path, Fraction(EXAMPLE_FRAMES, 24), rate)


def _prepare(base: Path) -> None:
    for folder in ("custom_nodes", "models/talkies", "models/latent_upscale_models", "input", "output"):
        (base / folder).mkdir(parents=True)
    (base / "custom_nodes" / "talkies").symlink_to(REPO, target_is_directory=True)
    (base / "models" / "talkies" / TINY_CHECKPOINT).symlink_to(shared_tiny_checkpoint())
    write_tiny_upsampler(base / "models" / "latent_upscale_models" / TINY_UPSCALER, 64, spatial_upsample=True)
    write_example_picture(base / "input" / "example.png")
    write_example_video(base / "input" / "example.mp4")
    write_example_sound(base / "input" / "example.wav")


def _wait_until_ready(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if server.poll() is not None:
            pytest.fail(f"ComfyUI exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/object_info/TalkiesSampler", timeout=5) as response:
                if json.loads(response.read()):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"ComfyUI did not answer within {START_TIMEOUT_S} s")
        time.sleep(1)


@contextmanager
def running_comfyui(base: Path) -> Iterator[str]:
    """Start ComfyUI on a free port with ``base`` (an empty folder) as its base directory; yield its URL."""
    _prepare(base)
    port = free_port()
    log_path = base / "comfyui.log"
    command = [COMFYUI_PYTHON, "main.py", "--cpu", "--listen", "127.0.0.1", "--port", str(port)]
    command += ["--disable-auto-launch", "--disable-api-nodes", "--base-directory", str(base)]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command,
            cwd=COMFYUI_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(server, url, log_path)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
