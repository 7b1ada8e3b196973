"""The layers' import rules, read from every module's syntax tree (function-level imports included).

- The model core (model/) never imports the front ends (nodes/, cli/), training/ or the toy world.
- Only nodes/host.py imports ComfyUI (comfy, comfy_api, comfy_execution, folder_paths, server, ...).
- A node file imports from model/ only the pipeline (what it runs) and the data types it passes on.
- training/ is never imported at run time: only by its own command (cli/train.py).
- The toy world never imports the front ends or training.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("model", "nodes", "cli", "toyworld", "training")
COMFYUI_MODULES = {"comfy", "comfy_api", "comfy_execution", "comfy_extras", "folder_paths", "server", "nodes"}
# What a node may import from the model besides model/pipeline/: values it passes between nodes.
NODE_DATA_TYPES = {
    "model.media.fps",  # frame rates as exact Fractions
    "model.media.waveform",  # AUDIO as the model carries it
    "model.sampling.av_latent",  # the joint latent a LATENT wraps
    "model.sampling.compression",  # how much the model's video VAE compresses
    "model.sampling.guidance",  # per-stream guidance settings
    "model.video_vae.tiling",  # the decode tiling a user chooses
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file. The pack's own modules (relative imports, or
    absolute ones under ``talkies.``) are named from the pack's root, ``model.sampling.loop``;
    others start with ``:``, as ``:comfy.utils``, so ComfyUI's ``nodes`` is not our ``nodes``."""
    name = _module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, ":" + alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # `from . import x`: x is a module of the package
                    found += [(node.lineno, f"{target}.{alias.name}".lstrip(".")) for alias in node.names]
                    continue
                found.append((node.lineno, target))
            else:
                found.append((node.lineno, ":" + (node.module or "")))
    return [(line, _ours(m)) for line, m in found]


def _ours(module: str) -> str:
    if module.startswith((":talkies.", "talkies.")):
        return module.split("talkies.", 1)[1]
    return module


def _sources(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def _top(module: str) -> str:
    return module.split(".")[0]


def _violations(paths: list[Path], bad) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in paths
        for line, module in _imports(path)
        if bad(path, module)
    ]


def test_the_rules_see_every_kind_of_import():
    """The reader resolves relative, package-relative and function-level imports as Python does."""
    sample = ROOT / "model" / "pipeline" / "generate.py"
    modules = {m for _, m in _imports(sample)}
    assert "model.pipeline.load" in modules and "model.sampling.loop" in modules
    host = {m for _, m in _imports(ROOT / "nodes" / "host.py")}
    assert {":comfy.model_management", ":folder_paths", "model.offload.placement"} <= host


def test_model_core_never_imports_front_ends_training_or_toy_world():
    forbidden = {"nodes", "cli", "training", "toyworld"}
    assert _violations(_sources("model"), lambda _, m: _top(m) in forbidden) == []


def test_only_host_imports_comfyui():
    host = ROOT / "nodes" / "host.py"
    paths = [p for p in _sources(*PACKAGES) if p != host] + [ROOT / "__init__.py", ROOT / "__main__.py"]
    assert _violations(paths, lambda _, m: m.startswith(":") and _top(m[1:]) in COMFYUI_MODULES) == []


def test_nodes_import_the_pipeline_and_data_types_only():
    # host.py is the bridge, not a node: it hands parts to ComfyUI's model management (model.offload).
    nodes = [p for p in (ROOT / "nodes").glob("*.py") if p.name != "host.py"]
    assert len(nodes) > 10

    def bad(_, module: str) -> bool:
        return _top(module) == "model" and not (
            module.startswith("model.pipeline.") or module in NODE_DATA_TYPES
        )

    assert _violations(nodes, bad) == []


def test_training_is_imported_only_by_its_command():
    allowed = {ROOT / "cli" / "train.py"}
    paths = [p for p in _sources("model", "nodes", "cli", "toyworld") if p not in allowed]
    assert _violations(paths, lambda _, m: _top(m) == "training") == []


def test_toy_world_never_imports_front_ends_or_training():
    forbidden = {"nodes", "cli", "training"}
    assert _violations(_sources("toyworld"), lambda _, m: _top(m) in forbidden) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_is_installed(package):
    """Each folder of modules is a package that pyproject.toml installs."""
    text = (ROOT / "pyproject.toml").read_text()
    for init in (ROOT / package).rglob("__init__.py"):
        dotted = ".".join(("talkies", *init.parent.relative_to(ROOT).parts))
        assert f'"{dotted}"' in text, f"{dotted} is missing from [tool.setuptools] packages"
