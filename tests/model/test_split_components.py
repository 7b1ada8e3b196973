"""LTX-2 models load as published: one single file, or a transformer file plus component files.

The same weights written both ways (tests/support/tiny_split.py; for LTX-2.5 the reference-made
transformer from ltx-core 1.2.0) load through TalkiesModel untouched and compute the same
transformer prediction, video decode and audio decode, bit for bit.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch
from tiny_split import LATENT_CHANNELS, write_single_file, write_split_files

from talkies.model import predict_velocity
from talkies.model.audio_vae.codec import decode_audio
from talkies.model.loading.quant import quantize_fp8
from talkies.model.loading.safetensors_file import SafetensorsFile, write_safetensors
from talkies.model.pipeline.load import TalkiesModel

FPS = 24.0
LAYOUTS = {
    "2.3": {},
    "2.3-bare-transformer-vae-prefixed": {"bare_transformer": True, "vae_prefix": "vae."},
    "2.5": {},
}


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _inputs(seed: int = 5) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {
        "video": torch.randn(1, LATENT_CHANNELS, 2, 2, 2, generator=g),
        "audio": torch.randn(1, 1, 13, 16, generator=g),
        "video_context": torch.randn(1, 5, 32, generator=g),
        "audio_context": torch.randn(1, 5, 16, generator=g),
    }


def _outputs(model: TalkiesModel) -> dict[str, torch.Tensor]:
    x = _inputs()
    with torch.inference_mode():
        video, audio = predict_velocity(
            model.transformer,
            x["video"],
            x["audio"],
            0.6,
            video_context=x["video_context"],
            audio_context=x["audio_context"],
            fps=FPS,
            compression=model.video_compression,
        )
        frames = model.video_decoder.decode_images(x["video"])
        sound = decode_audio(x["audio"], model.audio_decoder, model.vocoder)
    return {"velocity.video": video, "velocity.audio": audio, "frames": frames, "sound": sound.samples}


def _split_model(files: dict[str, Path]) -> TalkiesModel:
    return TalkiesModel(files["path"], **{k: v for k, v in files.items() if k != "path"}, dtype="fp32")


@pytest.fixture(scope="module", params=list(LAYOUTS))
def both_ways(request, tmp_path_factory):
    generation = request.param.split("-")[0]
    folder = tmp_path_factory.mktemp(request.param)
    single = TalkiesModel(write_single_file(folder, generation), dtype="fp32")
    split = _split_model(write_split_files(folder / "split", generation, **LAYOUTS[request.param]))
    return generation, single, split


def test_single_file_and_split_files_compute_the_same(both_ways):
    generation, single, split = both_ways
    assert single.generation == split.generation == generation
    assert split.video_compression == single.video_compression
    assert split.audio_latent_shape == single.audio_latent_shape
    got, want = _outputs(split), _outputs(single)
    for name, value in want.items():
        assert value.abs().max() > 0, name
        assert torch.equal(got[name], value), name
    assert single.vocoder.sample_rate == split.vocoder.sample_rate == 48000


def test_2_3_text_projection_from_its_own_file(both_ways):
    generation, single, split = both_ways
    if generation != "2.3":
        pytest.skip("LTX-2.5's projection lives in its Gemma 4 file (tests/parity/test_ltx25_text_parity.py)")
    want, got = single.conditioner.state_dict(), split.conditioner.state_dict()
    assert want.keys() == got.keys()
    assert all(torch.equal(want[k], got[k]) for k in want)


def test_other_weights_give_other_outputs(tmp_path):
    """The comparison above can fail: a VAE file from another seed decodes differently."""
    files = write_split_files(tmp_path / "a", "2.5")
    other = write_split_files(tmp_path / "b", "2.5", seed=1)
    mine = _outputs(_split_model(files))
    swapped = _outputs(
        _split_model({**files, "video_vae": other["video_vae"], "audio_vae": other["audio_vae"]})
    )
    assert torch.equal(mine["velocity.video"], swapped["velocity.video"])
    assert not torch.equal(mine["frames"], swapped["frames"])
    assert not torch.equal(mine["sound"], swapped["sound"])


@pytest.fixture(scope="module")
def split_23(tmp_path_factory) -> dict[str, Path]:
    return write_split_files(tmp_path_factory.mktemp("split23"), "2.3")


@pytest.mark.parametrize(
    ("leave_out", "part", "folder"),
    [
        ("video_vae", "video_decoder", "models/vae"),
        ("audio_vae", "audio_decoder", "models/vae"),
        ("audio_vae", "vocoder", "models/vae"),
        ("text_projection", "conditioner", "models/text_encoders"),
    ],
)
def test_a_missing_part_names_its_folder(split_23, leave_out, part, folder):
    model = _split_model({k: v for k, v in split_23.items() if k != leave_out})
    with pytest.raises(FileNotFoundError) as exc:
        getattr(model, part)
    message = str(exc.value)
    assert "transformer-only" in message and folder in message and f"'{leave_out}'" in message


def test_a_component_file_of_the_wrong_kind_is_refused(split_23):
    with pytest.raises(ValueError, match="was given as the video VAE but holds none"):
        _split_model({**split_23, "video_vae": split_23["audio_vae"]})


def _edited_copy(source: Path, path: Path, edit) -> Path:
    """``source``'s tensors and metadata, changed by ``edit(tensors, metadata)``."""
    with SafetensorsFile(source) as f:
        tensors = {k: f.read(k) for k in f.tensors}
        metadata = dict(f.metadata)
    edit(tensors, metadata)
    return write_safetensors(path, tensors, metadata)


LINEAR = "model.diffusion_model.transformer_blocks.0.attn1.to_q"


def _comfy_marker(fmt: str):
    def edit(tensors, metadata):
        tensors[LINEAR + ".comfy_quant"] = torch.tensor(
            list(json.dumps({"format": fmt}).encode()), dtype=torch.uint8
        )

    return edit


def _metadata_marker(tensors, metadata):
    metadata["_quantization_metadata"] = json.dumps({"layers": {LINEAR: {"format": "mxfp8"}}})


def _bitsandbytes(tensors, metadata):
    tensors[LINEAR + ".weight.quant_state.bitsandbytes__nf4"] = torch.zeros(4, dtype=torch.uint8)


def _int8(tensors, metadata):
    w = tensors[LINEAR + ".weight"]
    tensors[LINEAR + ".weight"] = torch.zeros(w.shape, dtype=torch.int8)
    tensors[LINEAR + ".weight_scale"] = torch.ones(())


def _block_fp8(tensors, metadata):
    w = tensors[LINEAR + ".weight"]
    tensors[LINEAR + ".weight"] = w.to(torch.float8_e4m3fn)
    tensors[LINEAR + ".weight_scale"] = torch.ones(w.shape[0], 1)


def _nvfp4(tensors, metadata):
    w = tensors[LINEAR + ".weight"]
    tensors[LINEAR + ".weight"] = torch.zeros(w.shape[0], w.shape[1] // 2, dtype=torch.uint8)
    tensors[LINEAR + ".weight_scale"] = torch.ones(w.shape[0], w.shape[1] // 16).to(torch.float8_e4m3fn)
    tensors[LINEAR + ".weight_scale_2"] = torch.ones(())


@pytest.mark.parametrize(
    ("edit", "name"),
    [
        (_comfy_marker("nvfp4"), "ComfyUI 'nvfp4'"),
        (_comfy_marker("int8_tensorwise"), "ComfyUI 'int8_tensorwise'"),
        (_metadata_marker, "ComfyUI 'mxfp8'"),
        (_bitsandbytes, "bitsandbytes nf4"),
        (_int8, "int8 weights"),
        (_block_fp8, "fp8 with block scales"),
        (_nvfp4, "nvfp4"),
    ],
    ids=["comfy-nvfp4", "comfy-int8", "metadata-mxfp8", "bnb-nf4", "int8", "block-fp8", "nvfp4"],
)
def test_an_unimplemented_quantisation_is_refused_by_name(split_23, tmp_path, edit, name):
    path = _edited_copy(split_23["path"], tmp_path / "quantised.safetensors", edit)
    with pytest.raises(ValueError, match="Talkies does not implement") as exc:
        TalkiesModel(path)
    assert name in str(exc.value)


def _raw_file(path: Path, head: bytes) -> Path:
    path.write_bytes(head)
    return path


def test_gguf_and_unknown_dtypes_are_refused_by_name(tmp_path):
    gguf = _raw_file(tmp_path / "ltx-2.3-Q4_K_M.gguf", b"GGUF" + b"\0" * 60)
    with pytest.raises(ValueError, match="GGUF"):
        TalkiesModel(gguf)
    header = json.dumps(
        {"w.weight_scale": {"dtype": "F8_E8M0", "shape": [4], "data_offsets": [0, 4]}}
    ).encode()
    e8m0 = _raw_file(tmp_path / "mx.safetensors", struct.pack("<Q", len(header)) + header + b"\0" * 4)
    with pytest.raises(ValueError, match=r"mxfp8 .*Talkies does not implement"):
        TalkiesModel(e8m0)


def test_per_tensor_fp8_with_comfy_markers_loads(split_23, tmp_path):
    """fp8 e4m3 scaled per tensor is what Talkies computes with, ComfyUI's markers included."""

    def to_fp8(tensors, metadata):
        for key in [k for k in tensors if ".transformer_blocks." in k and k.endswith(".weight")]:
            if tensors[key].ndim == 2:
                tensors[key], tensors[key + "_scale"] = quantize_fp8(tensors[key])
                _comfy_marker("float8_e4m3fn")(tensors, metadata)

    path = _edited_copy(split_23["path"], tmp_path / "fp8.safetensors", to_fp8)
    fp8 = _outputs(_split_model({**split_23, "path": path}))
    plain = _outputs(_split_model(split_23))
    diff = (fp8["velocity.video"] - plain["velocity.video"]).abs().max()
    assert 0 < diff < 0.1 * plain["velocity.video"].abs().max()


def test_a_diffusion_video_decoder_is_refused_by_name(split_23, tmp_path):
    def diffusion_vae(tensors, metadata):
        config = json.loads(metadata["config"])
        config["vae"]["_class_name"] = "DiffusionVideoAutoencoder"
        metadata["config"] = json.dumps(config)

    path = _edited_copy(split_23["video_vae"], tmp_path / "diffusion-vae.safetensors", diffusion_vae)
    model = _split_model({**split_23, "video_vae": path})
    with pytest.raises(ValueError, match="DiffusionVideoAutoencoder video VAE"):
        _ = model.video_decoder
