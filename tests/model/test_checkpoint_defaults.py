"""A checkpoint's own ``talkies`` section sets what it generates with, guidance per stream included,
and the command line overrides each scale on its own."""

import argparse
from types import SimpleNamespace

from talkies.cli.model_options import add_model_arguments, guidance
from talkies.model.pipeline.defaults import LTX20_DEFAULTS, defaults_for
from talkies.model.sampling.guidance import Guidance


def _model(section: dict, generation: str = "2.0"):
    return SimpleNamespace(defaults=section, generation=generation)


def test_the_talkies_section_names_cfg_and_modality_per_stream():
    d = defaults_for(_model({"steps": 12, "video_cfg": 3.0, "audio_cfg": 4.0, "audio_modality": 2.0}))
    assert d.steps == 12
    assert d.video == Guidance(cfg=3.0) and d.audio == Guidance(cfg=4.0, modality=2.0)
    assert d.video.uses_isolated is False and d.audio.uses_isolated


def test_an_ltx2_file_without_the_section_takes_the_reference_pipelines_values():
    assert defaults_for(_model({})) == LTX20_DEFAULTS


def test_the_command_line_overrides_one_scale_and_keeps_the_rest():
    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    model = _model({"video_cfg": 3.0, "audio_cfg": 3.0, "video_modality": 2.0, "audio_modality": 2.0})
    video, audio = guidance(model, parser.parse_args([]))
    assert video == audio == Guidance(cfg=3.0, modality=2.0)
    video, audio = guidance(model, parser.parse_args(["--audio-modality", "1", "--video-cfg", "5"]))
    assert video == Guidance(cfg=5.0, modality=2.0) and audio == Guidance(cfg=3.0, modality=1.0)
