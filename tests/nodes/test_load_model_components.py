"""The Load Model node with split releases: what it lists from models/vae and models/text_encoders,
and how "auto" pairs a transformer-only file with its component files."""

from __future__ import annotations

import shutil

import pytest
import torch
from tiny_split import write_single_file, write_split_files

from talkies.nodes import model_handle
from talkies.nodes.load_model import TalkiesLoadModel
from talkies.nodes.standalone import runtime

VIDEO_VAE, AUDIO_VAE, TEXT_PROJECTION = model_handle.COMPONENTS


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    files = write_split_files(root, "2.3")
    write_single_file(root, "2.3")
    runtime.configure_standalone(models=root)
    return root, files


def test_the_node_lists_component_files_by_kind(models):
    _, files = models
    assert model_handle.component_choices(VIDEO_VAE) == ["auto", files["video_vae"].name]
    assert model_handle.component_choices(AUDIO_VAE) == ["auto", files["audio_vae"].name]
    assert model_handle.component_choices(TEXT_PROJECTION) == ["auto", files["text_projection"].name]
    assert files["path"].name in model_handle.checkpoint_choices()
    inputs = [i.id for i in TalkiesLoadModel.define_schema().inputs]
    assert inputs == [
        "ckpt_name", "text_encoder", "dtype", "device", "offload",
        "video_vae", "audio_vae", "text_projection",
    ]  # fmt: skip


def test_auto_pairs_a_transformer_only_file_and_keeps_a_single_files_own(models):
    root, files = models
    split = TalkiesLoadModel.execute(files["path"].name, "from checkpoint", "fp32", "cpu").result[0]
    assert split.files.paths() == {k: v for k, v in files.items() if k != "path"}
    single = TalkiesLoadModel.execute("ltx-2.3-tiny.safetensors", "from checkpoint", "fp32", "cpu").result[0]
    assert single.files.paths() == {}
    assert torch.equal(split.video_decoder.decode_images(torch.ones(1, 16, 1, 2, 2)),
                       single.video_decoder.decode_images(torch.ones(1, 16, 1, 2, 2)))  # fmt: skip


def test_auto_asks_to_pick_when_several_files_fit(models, tmp_path):
    root, files = models
    twin = root / "vae" / "ltx23-other-video-vae.safetensors"
    shutil.copy(files["video_vae"], twin)
    try:
        with pytest.raises(ValueError, match="several video VAE files .* pick one"):
            model_handle.open_model(files["path"].name, "from checkpoint", "fp32", "cpu", "auto")
        chosen = {"video_vae": twin.name}
        model = model_handle.open_model(files["path"].name, "from checkpoint", "fp32", "cpu", "auto", chosen)
        assert model.files.paths()["video_vae"] == twin
    finally:
        twin.unlink()
