"""Every mistake a user can type ends in one line and exit status 2, found before any work."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import talkies.cli.model_options as model_options
from talkies.__main__ import main
from talkies.model.media.mp4 import probe_clip, write_clip

from media_samples import audio, moving_frames, tone
from tiny_checkpoint import shared_tiny_checkpoint


def no_work(*_args, **_kwargs):
    raise AssertionError("the model was opened before the destination was checked")


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """(exit status, stderr) of a command run here; argparse's refusals count as exit statuses."""
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().err


@pytest.fixture
def existing(tmp_path) -> Path:
    path = tmp_path / "mine.mp4"
    path.write_bytes(b"precious")
    return path


def destinations(tmp_path: Path, existing: Path) -> list[tuple[str, str]]:
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"")
    return [
        (str(existing), "already exists; it is kept"),
        (str(tmp_path / "clip.mov"), "extension '.mov': name an .mp4 file"),
        (str(tmp_path / "clip"), "no extension: name an .mp4 file"),
        (str(blocker / "x.mp4"), "is an existing file; give a folder path"),
        (str(blocker / "deeper" / "x.mp4"), "goes through"),
        ("/proc/self/x.mp4", "not writable"),
    ]


@pytest.mark.parametrize("command", ["generate", "extend", "retake"])
def test_a_bad_destination_is_refused_before_any_work(tmp_path, existing, capsys, monkeypatch, command):
    monkeypatch.setattr(model_options, "TalkiesModel", no_work)
    source = write_clip(tmp_path / "source.mp4", moving_frames(9), 24, audio(tone(0.4, 48000), 48000))
    before = sorted(os.listdir(tmp_path))
    head = {
        "generate": ["generate", "a ball"],
        "extend": ["extend", str(source), "more"],
        "retake": ["retake", str(source), "a glass", "--start", "0.1", "--end", "0.3"],
    }[command]
    for target, message in destinations(tmp_path, existing):
        code, err = run_cli([*head, "-o", target], capsys)
        assert code == 2 and message in err, (target, err)
        assert err.count("\n") == 1 and "Traceback" not in err
    assert existing.read_bytes() == b"precious"
    assert sorted(os.listdir(tmp_path)) == sorted([*before, "blocker"])


def test_run_refuses_an_output_dir_that_is_a_file_and_takes_any_folder_name(tmp_path, capsys):
    workflow = Path(__file__).parents[2] / "workflows" / "api" / "text-to-video-with-sound.api.json"
    blocker = tmp_path / "out.v1"
    blocker.write_bytes(b"")
    code, err = run_cli(["run", str(workflow), "--output-dir", str(blocker)], capsys)
    assert code == 2 and "is an existing file; give a folder path" in err
    code, err = run_cli(["run", str(workflow), "--set", "4.seed=abc", "--output-dir", str(tmp_path)], capsys)
    assert code == 2 and "input 'seed' holds a whole number" in err and "node 4 (" in err


@pytest.mark.parametrize(
    ("value", "message"), [("abc", "got 'abc'"), ("true", "got 'true'"), ("1.5", "got '1.5'")]
)
def test_set_names_the_node_the_input_and_its_kind(value, message):
    from talkies.cli.run_workflow import apply_settings

    prompt = {"4": {"class_type": "TalkiesSampler", "inputs": {"seed": 3, "cfg": 2.5}}}
    with pytest.raises(
        ValueError, match=rf"node 4 \(TalkiesSampler\) input 'seed' holds a whole number.*{message}"
    ):
        apply_settings(prompt, [f"4.seed={value}"])
    with pytest.raises(ValueError, match="input 'cfg' holds a number"):
        apply_settings(prompt, ["4.cfg=Infinity"])
    assert apply_settings(prompt, ["4.cfg=3"])["4"]["inputs"]["cfg"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seconds", "inf"], "finite"),
        (["--seconds", "nan"], "finite"),
        (["--fps", "0"], "fps must be from 1 to 240"),
        (["--fps", "0.001"], "fps must be from 1 to 240"),
        (["--frames", "1", "--fps", "240"], "the shortest clip at this frame rate is 9 frames"),
        (["--seed", str(2**70)], "seed must be a whole number from 0 to 9223372036854775807"),
        (["--seed", "-1"], "seed must be a whole number from 0"),
        (["--device", "nowhere"], "is not a device name"),
        (["--loudness", "-20"], "loudness must be one of -14, -16, -23 LUFS or off"),
    ],
)
def test_out_of_range_values_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    target = tmp_path / "x.mp4"
    ckpt = str(shared_tiny_checkpoint())
    code, err = run_cli(["generate", "a ball", "--model", ckpt, *args, "-o", str(target)], capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert not target.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_a_gpu_this_machine_lacks_is_refused(tmp_path, capsys):
    code, err = run_cli(["generate", "a ball", "--device", "cuda", "-o", str(tmp_path / "x.mp4")], capsys)
    assert code == 2 and "no CUDA GPU is available here; use cpu" in err


def test_a_talkies_checkpoint_without_its_config_says_so(tmp_path, capsys):
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    source = shared_tiny_checkpoint()
    with safe_open(str(source), "pt") as f:
        metadata = {k: v for k, v in f.metadata().items() if k != "config"}
    stripped = tmp_path / "stripped.safetensors"
    save_file(load_file(str(source)), str(stripped), metadata=metadata)
    code, err = run_cli(
        ["generate", "a ball", "--model", str(stripped), "-o", str(tmp_path / "x.mp4")], capsys
    )
    assert code == 2 and "without its 'config' metadata" in err


def test_the_shortest_clips_are_made_with_their_sound(tmp_path, capsys):
    ckpt = str(shared_tiny_checkpoint())
    for args in (["--seconds", "0.01"], ["--seconds", "1e-300"], ["--frames", "1"]):
        target = tmp_path / f"short{len(os.listdir(tmp_path))}.mp4"
        code, err = run_cli(["generate", "a ball", "--model", ckpt, *args, "-o", str(target)], capsys)
        assert code == 0, err
        info = probe_clip(target)
        assert info.first("video").frames == 1 and info.first("audio").samples == 48000 // 24
        assert "note: the sound is shorter than 0.4 s" in err


def test_extend_needs_picture_and_eval_says_what_it_measures(tmp_path, capsys):
    import av
    import numpy as np

    wav = tmp_path / "sound.wav"
    with av.open(str(wav), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=48000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 48000), np.int16), format="s16", layout="mono")
        frame.sample_rate = 48000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    code, err = run_cli(["extend", str(wav), "more", "-o", str(tmp_path / "x.mp4")], capsys)
    assert code == 2 and "has no picture" in err
    code, err = run_cli(["eval", str(wav)], capsys)
    assert code == 2 and "has no picture" in err
    picture = tmp_path / "still.mp4"
    from PIL import Image

    Image.new("RGB", (32, 32)).save(picture, format="PNG")
    code, err = run_cli(["eval", str(picture)], capsys)
    assert code == 2 and "is a still image" in err
    code, err = run_cli(["extend", str(tmp_path / "x.mp4"), "more", "--overlap", "-1"], capsys)
    assert code == 2


# The property test: whatever a user types into generate's options, the command either makes
# the clip or exits 2 with one line; it never shows a traceback, never leaves a file behind on
# failure and never touches an existing file.
ODD = st.one_of(
    st.sampled_from(
        ["0", "-1", "inf", "-inf", "nan", "1e308", "1e-300", "2**70", "", " ", "abc", "true", "0x10"]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
)


def typed(cheap: list[str]) -> st.SearchStrategy[str]:
    """What a user might type: odd values of every kind, or one of the cheap valid ones (valid
    values that cost minutes, such as a 5000-pixel or a 600 s clip, are left out: they work)."""
    return st.one_of(ODD, st.sampled_from(cheap))


def bounded(strategy: st.SearchStrategy[str], most: float) -> st.SearchStrategy[str]:
    """Odd values, except numbers that would make a valid but expensive clip."""

    def cheap_or_invalid(text: str) -> bool:
        try:
            value = float(text)
        except ValueError:
            return True
        return not (1 < abs(value) < 1e300) or abs(value) <= most

    return strategy.filter(cheap_or_invalid)


OPTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("--seconds"), bounded(typed(["0.01", "0.3"]), 0.4)),
        st.tuples(st.just("--frames"), bounded(typed(["1", "9"]), 9)),
        st.tuples(st.just("--fps"), typed(["24", "23.976", "240"])),
        st.tuples(st.just("--seed"), typed(["0", "7", str(2**63 - 1)])),
        st.tuples(st.just("--steps"), bounded(typed(["1", "2"]), 2)),
        st.tuples(st.sampled_from(["--width", "--height"]), bounded(typed(["32", "64"]), 64)),
        st.tuples(st.just("--loudness"), typed(["-14", "-16", "-23", "off"])),
        st.tuples(st.sampled_from(["--video-cfg", "--audio-cfg"]), typed(["1", "3.5"])),
        st.tuples(st.just("--device"), typed(["cpu", "cuda:7", "meta"])),
        st.tuples(st.just("--dtype"), typed(["auto", "fp32", "int8"])),
    ),
    max_size=3,
)
OUTPUTS = st.sampled_from(["new.mp4", "mine.mp4", "folder/", "name", "x.mov", "mine.mp4/x.mp4", "../up.mp4"])


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(options=OPTIONS, output=OUTPUTS)
def test_any_typed_option_works_or_exits_2_with_one_line(capsys, options, output):
    with tempfile.TemporaryDirectory() as root:
        work = Path(root) / "work"
        work.mkdir()
        (work / "mine.mp4").write_bytes(b"precious")
        argv = ["generate", "a ball", "--model", str(shared_tiny_checkpoint()), "--steps", "1"]
        for name, value in options:
            argv += [f"{name}={value}"]
        if not any(name in ("--seconds", "--frames") for name, _ in options):
            argv += ["--frames", "1"]
        argv += ["-o", str(work / output)]
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse's own refusals
            code = stop.code
        err = capsys.readouterr().err
        assert code in (0, 2), err
        assert "Traceback" not in err
        assert (work / "mine.mp4").read_bytes() == b"precious"
        made = sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())
        if code == 2:
            assert made == ["work/mine.mp4"], (argv, err)
        else:
            assert len(made) == 2 and not any(".part" in name for name in made), made
            assert all(json.loads(json.dumps(name)) for name in made)


@pytest.mark.parametrize("prefix", ["/abs/path/clip", "../outside", "talkies/../../x"])
def test_run_refuses_a_prefix_leaving_the_output_folder_before_anything_runs(tmp_path, capsys, prefix):
    workflow = Path(__file__).parents[2] / "workflows" / "api" / "text-to-video-with-sound.api.json"
    out = tmp_path / "out.v2"
    code, err = run_cli(
        [
            "run",
            str(workflow),
            "--set",
            f"TalkiesSaveClip.filename_prefix={prefix}",
            "--output-dir",
            str(out),
        ],
        capsys,
    )
    assert code == 2 and "must be a relative name" in err and "running node" not in err
    assert list(tmp_path.rglob("*")) == []


def test_eval_measures_nothing_it_cannot(tmp_path, capsys):
    mute = write_clip(tmp_path / "mute.mp4", moving_frames(25), 25)
    code, err = run_cli(["eval", str(mute)], capsys)
    assert code == 2 and "has no sound; eval measures picture and sound together" in err
    silent = write_clip(tmp_path / "silent.mp4", moving_frames(25), 25, audio(torch.zeros(2, 48000), 48000))
    assert main(["eval", str(silent), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["audio"]["ambience"] is None and result["audio"]["manner"] is None  # not "room"
    assert result["delivery"]["loudness_lufs"] is None


def test_a_command_that_runs_as_one_process_is_refused_under_torchrun(monkeypatch, capsys, tmp_path):
    from talkies.__main__ import main

    for name, value in {"WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "1"}.items():
        monkeypatch.setenv(name, value)
    assert main(["extend", str(tmp_path / "clip.mp4"), "more", "-o", str(tmp_path / "out.mp4")]) == 2
    assert "`extend` runs as one process; only generate runs under torchrun" in capsys.readouterr().err
    assert not (tmp_path / "out.mp4").exists()
