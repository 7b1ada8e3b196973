"""The Load Model node offers Gemma 3 folders and LTX-2.5's single Gemma 4 file from text_encoders."""

from __future__ import annotations

import shutil
from pathlib import Path

from talkies.nodes import host, model_handle

GEMMA4 = Path(__file__).resolve().parents[1] / "data" / "ltx25" / "text.gemma4.safetensors"


def test_folders_and_gemma4_files_are_offered(tmp_path, monkeypatch):
    (tmp_path / "gemma-3-12b").mkdir()
    (tmp_path / "gemma-3-12b" / "config.json").write_text("{}")
    shutil.copy(GEMMA4, tmp_path / "gemma4-12b-with-proj-ltx-2.5-bf16.safetensors")
    (tmp_path / "not-an-encoder.safetensors").write_bytes(b"junk")
    monkeypatch.setattr(host, "model_folders", lambda kind: [tmp_path] if kind == "text_encoders" else [])
    choices = model_handle.text_encoder_choices()
    assert choices[1:] == ["gemma-3-12b", "gemma4-12b-with-proj-ltx-2.5-bf16.safetensors"]
    assert model_handle.text_encoder_folder(choices[2]) == tmp_path / choices[2]
