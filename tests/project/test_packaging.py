"""What installs the pack: pyproject.toml for pip and the Comfy Registry, requirements.txt for
ComfyUI-Manager. They must say the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# ComfyUI brings these itself; ComfyUI-Manager must not reinstall them.
BROUGHT_BY_COMFYUI = {"torch", "torchaudio"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower()


def test_requirements_txt_is_the_projects_dependencies_minus_what_comfyui_brings():
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    wanted = [d for d in PROJECT["project"]["dependencies"] if _name(d) not in BROUGHT_BY_COMFYUI]
    assert sorted(lines) == sorted(wanted)


def test_comfy_registry_metadata_is_complete():
    comfy = PROJECT["tool"]["comfy"]
    assert comfy["PublisherId"] and comfy["DisplayName"]
    assert comfy["Icon"].startswith("https://")
    assert PROJECT["project"]["urls"]["Repository"].startswith("https://")
    name = PROJECT["project"]["name"]
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", name) and "comfyui" not in name.lower()
    assert re.fullmatch(r"\d+\.\d+\.\d+", PROJECT["project"]["version"])
    for included in comfy["includes"]:
        assert (ROOT / included).exists(), f"[tool.comfy] includes {included}, which is not in the tree"


def test_the_version_is_stated_once():
    init = (ROOT / "__init__.py").read_text()
    assert f'__version__ = "{PROJECT["project"]["version"]}"' in init
