"""The front end's modules (web/) parse, and their pure parts (time axis, waveform columns, step line)
pass their unit tests under node (tests/nodes/web/*.test.mjs). Skips without node."""

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
MODULES = sorted((REPO / "web").glob("*.js"))

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed; the front end's JS tests need it"
)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_parses(module):
    checked = subprocess.run([NODE, "--check", str(module)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


def test_only_the_entry_module_imports_comfyui():
    """ComfyUI loads every .js file in web/ as an extension: the others must only export."""
    importers = [m.name for m in MODULES if "../../scripts/" in m.read_text()]
    assert importers == ["talkies_preview.js"]
    assert all("registerExtension" not in m.read_text() for m in MODULES if m.name != "talkies_preview.js")


def test_pure_modules_pass_their_node_tests():
    ran = subprocess.run(
        [NODE, "--test", *sorted(str(p) for p in (REPO / "tests" / "nodes" / "web").glob("*.test.mjs"))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert "# fail 0" in ran.stdout and "# pass 0" not in ran.stdout
