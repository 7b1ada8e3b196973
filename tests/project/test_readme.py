"""The README's promises that code can check: its Python API example runs as written."""

from __future__ import annotations

import importlib
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


def _code_map_rows() -> list[list[str]]:
    text = README.read_text()
    section = text[text.index("## Code map") : text.index("## Python API")]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| Talkies")]
    return [[cell.strip().strip("`") for cell in row] for row in rows]


def test_code_map_names_each_node_its_stage_function_and_where_the_work_is():
    root = README.parent
    rows = _code_map_rows()
    assert len(rows) >= 10
    for node, node_file, calls, work in rows:
        source = (root / node_file).read_text()
        assert f'display_name="{node}"' in source, f"{node_file} is not the file of {node}"
        # with the nodes/ helpers it imports (model_handle for the Load node)
        helpers = re.findall(r"^from \. import (\w+)$|^from \.(\w+) import", source, re.M)
        for name in {a or b for a, b in helpers}:
            if (root / "nodes" / f"{name}.py").is_file():
                source += (root / "nodes" / f"{name}.py").read_text()
        module_file, function = (part.strip() for part in calls.split(":"))
        module = module_file.removesuffix(".py").replace("/", ".")
        assert callable(getattr(importlib.import_module(f"talkies.{module}"), function, None)), (
            f"{module_file} has no {function}"
        )
        stage = module.split(".")[-1]
        assert f"from ..model.pipeline.{stage} import" in source, f"{node_file} does not call {module}"
        for place in work.replace("`", "").split(","):
            assert (root / place.strip()).exists(), f"{place} (where {node} does its work) does not exist"
