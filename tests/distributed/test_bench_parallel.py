"""``python -m talkies bench --parallel`` times a guided step on several gloo processes and prints
what each sends, then the on-paper GPU estimate."""

from __future__ import annotations

import pytest

from talkies.__main__ import main
from talkies.model.parallel.local import gloo_available

pytestmark = pytest.mark.skipif(not gloo_available(), reason="torch.distributed has no gloo backend here")


def test_parallel_bench_prints_step_times_bytes_and_the_estimate(capsys, monkeypatch):
    monkeypatch.setenv("GLOO_SOCKET_IFNAME", "lo")
    assert main(["bench", "--parallel", "--ranks", "1,2", "--steps", "1"]) == 0
    out = capsys.readouterr().out
    cpu, paper = out.split("On paper")
    rows = [line.split() for line in cpu.splitlines() if line.strip().startswith(("1 ", "2 "))]
    assert [r[:2] for r in rows] == [["1", "one"], ["2", "sequence"], ["2", "guidance"]]
    assert float(rows[1][3]) > 0 and float(rows[2][3]) > 0  # MiB sent per step
    assert paper.count("GPUs: tokens split") == 6
