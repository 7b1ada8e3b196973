"""The README's promises that code can check: its Python API example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from ltx_oracle import checkpoint_tensors, reference_transformer, tiny_config, write_checkpoint

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_api_block() -> str:
    text = README.read_text()
    section = text[text.index("## Python API") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_python_api_example_runs_on_a_reference_written_checkpoint(tmp_path):
    config = tiny_config("2.3")
    path = write_checkpoint(
        tmp_path / "ref.safetensors", config, checkpoint_tensors(reference_transformer(config), None)
    )
    code = _python_api_block().replace('"ltx-2.3-22b-dev.safetensors"', repr(str(path)))
    scope: dict = {}
    exec(compile(code, "README Python API", "exec"), scope)
    assert scope["v_velocity"].shape == scope["video"].shape
    assert torch.isfinite(scope["a_velocity"]).all()


def test_quick_start_has_exactly_two_commands():
    text = README.read_text()
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", text, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].startswith("pip install -e . && python -m talkies generate")
    assert commands[1].startswith("pip install -e '.[test]' && python -m pytest")
