"""The README's prompt-to-MP4 lines, run as written on a tiny but complete LTX-2.5 model.

The model (tests/support/tiny_split.py) is the reference-made 2.5 transformer with the connectors of
the committed 2.5 text side, tiny LTX-2.3-layout VAEs, audio VAE and vocoder, written as one single
file and as split component files; its text encoder is the committed tiny Gemma 4 file with LTX's
projection. Only the sizes, the step count and the paths in the README's lines are swapped for small
ones. Then one clip of that model is extended, whose window does not start at the clip's first frame.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from tiny_split import LTX25_GEMMA4, write_single_file, write_split_files

from talkies.model.media.audio_conform import samples_for_frames
from talkies.model.pipeline.decode import decode_audio, decode_video
from talkies.model.pipeline.extend import extend_latent
from talkies.model.pipeline.sampling_options import SamplingOptions
from talkies.model.pipeline.save import probe_clip
from talkies.model.pipeline.text_encode import encode_prompts
from talkies.model.sampling.guidance import Guidance

README = Path(__file__).resolve().parents[2] / "README.md"
FRAMES, FPS, RATE = 9, Fraction(24), 48000
README_SIZES = "width=768, height=512, frames=121, steps=30"
TINY_SIZES = f"width=64, height=64, frames={FRAMES}, steps=2, seed=3"


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _readme_clip_block() -> str:
    text = README.read_text()
    section = text[text.index("## Python API") : text.index("## The built-in model")]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    (block,) = [b for b in blocks if "write_clip(" in b]
    return block


def _swap(code: str, old: str, new: str) -> str:
    assert old in code, f"the README's lines no longer hold {old!r}"
    return code.replace(old, new)


def _run_readme(tmp_path: Path, checkpoint: Path, **components: Path) -> dict:
    code = _readme_clip_block()
    code = _swap(code, '"ltx-2.5-22b-dev.safetensors"', repr(str(checkpoint)))
    code = _swap(code, '"gemma4-12b-with-proj-ltx-2.5-bf16.safetensors"', repr(str(LTX25_GEMMA4)))
    code = _swap(code, README_SIZES, TINY_SIZES)
    code = _swap(code, '"clip.mp4"', repr(str(tmp_path / "clip.mp4")))
    if components:
        extra = "".join(f", {k}={str(v)!r}" for k, v in components.items())
        code = _swap(code, "text_encoder=TEXT_ENCODER)", f"text_encoder=TEXT_ENCODER{extra})")
    scope: dict = {}
    exec(compile(code, "README prompt to MP4", "exec"), scope)
    return scope


def _check_mp4(scope: dict) -> None:
    model, path = scope["model"], Path(scope["path"])
    assert model.generation == "2.5"
    assert model.text_encoder.leading_bos and model.text_encoder.max_tokens == 1024
    info = probe_clip(path)
    video, audio = info.first("video"), info.first("audio")
    assert (video.frames, video.width, video.height, video.fps) == (FRAMES, 64, 64, FPS)
    assert (audio.sample_rate, audio.channels) == (RATE, 2)
    assert audio.samples == samples_for_frames(FRAMES, FPS, RATE) == 18000
    assert scope["clip"].images.std() > 0 and scope["clip"].audio.samples.abs().max() > 0


@pytest.fixture(scope="module")
def single_file_run(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("ltx25-e2e")
    return _run_readme(folder, write_single_file(folder, "2.5"))


def test_readme_lines_make_an_mp4_from_a_single_2_5_file(single_file_run):
    _check_mp4(single_file_run)


def test_readme_lines_make_the_same_clip_from_split_2_5_files(tmp_path, single_file_run):
    files = write_split_files(tmp_path, "2.5")
    scope = _run_readme(tmp_path, files.pop("path"), **files)
    _check_mp4(scope)
    assert set(scope["model"].files.paths()) == {"video_vae", "audio_vae"}
    assert torch.equal(scope["clip"].latent.video, single_file_run["clip"].latent.video)
    assert torch.equal(scope["clip"].latent.audio, single_file_run["clip"].latent.audio)


def test_a_2_5_clip_extends_past_its_first_frame(single_file_run):
    """The extension's window starts mid-clip: none of its tokens is a first frame, and the 2.5
    transformer (which refuses a stream without first-frame marks) is told so."""
    model, clip = single_file_run["model"], single_file_run["clip"]
    pos, neg = encode_prompts(model, "The ball rolls away.", "")
    longer = extend_latent(
        model,
        clip.latent,
        pos,
        neg,
        seconds=0.34,
        overlap=1,
        options=SamplingOptions(steps=1, video_guidance=Guidance(), audio_guidance=Guidance()),
    )
    assert longer.pixel_frames == FRAMES + 8
    assert torch.equal(longer.video[:, :, :1], clip.latent.video[:, :, :1])
    assert decode_video(model, longer).shape[0] == FRAMES + 8
    assert decode_audio(model, longer).num_samples == samples_for_frames(FRAMES + 8, FPS, RATE)


def test_a_2_5_model_generates_with_the_reference_pipelines_2_4_and_later_defaults(single_file_run):
    """30 steps and STG on block 28 as for 2.3; a conditioning image re-compressed at CRF 18."""
    from talkies.model.pipeline.defaults import LTX23_DEFAULTS, defaults_for

    d = defaults_for(single_file_run["model"])
    assert (d.steps, d.video.stg_blocks, d.audio.stg_blocks) == (30, (28,), (28,))
    assert d.image_crf == 18 and LTX23_DEFAULTS.image_crf == 33
