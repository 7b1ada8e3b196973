"""The guidance sweep samples each row as it says and writes the comparison table."""

import json
from pathlib import Path

import pytest

from talkies.model.pipeline.defaults import defaults_for
from talkies.model.pipeline.load import TalkiesModel
from talkies.training import guidance_sweep as sweep
from talkies.training.evaluate import held_out_cases

from tiny_checkpoint import shared_tiny_checkpoint


def test_rows_parse_into_checkpoint_guidance_and_steps():
    names = {"now": Path("a"), "before": Path("b")}
    assert sweep.parse_row("now:default", names) == sweep.Row("now")
    assert sweep.parse_row("before:off", names) == sweep.Row("before", (1.0, 1.0))
    assert sweep.parse_row("now:2/3.5@32", names) == sweep.Row("now", (2.0, 3.5), 32)
    assert sweep.Row("now", (2.0, 3.0), 32).label == "now, 2 / 3, 32 steps"
    assert sweep.Row("now", (1.0, 1.0)).label == "now, off (CFG only)"
    with pytest.raises(ValueError, match="the checkpoints are now, before"):
        sweep.parse_row("later:2/2", names)
    with pytest.raises(ValueError, match="CHECKPOINT:PICTURE/SOUND"):
        sweep.parse_row("now:2", names)


def test_a_row_keeps_the_checkpoints_cfg_and_sets_only_what_it_names():
    model = TalkiesModel(shared_tiny_checkpoint())
    d = defaults_for(model)
    assert sweep.row_options(sweep.Row("now"), model) == {}
    options = sweep.row_options(sweep.Row("now", (2.0, 3.0), 4), model)
    assert options["steps"] == 4
    assert (options["video_guidance"].modality, options["audio_guidance"].modality) == (2.0, 3.0)
    assert (options["video_guidance"].cfg, options["audio_guidance"].cfg) == (d.video.cfg, d.audio.cfg)


def test_the_sweep_generates_every_scored_prompt_per_row_and_writes_the_table(tmp_path, monkeypatch, capsys):
    calls = []
    real = sweep.score_generation

    def watched(model, case, seed, **options):
        calls.append((case.seed, options))
        return real(model, case, seed, **options)

    monkeypatch.setattr(sweep, "score_generation", watched)
    ckpt = shared_tiny_checkpoint()
    out = tmp_path / "sweep"
    argv = ["--checkpoint", f"tiny={ckpt}", "--row", "tiny:default", "--row", "tiny:2/3@2", "--prompts", "3"]
    assert sweep.main([*argv, "--out", str(out)]) == 0
    scored = [c.seed for c in held_out_cases(3) if c.kind in sweep.SCORED_KINDS]
    assert scored and [s for s, _ in calls] == scored * 2
    assert all(o == {} for _, o in calls[: len(scored)])
    assert all(o["audio_guidance"].modality == 3.0 and o["steps"] == 2 for _, o in calls[len(scored) :])
    rows = json.loads((out / "sweep.json").read_text())["rows"]
    assert [r["row"] for r in rows] == ["tiny, its default", "tiny, 2 / 3, 2 steps"]
    assert all(r["clips"] == len(scored) for r in rows)
    table = (out / "sweep.md").read_text().splitlines()
    assert len(table) == 4 and table[3].startswith("| tiny, 2 / 3, 2 steps | ")
    assert f"of {rows[1]['impact_contacts']} |" in table[3]
    assert "wrote" in capsys.readouterr().out


def test_bad_arguments_say_how_to_fix_them_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "sweep"
    ckpt = shared_tiny_checkpoint()
    assert sweep.main(["--checkpoint", f"tiny={ckpt}", "--row", "tiny:loud", "--out", str(out)]) == 2
    assert "is not CHECKPOINT:default" in capsys.readouterr().err
    assert sweep.main(["--checkpoint", f"tiny={tmp_path / 'none.safetensors'}", "--out", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert sweep.main(["--checkpoint", str(ckpt), "--out", str(out)]) == 2
    assert "must be NAME=PATH" in capsys.readouterr().err
    assert not out.exists()
