"""``torchrun --nproc-per-node 2 -m talkies generate …`` on the CPU (gloo over loopback): rank 0
alone writes the clip; the pipeline under torchrun makes the latents and frames one process makes.

The MP4s themselves are not compared to 1e-5: the tiny random model's frames are noise, which
H.264 codes with errors of tens of levels, and a pixel that rounds the other way moves them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from talkies.model.media.read import read_clip
from talkies.model.parallel.local import free_port, gloo_available

from tiny_checkpoint import shared_tiny_checkpoint

pytestmark = pytest.mark.skipif(not gloo_available(), reason="torch.distributed has no gloo backend here")

TIME_LIMIT_S = 240
TOLERANCE = 1e-5
PIPELINE = Path(__file__).resolve().parents[1] / "support" / "launched_generate.py"


def _environment() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", GLOO_SOCKET_IFNAME="lo")
    # The children import the same talkies as this process, wherever it comes from.
    here = str(Path(__import__("talkies").__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
    return env


def _run(command: list[str]) -> subprocess.CompletedProcess:
    done = subprocess.run(
        command, env=_environment(), capture_output=True, text=True, timeout=TIME_LIMIT_S, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _torchrun(ranks: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        f"--nproc-per-node={ranks}",
        "--master-addr=127.0.0.1",
        f"--master-port={free_port()}",
    ]


def _generate_command(out: Path) -> list[str]:
    model = str(shared_tiny_checkpoint())
    return ["talkies", "generate", "A red ball bounces.", "--model", model, "--seed", "3", "-o", str(out)]


def _pipeline(out: Path, guidance_ranks: int) -> list[str]:
    return [str(PIPELINE), str(shared_tiny_checkpoint()), str(out), str(guidance_ranks)]


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    out = tmp_path_factory.mktemp("single") / "clip.pt"
    _run([sys.executable, *_pipeline(out, 1)])
    return torch.load(out)


@pytest.mark.parametrize("guidance_ranks", [1, 2], ids=["tokens-split", "passes-shared"])
def test_two_ranks_make_the_one_process_clip(tmp_path, one_process, guidance_ranks):
    out = tmp_path / "clip.pt"
    _run([*_torchrun(2), *_pipeline(out, guidance_ranks)])
    clip = torch.load(out)
    for name, expected in one_process.items():
        assert float((clip[name] - expected).abs().max()) <= TOLERANCE, name


def test_rank_zero_alone_writes_the_file(tmp_path):
    single = tmp_path / "single" / "clip.mp4"
    launched = tmp_path / "launched" / "clip.mp4"
    for path in (single, launched):
        path.parent.mkdir()
    _run([sys.executable, "-m", *_generate_command(single)])
    done = _run([*_torchrun(2), "-m", *_generate_command(launched)])
    assert [p.name for p in launched.parent.iterdir()] == ["clip.mp4"]
    assert done.stdout.count(str(launched)) == 1  # one report, from rank 0
    a, b = read_clip(single), read_clip(launched)
    assert b.frames.shape == a.frames.shape and b.waveform.shape == a.waveform.shape
    assert b.metadata.get("seed") == a.metadata.get("seed") == "3"
