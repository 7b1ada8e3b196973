"""A real ComfyUI with this pack, for the integration and browser tests.

It runs when COMFYUI_DIR points at a ComfyUI checkout, started with COMFYUI_PYTHON (default: this
Python), which needs ComfyUI's requirements and this pack's dependencies. It listens on
127.0.0.1 with --cpu and its own --base-directory in a temporary folder (the pack linked into its
custom_nodes, a tiny checkpoint in models/talkies, a picture in input/), so the checkout itself is
not touched.
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
from pathlib import Path

import av
import numpy as np
import pytest

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


def write_png(path: Path) -> None:
    rgb = np.zeros((64, 96, 3), np.uint8)
    rgb[:, :48] = (240, 210, 40)
    with av.open(str(path), "w", format="image2") as container:
        stream = container.add_stream("png")
        stream.width, stream.height, stream.pix_fmt = 96, 64, "rgb24"
        container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode(None))


def _prepare(base: Path) -> None:
    for folder in ("custom_nodes", "models/talkies", "models/latent_upscale_models", "input", "output"):
        (base / folder).mkdir(parents=True)
    (base / "custom_nodes" / "talkies").symlink_to(REPO, target_is_directory=True)
    (base / "models" / "talkies" / TINY_CHECKPOINT).symlink_to(shared_tiny_checkpoint())
    write_tiny_upsampler(base / "models" / "latent_upscale_models" / TINY_UPSCALER, 64, spatial_upsample=True)
    write_png(base / "input" / "example.png")


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
