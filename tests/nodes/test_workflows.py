"""The shipped workflows: checked against the nodes' schemas, UI and API formats in step, and run
end to end in-process through ``python -m talkies run`` with a tiny checkpoint."""

import json
from pathlib import Path

import numpy as np
import pytest

from talkies.__main__ import main
from talkies.model.media.mp4 import probe_clip, write_clip
from talkies.nodes.model_handle import BUILTIN_CHOICE
from talkies.nodes.standalone import runtime
from talkies.nodes.standalone.runner import WorkflowError, _check_value, node_classes, run_prompt
from talkies.nodes.standalone.workflow_format import api_from_ui, is_ui_format, is_widget, widget_slots

from media_samples import moving_frames, write_png, write_wav
from tiny_checkpoint import shared_tiny_checkpoint, write_tiny_upsampler

ROOT = Path(__file__).resolve().parents[2] / "workflows"
UI_FILES = sorted(ROOT.glob("*.json"))
CLASSES = node_classes()
# Core ComfyUI nodes the workflows may use (headless runs have stand-ins).
CORE_NODES = {"LoadImage", "LoadVideo", "GetVideoComponents", "LoadAudio"}
FILE_CHOICES = {
    ("TalkiesLoadModel", "ckpt_name"),
    ("TalkiesLoadModel", "text_encoder"),
    ("TalkiesUpscaleLatent", "upscale_model"),
    ("LoadImage", "image"),
    ("LoadVideo", "file"),
    ("LoadAudio", "audio"),
}  # options depend on the files present
# Workflows that need LTX-2's own files (its spatial upsampler works on LTX-2 latents only).
LTX2_WORKFLOWS = {"two-stage-ltx2"}


def api_file(ui: Path) -> Path:
    return ROOT / "api" / f"{ui.stem}.api.json"


def test_each_ui_workflow_has_its_api_twin_and_only_ui_files_are_template_examples():
    assert {p.stem for p in UI_FILES} >= {"text-to-video-with-sound", "image-to-video-with-sound"}
    for ui in UI_FILES:
        assert is_ui_format(json.loads(ui.read_text())), (
            f"{ui.name}: the template browser lists only UI files"
        )
        assert api_file(ui).is_file(), f"{ui.name} has no API-format twin"
    assert sorted(p.stem.removesuffix(".api") for p in (ROOT / "api").glob("*.json")) == [
        p.stem for p in UI_FILES
    ]


@pytest.mark.parametrize("ui", UI_FILES, ids=lambda p: p.stem)
def test_api_workflow_matches_the_nodes_schemas(ui):
    prompt = json.loads(api_file(ui).read_text())
    for node_id, node in prompt.items():
        kind = node["class_type"]
        assert kind in CLASSES, f"node {node_id}: {kind} is neither ours nor a core node"
        assert kind.startswith("Talkies") or kind in CORE_NODES
        specs = {s.id: s for s in CLASSES[kind].define_schema().inputs}
        assert set(node["inputs"]) <= set(specs), f"node {node_id}: unknown inputs"
        for name, spec in specs.items():
            value = node["inputs"].get(name)
            if value is None:
                assert spec.optional, f"node {node_id}: {name} is required"
            elif isinstance(value, list):
                source = prompt[value[0]]
                given = CLASSES[source["class_type"]].define_schema().outputs[value[1]].get_io_type()
                assert given == spec.get_io_type(), f"node {node_id}: {name} is linked to a {given} output"
            elif (kind, name) in FILE_CHOICES:
                assert isinstance(value, str) and value
            else:
                converted, problem = _check_value(spec, value)
                assert problem is None and converted == value, f"node {node_id}: {name}: {problem}"
    loaders = [n["inputs"]["ckpt_name"] for n in prompt.values() if n["class_type"] == "TalkiesLoadModel"]
    if ui.stem in LTX2_WORKFLOWS:
        assert len(loaders) == 1 and loaders[0].startswith("ltx-2"), "an LTX-2 workflow loads an LTX-2 file"
    else:
        assert loaders == [BUILTIN_CHOICE], "shipped workflows use the built-in model"


@pytest.mark.parametrize("ui", UI_FILES, ids=lambda p: p.stem)
def test_ui_workflow_is_consistent_and_converts_to_its_api_twin(ui):
    workflow = json.loads(ui.read_text())
    nodes = {n["id"]: n for n in workflow["nodes"]}
    for link_id, source, slot, target, target_slot, kind in workflow["links"]:
        assert link_id in nodes[source]["outputs"][slot]["links"]
        socket = nodes[target]["inputs"][target_slot]
        assert socket["link"] == link_id and socket["type"] == kind == nodes[source]["outputs"][slot]["type"]
    for node in workflow["nodes"]:
        widgets = [s for s in CLASSES[node["type"]].define_schema().inputs if is_widget(s)]
        assert len(node["widgets_values"]) == sum(widget_slots(s) for s in widgets), node["type"]
    assert api_from_ui(workflow, CLASSES) == json.loads(api_file(ui).read_text())


# ---------------------------------------------------------------- headless runs


def _write_png(path: Path) -> Path:
    rgb = np.zeros((48, 80, 3), np.uint8)
    rgb[:, :40] = (220, 40, 40)
    rgb[:, 40:] = (40, 90, 230)
    return write_png(path, rgb)


def _small(ckpt: Path) -> list[str]:
    settings = {"1.ckpt_name": str(ckpt), "3.width": 64, "3.height": 64, "3.length": 9, "3.unit": "frames"}
    return [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]


@pytest.mark.parametrize("name", ["text-to-video-with-sound", "image-to-video-with-sound"])
def test_shipped_api_workflow_runs_headless_and_writes_a_synced_mp4(name, tmp_path, capsys):
    args = ["run", str(ROOT / "api" / f"{name}.api.json"), "--output-dir", str(tmp_path / "out")]
    args += _small(shared_tiny_checkpoint())
    if name.startswith("image"):
        args += ["--set", f"7.image={_write_png(tmp_path / 'picture.png')}"]
    assert main(args) == 0
    printed = [Path(line) for line in capsys.readouterr().out.split()]
    assert len(printed) == 1 and printed[0].parent == tmp_path / "out" / "talkies"
    info = probe_clip(printed[0])
    video, sound = info.first("video"), info.first("audio")
    assert (video.codec, video.frames, video.fps, video.start_time) == ("h264", 9, 24, 0.0)
    assert (sound.codec, sound.start_time, sound.samples) == ("aac", 0.0, 9 * 48000 // 24)
    assert json.loads(info.metadata["prompt"])["1"]["inputs"]["ckpt_name"] == str(shared_tiny_checkpoint())


def test_the_retake_workflow_redoes_a_window_of_the_sound_and_keeps_the_clip_as_long(tmp_path, capsys):
    args = ["run", str(ROOT / "api" / "retake-a-window.api.json"), "--output-dir", str(tmp_path / "out")]
    settings = {"1.ckpt_name": str(shared_tiny_checkpoint()), "3.width": 64, "3.height": 64}
    settings.update({"3.length": 33, "3.unit": "frames", "4.steps": 1, "7.steps": 1})
    args += [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]
    assert main(args) == 0
    (path,) = capsys.readouterr().out.split()
    info = probe_clip(path)
    video, sound = info.first("video"), info.first("audio")
    assert (video.frames, sound.samples) == (33, 33 * 48000 // 24)
    retake = json.loads(info.metadata["prompt"])["7"]
    assert retake["class_type"] == "TalkiesRetakeFrames"
    assert (retake["inputs"]["start"], retake["inputs"]["end"], retake["inputs"]["streams"]) == (
        0.5,
        1.0,
        "sound",
    )
    assert main([*args, "--set", "7.end=0.5", "--output-dir", str(tmp_path / "none")]) == 2
    assert (
        "node 7 (TalkiesRetakeFrames): window end (0.5 s) must be after its start" in capsys.readouterr().err
    )
    assert not (tmp_path / "none").exists()


def _run_new(args: list[str], capsys) -> tuple:
    assert main(args + ["--set", f"1.ckpt_name={shared_tiny_checkpoint()}"]) == 0
    (path,) = capsys.readouterr().out.split()
    info = probe_clip(path)
    return info.first("video"), info.first("audio")


def test_the_add_sound_workflow_keeps_a_videos_frames_and_length(tmp_path, capsys):
    source = write_clip(tmp_path / "in.mp4", moving_frames(14, 80, 96), 30)
    args = ["run", str(ROOT / "api" / "add-sound-to-a-video.api.json"), "--output-dir", str(tmp_path / "out")]
    video, sound = _run_new(args + ["--set", f"7.file={source}"], capsys)
    assert (video.frames, video.fps, video.width, video.height) == (14, 30, 96, 80)
    assert sound.samples == 14 * 48000 // 30


def test_the_animate_workflow_makes_frames_that_last_as_long_as_the_sound(tmp_path, capsys):
    memo = write_wav(tmp_path / "memo.wav", 0.5, 8000)
    args = ["run", str(ROOT / "api" / "animate-to-a-sound.api.json"), "--output-dir", str(tmp_path / "out")]
    args += ["--set", f"7.audio={memo}", "--set", "4.width=64", "--set", "4.height=64"]
    video, sound = _run_new(args, capsys)
    assert (video.frames, video.fps, video.width) == (12, 24, 64)
    assert sound.samples == 48000 // 2


def test_the_two_stage_workflow_runs_headless_with_an_upsampler(tmp_path, capsys):
    upsampler = write_tiny_upsampler(tmp_path / "up.safetensors", 64, spatial_upsample=True)
    args = ["run", str(ROOT / "api" / "two-stage-ltx2.api.json"), "--output-dir", str(tmp_path / "out")]
    args += _small(shared_tiny_checkpoint()) + ["--set", "1.text_encoder=from checkpoint"]
    args += ["--set", f"5.upscale_model={upsampler}", "--set", "4.steps=1"]
    assert main(args) == 0
    (path,) = capsys.readouterr().out.split()
    video = probe_clip(path).first("video")
    assert (video.width, video.height, video.frames) == (128, 128, 9), "stage 2 is twice stage 1's size"


def test_ui_format_runs_the_same_way_and_is_embedded_for_drag_and_drop(tmp_path, capsys):
    ui = ROOT / "text-to-video-with-sound.json"
    args = ["run", str(ui), "--output-dir", str(tmp_path)]
    assert main(args + _small(shared_tiny_checkpoint()) + ["--set", "Talkies Sampler.steps=1"]) == 0
    (path,) = capsys.readouterr().out.split()
    metadata = probe_clip(path).metadata
    assert json.loads(metadata["workflow"]) == json.loads(ui.read_text())
    assert json.loads(metadata["prompt"])["4"]["inputs"]["steps"] == 1


def test_bad_values_and_missing_models_are_reported_before_anything_runs(tmp_path, capsys):
    api = str(ROOT / "api" / "text-to-video-with-sound.api.json")
    bad = ["--set", "4.steps=-3", "--set", "3.unit=minutes", "--set", "1.ckpt_name=missing.safetensors"]
    assert main(["run", api, "--output-dir", str(tmp_path), *bad]) == 2
    error = capsys.readouterr().err
    assert "node 4 (TalkiesSampler): steps: -3 is smaller than the minimum 0" in error
    assert "node 3 (TalkiesEmptyClip): unit: 'minutes' is not one of ['seconds', 'frames']" in error
    assert "'missing.safetensors' was not found; put the .safetensors file in one of models/talkies" in error
    assert main(["run", api, "--set", "4.stepz=3"]) == 2
    assert "node 4 (TalkiesSampler) has no input 'stepz'; it has model, prompts" in capsys.readouterr().err
    assert main(["run", api, "--set", "9.steps=3"]) == 2
    assert "no node '9' in the workflow" in capsys.readouterr().err
    assert main(["run", api, "--set", "4.steps=many"]) == 2
    assert (
        "node 4 (TalkiesSampler) input 'steps' holds a whole number (now 0); got 'many'"
        in capsys.readouterr().err
    )
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_an_interrupted_sampler_leaves_no_output_file(tmp_path):
    prompt = json.loads((ROOT / "api" / "text-to-video-with-sound.api.json").read_text())
    prompt["1"]["inputs"]["ckpt_name"] = str(shared_tiny_checkpoint())
    prompt["3"]["inputs"].update(width=64, height=64, length=9, unit="frames")
    prompt["4"]["inputs"]["steps"] = 4
    runtime.configure_standalone(output=tmp_path)

    def stop(node, value, total, picture):
        runtime.request_interrupt()

    runtime.add_progress_listener(stop)
    try:
        with pytest.raises(runtime.Interrupted):
            run_prompt(prompt)
    finally:
        runtime.remove_progress_listener(stop)
    assert list(tmp_path.rglob("*")) == []


def test_workflows_without_an_output_or_with_foreign_nodes_are_refused():
    with pytest.raises(WorkflowError, match="no output node"):
        run_prompt({"1": {"class_type": "TalkiesGuidance", "inputs": {}}})
    with pytest.raises(WorkflowError, match="KSampler.*unknown node type"):
        run_prompt({"1": {"class_type": "KSampler", "inputs": {}}})
