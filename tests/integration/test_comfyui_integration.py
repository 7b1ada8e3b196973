"""The pack inside a real ComfyUI: node listing, the shipped API workflows queued over HTTP, core-node
interop, validation errors and cancelling.

Runs when COMFYUI_DIR points at a ComfyUI checkout (see comfyui_server.py for how it is started).
"""

import copy
import json
import urllib.request
from pathlib import Path

import pytest

from talkies.__main__ import main
from talkies.cli.comfy_client import ComfyClient, ServerError
from talkies.model.media.mp4 import probe_clip
from talkies.nodes import NODES

from comfyui_server import EXAMPLE_FRAMES, REPO, TINY_UPSCALER, comfyui_skip_reason, running_comfyui

WORKFLOWS = sorted((REPO / "workflows" / "api").glob("*.api.json"))

_skip = comfyui_skip_reason()
pytestmark = [pytest.mark.comfyui, pytest.mark.skipif(bool(_skip), reason=_skip)]


@pytest.fixture(scope="module")
def comfyui(tmp_path_factory):
    base = tmp_path_factory.mktemp("comfyui")
    with running_comfyui(base) as url:
        yield url, base


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def _small(prompt: dict) -> dict:
    prompt = copy.deepcopy(prompt)
    prompt["1"]["inputs"].update(ckpt_name="tiny.safetensors", text_encoder="from checkpoint")
    for node in prompt.values():
        if node["class_type"] == "TalkiesEmptyClip":
            node["inputs"].update(width=64, height=64, length=9, unit="frames")
        if node["class_type"] == "TalkiesAnimateToSound":
            node["inputs"].update(width=64, height=64)
        if node["class_type"] == "TalkiesUpscaleLatent":
            node["inputs"]["upscale_model"] = TINY_UPSCALER
        if node["class_type"] == "TalkiesExtend":
            node["inputs"]["seconds"] = 8 / 24
        if node["class_type"] in ("TalkiesRetake", "TalkiesRetakeFrames"):
            node["inputs"].update(start=0.1, end=0.3)  # inside the 9 frames (0.375 s)
    return prompt


def _frames_made(prompt: dict) -> int:
    """Frames of the clip a (small) workflow makes: its empty clip's (or the example video's or sound's
    in input/), plus what each extension adds."""
    added = [
        round(n["inputs"]["seconds"] * 24) for n in prompt.values() if n["class_type"] == "TalkiesExtend"
    ]
    empty = [n["inputs"]["length"] for n in prompt.values() if n["class_type"] == "TalkiesEmptyClip"]
    return (empty[0] if empty else EXAMPLE_FRAMES) + sum(added)


def _check_clip(path: Path, frames: int = 9, fps: int = 24) -> None:
    info = probe_clip(path)
    video, sound = info.first("video"), info.first("audio")
    assert (video.codec, video.frames, video.fps, video.start_time) == ("h264", frames, fps, 0.0)
    assert (sound.codec, sound.start_time) == ("aac", 0.0)
    assert sound.samples == frames * sound.sample_rate // fps, "the sound lasts exactly as long as the frames"


def test_object_info_lists_every_node_with_tooltips_and_the_checkpoint(comfyui):
    url, _ = comfyui
    info = _get(f"{url}/object_info")
    for node in NODES:
        schema = node.define_schema()
        entry = info[schema.node_id]
        assert entry["category"].startswith("Talkies/")
        for group in ("required", "optional"):
            for name, (_, options) in entry["input"].get(group, {}).items():
                assert options.get("tooltip"), f"{schema.node_id}.{name} has no tooltip"
    assert info["TalkiesLoadModel"]["input"]["required"]["ckpt_name"][1]["options"][:2] == [
        "built-in: talkies_toyworld",
        "tiny.safetensors",
    ]
    assert sorted(_get(f"{url}/workflow_templates")["talkies"]) == [
        p.name.removesuffix(".api.json") for p in WORKFLOWS
    ]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name.removesuffix(".api.json"))
def test_shipped_workflow_runs_in_comfyui_and_the_mp4_is_synced(comfyui, workflow, tmp_path):
    url, _ = comfyui
    client = ComfyClient(url, timeout=600)
    events = []
    prompt = _small(json.loads(workflow.read_text()))
    files = client.run(prompt, tmp_path, lambda kind, data: events.append(kind))
    assert len(files) == 1 and files[0].suffix == ".mp4"
    _check_clip(files[0], frames=_frames_made(prompt))
    assert "progress" in events and "executed" in events
    assert json.loads(probe_clip(files[0]).metadata["prompt"])["1"]["class_type"] == "TalkiesLoadModel"


def test_native_latent_nodes_and_core_video_nodes_interoperate(comfyui, tmp_path):
    """Our latent through LTXVSeparateAVLatent → LTXVConcatAVLatent into our sampler; our VIDEO into
    core GetVideoComponents and SaveVideo; core IMAGE + AUDIO back into our saver."""
    url, _ = comfyui
    prompt = _small(json.loads((REPO / "workflows/api/text-to-video-with-sound.api.json").read_text()))
    prompt["20"] = {"class_type": "LTXVSeparateAVLatent", "inputs": {"av_latent": ["3", 0]}}
    prompt["21"] = {
        "class_type": "LTXVConcatAVLatent",
        "inputs": {"video_latent": ["20", 0], "audio_latent": ["20", 1]},
    }
    prompt["4"]["inputs"]["latent"] = ["21", 0]
    prompt["22"] = {"class_type": "GetVideoComponents", "inputs": {"video": ["6", 0]}}
    prompt["23"] = {
        "class_type": "TalkiesSaveClip",
        "inputs": {
            "images": ["22", 0],
            "audio": ["22", 1],
            "fps": ["22", 2],
            "filename_prefix": "talkies/roundtrip",
            "loudness": "off",
            "crf": 19,
            "ten_bit": False,
        },
    }
    prompt["24"] = {
        "class_type": "SaveVideo",
        "inputs": {"video": ["6", 0], "filename_prefix": "core/ours", "format": "mp4", "codec": "h264"},
    }
    files = ComfyClient(url, timeout=600).run(prompt, tmp_path, lambda kind, data: None)
    names = sorted(f.name for f in files)
    assert (
        len(files) == 3
        and any(n.startswith("roundtrip") for n in names)
        and any(n.startswith("ours") for n in names)
    )
    for path in files:
        if path.name.startswith("ours"):  # core SaveVideo re-muxes with its own audio framing
            info = probe_clip(path)
            assert info.first("video").frames == 9 and info.first("audio").codec == "aac"
        else:
            _check_clip(path)


def test_parts_unloaded_by_comfyui_come_back_and_ui_workflows_are_embedded(comfyui, tmp_path, capsys):
    """After ComfyUI's "unload models" (POST /free) the next run loads our parts again; the CLI queues a
    UI-format file with the workflow in extra_pnginfo, so the MP4 carries it for drag and drop."""
    url, _ = comfyui
    request = urllib.request.Request(
        f"{url}/free",
        data=json.dumps({"unload_models": True, "free_memory": True}).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()
    ui = REPO / "workflows" / "text-to-video-with-sound.json"
    settings = {
        "1.ckpt_name": "tiny.safetensors",
        "3.width": 64,
        "3.height": 64,
        "3.length": 9,
        "3.unit": "frames",
    }
    args = ["run", str(ui), "--server", url, "--output-dir", str(tmp_path)]
    args += [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]
    assert main(args) == 0
    (path,) = capsys.readouterr().out.split()
    _check_clip(Path(path))
    assert Path(path).parent == tmp_path / "talkies"
    assert json.loads(probe_clip(path).metadata["workflow"]) == json.loads(ui.read_text())


def test_invalid_values_and_missing_models_are_comfyui_validation_errors(comfyui):
    url, _ = comfyui
    prompt = _small(json.loads((REPO / "workflows/api/text-to-video-with-sound.api.json").read_text()))
    prompt["4"]["inputs"]["steps"] = -3
    prompt["1"]["inputs"]["ckpt_name"] = "gone.safetensors"
    with pytest.raises(ServerError) as caught:
        ComfyClient(url).queue(prompt)
    message = str(caught.value)
    assert "node 4 (TalkiesSampler): Value -3 smaller than min of 0" in message
    assert "'gone.safetensors' was not found; put the .safetensors file in one of models/talkies" in message


def test_cancelling_the_sampler_stops_it_and_writes_no_file(comfyui, tmp_path):
    url, base = comfyui
    before = set((base / "output").rglob("*.mp4"))
    prompt = _small(json.loads((REPO / "workflows/api/text-to-video-with-sound.api.json").read_text()))
    prompt["4"]["inputs"]["steps"] = 400
    prompt["6"]["inputs"]["filename_prefix"] = "talkies/cancelled"
    client = ComfyClient(url, timeout=600)
    progress = []

    def cancel_on_progress(kind: str, data: dict) -> None:
        if kind == "progress" and data.get("node") == "4":
            progress.append(data["value"])
            if len(progress) == 1:
                client.interrupt(data["prompt_id"])

    with pytest.raises(ServerError, match="interrupted"):
        client.run(prompt, tmp_path, cancel_on_progress)
    assert progress and max(progress) < 400
    assert set((base / "output").rglob("*.mp4")) == before
    assert not list((base / "output").rglob("*.part"))
