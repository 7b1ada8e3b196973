"""``generate --candidates N``: every candidate's seed and scores printed, the best one written,
and a count outside 1 … 16 refused with one line and exit status 2 before any work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import talkies.cli.model_options as model_options
from talkies.__main__ import main
from talkies.model.media.mp4 import probe_clip
from talkies.model.pipeline.best_of import MAX_CANDIDATES
from talkies.model.pipeline.sample import MAX_SEED

from tiny_checkpoint import shared_tiny_checkpoint

LINE = re.compile(
    r"^(kept|    )  seed (\d+): sync (none|[\d.]+) \(AV-Align (none|[\d.]+), lag (none|[+-]\d+) ms"
)


def test_generate_prints_every_candidate_and_writes_the_kept_one(tmp_path, capsys):
    out = tmp_path / "best.mp4"
    args = ["generate", "a red ball bounces", "--model", str(shared_tiny_checkpoint()), "--frames", "9"]
    assert main([*args, "--seed", "4", "--candidates", "3", "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert Path(printed.out.strip()) == out, "stdout is the path alone, as without candidates"
    found = [LINE.match(line) for line in printed.err.splitlines() if LINE.match(line)]
    assert [int(m[2]) for m in found] == [4, 5, 6]
    ranked = [line for line in printed.err.splitlines() if LINE.match(line)]
    assert all("impacts within a frame" in line for line in ranked), "a toy-world model's own figure"
    kept = [m for m in found if m[1] == "kept"]
    assert len(kept) == 1
    scores = {int(m[2]): float(m[3]) for m in found if m[3] != "none"}
    assert float(kept[0][3]) == max(scores.values())
    assert probe_clip(out).metadata["seed"] == kept[0][2], "the file names the seed that remakes it"


@pytest.mark.parametrize("bad", ["0", "-1", str(MAX_CANDIDATES + 1), "two"])
def test_a_bad_candidate_count_is_one_line_and_exit_status_2(bad, tmp_path, capsys, monkeypatch):
    def no_work(*_args, **_kwargs):
        raise AssertionError("the model was opened for a bad candidate count")

    monkeypatch.setattr(model_options, "TalkiesModel", no_work)
    with pytest.raises(SystemExit) as stop:
        main(["generate", "a ball", "--candidates", bad, "-o", str(tmp_path / "x.mp4")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    expected = "; got 'two'" if bad == "two" else f" from 1 to {MAX_CANDIDATES}; got {bad}"
    assert f"error: argument --candidates: candidates must be a whole number{expected}" in err
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_candidates_running_past_the_largest_seed_are_refused(tmp_path, capsys):
    args = ["generate", "a ball", "--model", str(shared_tiny_checkpoint()), "--frames", "9"]
    assert main([*args, "--seed", str(MAX_SEED), "--candidates", "2", "-o", str(tmp_path / "x.mp4")]) == 2
    assert "past the largest seed" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
