"""Every node's execute on a tiny random checkpoint, without ComfyUI (the standalone host)."""

import json
from fractions import Fraction

import pytest
import torch

from talkies.model.loading.builtin import BUILTIN_CHECKPOINT
from talkies.model.media.mp4 import probe_clip, read_clip
from talkies.model.sampling.guidance import Guidance
from talkies.nodes import host, model_handle
from talkies.nodes.decode import TalkiesDecode
from talkies.nodes.empty_clip import TalkiesEmptyClip
from talkies.nodes.guidance import GuidanceChoice, TalkiesGuidance, resolve_guidance
from talkies.nodes.image_conditioning import TalkiesImageConditioning
from talkies.nodes.latent_dict import from_latent_dict
from talkies.nodes.load_model import TalkiesLoadModel
from talkies.nodes.sampler import TalkiesSampler
from talkies.nodes.save_clip import TalkiesSaveClip
from talkies.nodes.standalone import runtime
from talkies.nodes.text_encode import TalkiesTextEncode

from tiny_nodes import encode, load_tiny_model


@pytest.fixture(scope="module")
def models_dir(tiny_models_dir):
    return tiny_models_dir


@pytest.fixture(scope="module")
def model(models_dir):
    return load_tiny_model()


@pytest.fixture(scope="module")
def prompts(model):
    return encode(model)


def _empty(model, **kw):
    args = {"width": 64, "height": 64, "length": 9, "unit": "frames", "fps": 24.0, **kw}
    return TalkiesEmptyClip.execute(model, **args)


def _sample(model, prompts, latent, **kw):
    return TalkiesSampler.execute(
        model, prompts, latent, **{"seed": 1, "steps": 2, "preview": False, **kw}
    ).args[0]


# ---------------------------------------------------------------- load


def test_load_lists_the_builtin_first_then_model_files_and_shares_one_model(models_dir, model):
    choices = model_handle.checkpoint_choices()
    assert choices[0] == model_handle.BUILTIN_CHOICE and "tiny.safetensors" in choices
    again = TalkiesLoadModel.execute("tiny.safetensors", "from checkpoint", "auto", "cpu").args[0]
    assert again is model
    other = TalkiesLoadModel.execute("tiny.safetensors", "from checkpoint", "fp32", "cpu").args[0]
    assert other is not model


def test_load_validation_names_missing_files_and_where_to_put_them(models_dir):
    assert TalkiesLoadModel.validate_inputs("tiny.safetensors") is True
    message = TalkiesLoadModel.validate_inputs("nowhere.safetensors")
    assert "'nowhere.safetensors' was not found" in message and "models/talkies" in message
    builtin = TalkiesLoadModel.validate_inputs(model_handle.BUILTIN_CHOICE)
    if BUILTIN_CHECKPOINT.is_file():
        assert builtin is True
    else:
        assert "built-in model is missing" in builtin
    missing = "text encoder .gemma-3. was not found; put the unpacked folder .*under models/text_encoders"
    with pytest.raises(FileNotFoundError, match=missing):
        TalkiesLoadModel.execute("tiny.safetensors", "gemma-3", "auto", "cpu")


# ---------------------------------------------------------------- text


def test_text_encode_composes_the_sound_fields_and_encodes_both_prompts(model):
    out = TalkiesTextEncode.execute(
        model,
        "A face in a quiet room",
        negative="blurry",
        dialogue="The face (sings): la la",
        music="a melody",
        music_level="soft",
    )
    encoded, text = out.args
    assert text == 'A face in a quiet room. The face sings: "la la" Gentle music: a melody.'
    assert encoded.text == text and encoded.negative_text == "blurry"
    plain = TalkiesTextEncode.execute(model, "A face in a quiet room").args[0]
    assert encoded.positive.video.shape[0] == 1
    assert not torch.equal(encoded.positive.video, plain.positive.video)
    assert not torch.equal(encoded.negative.video, plain.negative.video)
    assert "dialogue line 1" in TalkiesTextEncode.validate_inputs("just words")
    with pytest.raises(ValueError, match="prompt is empty"):
        TalkiesTextEncode.execute(model, "   ")


# ---------------------------------------------------------------- empty clip


def test_empty_clip_has_the_models_channels_and_sound_as_long_as_the_frames(model):
    out = _empty(model, width=96, height=64, length=17, fps=25.0, batch_size=2)
    assert out.ui is None, "valid sizes need no message"
    clip, fps_known = from_latent_dict(out.args[0], Fraction(1))
    assert fps_known and clip.fps == 25
    assert clip.video.shape == (2, 64, 3, 2, 3)
    assert clip.audio.shape[:2] == (2, 8) and clip.audio.shape[2] == 17  # 17/25 s at 25 latents per second


def test_empty_clip_snaps_sizes_and_seconds_and_says_so(model):
    out = _empty(model, width=100, height=70, length=2.0, unit="seconds", fps=23.976)
    clip, _ = from_latent_dict(out.args[0], Fraction(1))
    assert clip.pixel_size == (96, 64) and clip.pixel_frames == 49 and clip.fps == Fraction(24000, 1001)
    message = out.ui["text"][0]
    assert "100×70 → 96×64" in message and "→ 49 frames" in message
    assert _empty(model, length=49, unit="frames", fps=24.0).ui is None
    with pytest.raises(ValueError, match="unit must be"):
        _empty(model, unit="minutes")


# ---------------------------------------------------------------- image conditioning


def test_first_frame_image_is_encoded_into_frame_zero_and_kept(model, prompts):
    latent = _empty(model).args[0]
    image = torch.rand(1, 40, 90, 3)
    out = TalkiesImageConditioning.execute(model, latent, image, frame=0, strength=1.0).args[0]
    clip, _ = from_latent_dict(out, Fraction(1))
    assert clip.video_mask.shape == (1, 1, 2, 2, 2)
    assert float(clip.video_mask[:, :, 0].max()) == 0.0 and float(clip.video_mask[:, :, 1].min()) == 1.0
    assert clip.video[:, :, 0].abs().sum() > 0 and float(clip.video[:, :, 1].abs().sum()) == 0.0
    sampled = from_latent_dict(_sample(model, prompts, out), Fraction(1))[0]
    assert torch.allclose(sampled.video[:, :, 0], clip.video[:, :, 0], atol=1e-5), "frame 0 stays the image"


def test_later_frames_become_guiding_keyframes_and_bad_frames_are_refused(model):
    latent = _empty(model).args[0]
    out = TalkiesImageConditioning.execute(model, latent, torch.rand(2, 64, 64, 3), frame=8, strength=0.5)
    clip, _ = from_latent_dict(out.args[0], Fraction(1))
    assert (
        len(clip.keyframes) == 1 and clip.keyframes[0].pixel_frame == 8 and clip.keyframes[0].strength == 0.5
    )
    assert clip.video_mask is None
    with pytest.raises(ValueError, match="outside the clip"):
        TalkiesImageConditioning.execute(model, latent, torch.rand(1, 64, 64, 3), frame=9)


def test_pictures_placed_by_seconds_and_a_guided_first_frame(model):
    latent = _empty(model, length=17, fps=24.0).args[0]  # 17 frames: 0 to 0.708 s
    picture = torch.rand(1, 64, 64, 3)
    by_time = TalkiesImageConditioning.execute(model, latent, picture, position="seconds", seconds=0.5).args[
        0
    ]
    clip, _ = from_latent_dict(by_time, Fraction(24))
    assert [k.pixel_frame for k in clip.keyframes] == [12]
    first = TalkiesImageConditioning.execute(model, latent, picture, frame=0, guide=True).args[0]
    clip, _ = from_latent_dict(first, Fraction(24))
    assert [k.pixel_frame for k in clip.keyframes] == [0], "a guided first frame is a keyframe"
    assert clip.video_mask is None and float(clip.video.abs().sum()) == 0.0, "the clip itself is untouched"
    with pytest.raises(ValueError, match="outside the clip"):
        TalkiesImageConditioning.execute(model, latent, picture, position="seconds", seconds=0.75)
    with pytest.raises(ValueError, match="position must be one of"):
        TalkiesImageConditioning.execute(model, latent, picture, position="minutes")


# ---------------------------------------------------------------- guidance and sampling


def test_guidance_node_builds_both_streams_and_fills_stg_blocks(model):
    choice = TalkiesGuidance.execute(3.0, 5.0, 1.0, 0.0, "1", 2.0, 1.0, 0.5).args[0]
    assert choice.video == Guidance(cfg=3.0, stg=1.0, stg_blocks=(1,), rescale=0.5, modality=2.0)
    assert choice.audio == Guidance(cfg=5.0, stg=0.0, stg_blocks=(1,), rescale=0.5, modality=1.0)
    assert resolve_guidance(model, choice) == (choice.video, choice.audio)
    no_blocks = GuidanceChoice(Guidance(stg=1.0), Guidance())
    with pytest.raises(ValueError, match="recommends no STG blocks"):
        resolve_guidance(model, no_blocks)
    with pytest.raises(ValueError, match=r"do not exist; this model has blocks 0\.\.1"):
        resolve_guidance(model, GuidanceChoice(Guidance(stg=1.0, stg_blocks=(5,)), Guidance()))
    assert "block numbers" in TalkiesGuidance.validate_inputs("a, b")


def test_sampler_is_seeded_and_follows_prompts_and_guidance(model, prompts):
    latent = _empty(model).args[0]
    first = from_latent_dict(_sample(model, prompts, latent, seed=3), Fraction(1))[0]
    again = from_latent_dict(_sample(model, prompts, latent, seed=3), Fraction(1))[0]
    other = from_latent_dict(_sample(model, prompts, latent, seed=4), Fraction(1))[0]
    assert torch.equal(first.video, again.video) and torch.equal(first.audio, again.audio)
    assert not torch.equal(first.video, other.video)
    guided = TalkiesGuidance.execute(4.0, 4.0, 0.5, 0.5, "0", 2.0, 2.0, 0.0).args[0]
    with_guidance = from_latent_dict(_sample(model, prompts, latent, seed=3, guidance=guided), Fraction(1))[0]
    assert not torch.equal(first.video, with_guidance.video)


def test_sampler_reports_progress_with_preview_pictures_and_reads_sigma_lists(model, prompts):
    seen = []
    listener = lambda node, value, total, picture: seen.append((value, total, picture))  # noqa: E731
    runtime.add_progress_listener(listener)
    try:
        _sample(model, prompts, _empty(model).args[0], sigmas="1.0, 0.8, 0.4, 0", preview=True)
    finally:
        runtime.remove_progress_listener(listener)
    assert [(v, t) for v, t, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert all(
        p is not None and p.shape[-1] == 3 and 0 <= float(p.min()) <= float(p.max()) <= 1 for *_, p in seen
    )
    assert "strictly decrease" in TalkiesSampler.validate_inputs("1, 0.5, 0.7")
    assert TalkiesSampler.validate_inputs("") is True


def test_sampler_stops_within_one_step_when_interrupted(model, prompts):
    steps = []

    def interrupt_after_first(node, value, total, picture):
        steps.append(value)
        runtime.request_interrupt()

    runtime.add_progress_listener(interrupt_after_first)
    try:
        with pytest.raises(runtime.Interrupted):
            _sample(model, prompts, _empty(model).args[0], steps=6)
    finally:
        runtime.remove_progress_listener(interrupt_after_first)
    assert steps == [1]


# ---------------------------------------------------------------- decode and save


@pytest.fixture(scope="module")
def decoded(model, prompts):
    sampled = _sample(model, prompts, _empty(model).args[0])
    return TalkiesDecode.execute(model, sampled, 512, 96, 64, 24).args


def test_decode_gives_frames_and_sound_at_the_vocoders_rate(model, decoded):
    images, audio, fps = decoded
    assert images.shape == (9, 64, 64, 3) and 0 <= float(images.min()) <= float(images.max()) <= 1
    assert fps == 24.0
    rate = model.vocoder.sample_rate
    assert audio["sample_rate"] == rate and audio["waveform"].shape == (1, 1, 9 * rate // 24)
    with pytest.raises(ValueError, match="tile_pixels must be"):
        TalkiesDecode.execute(model, _empty(model).args[0], 16, 0, 64, 24)


def _save(images, audio, fps=24.0, prefix="talkies/clip", loudness="-14 LUFS (ready to post)"):
    node = type(
        "Saver",
        (TalkiesSaveClip,),
        {"hidden": host.io.HiddenHolder("9", {"9": {"x": 1}}, {"workflow": {"n": 2}})},
    )
    return node.execute(images, fps, prefix, loudness, 19, False, audio)


def test_save_writes_a_synced_mp4_with_metadata_and_a_preview_entry(tmp_path, decoded):
    runtime.configure_standalone(output=tmp_path)
    images, audio, fps = decoded
    out = _save(images, audio, fps)
    path = tmp_path / "talkies" / "clip_00001_.mp4"
    info = probe_clip(path)
    video, sound = info.first("video"), info.first("audio")
    assert (video.codec, video.frames, video.fps, video.start_time) == ("h264", 9, 24, 0.0)
    assert (sound.codec, sound.sample_rate, sound.channels, sound.start_time) == ("aac", 48000, 2, 0.0)
    assert sound.samples == 9 * 48000 // 24, "the sound lasts exactly as long as the frames"
    assert json.loads(info.metadata["prompt"]) == {"9": {"x": 1}} and json.loads(
        info.metadata["workflow"]
    ) == {"n": 2}
    assert out.ui["images"] == [{"filename": "clip_00001_.mp4", "subfolder": "talkies", "type": "output"}]
    assert out.ui["animated"] == [True]
    entry = out.ui["talkies_clips"][0]
    assert (entry["frames"], entry["fps"], entry["fps_fraction"], entry["seconds"]) == (
        9,
        24.0,
        "24/1",
        0.375,
    )
    assert (entry["width"], entry["height"], entry["sample_rate"], entry["loudness"]) == (
        64,
        64,
        48000,
        -14.0,
    )
    envelope = entry["envelope"]
    assert envelope["points_per_second"] == 50 and len(envelope["min"]) == len(envelope["max"]) == 19
    assert all(lo <= hi for lo, hi in zip(envelope["min"], envelope["max"], strict=True))
    components = out.args[0].get_components()
    assert components.images.shape == (9, 64, 64, 3) and components.frame_rate == 24
    assert runtime.take_recorded_outputs() == [path]
    _save(images, audio, fps)
    assert (tmp_path / "talkies" / "clip_00002_.mp4").is_file(), "a second save takes the next number"


def test_save_accepts_anyones_image_and_audio_and_splits_audio_batches(tmp_path):
    runtime.configure_standalone(output=tmp_path)
    images = torch.rand(6, 32, 48, 3)
    sound = {"waveform": torch.randn(2, 1, 11025) * 0.1, "sample_rate": 44100}
    out = _save(images, sound, fps=12.0, prefix="pair", loudness="off")
    names = [e["filename"] for e in out.ui["images"]]
    assert names == ["pair_00001_.mp4", "pair_00002_.mp4"]
    for name in names:
        clip = read_clip(tmp_path / name)
        assert clip.frames.shape[0] == 3 and clip.waveform.shape[-1] == 3 * 48000 // 12
    silent = _save(torch.rand(4, 32, 32, 3), None, fps=8.0, prefix="silent")
    assert (
        silent.ui["talkies_clips"][0]["sample_rate"] is None
        and silent.ui["talkies_clips"][0]["envelope"] is None
    )
    with pytest.raises(ValueError, match="do not split into 4 clips"):
        _save(images, {"waveform": torch.zeros(4, 1, 100), "sample_rate": 8000})


def test_save_into_an_unusable_folder_fails_clearly_and_leaves_nothing(tmp_path, decoded):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output folder should be")
    runtime.configure_standalone(output=blocker)
    images, audio, fps = decoded
    with pytest.raises(NotADirectoryError, match="is an existing file"):
        _save(images, audio, fps, prefix="clip")
    runtime.configure_standalone(output=tmp_path)
    with pytest.raises(ValueError, match="without '..'"):
        _save(images, audio, fps, prefix="../escape")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["blocker"]
