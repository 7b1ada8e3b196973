"""Guidance and sequence parallelism on 2 and 4 gloo processes equal one process (fp32, 1e-5).

Each world size starts its ranks once (spawned interpreters over loopback, bounded in time)
and computes every case there; the cases are in tests/support/parallel_cases.py.
"""

from __future__ import annotations

import importlib.util

import pytest
import torch

from talkies.model.parallel.cost import guidance_step_traffic, sequence_pass_traffic
from talkies.model.parallel.local import gloo_available, run_ranks
from talkies.model.sampling.guidance import plan_passes

from parallel_cases import (
    AUDIO_GUIDANCE,
    STEPS,
    VIDEO_GUIDANCE,
    heads_config,
    rank_results,
    single_process_results,
)
from tiny_av import tiny_config

pytestmark = pytest.mark.skipif(not gloo_available(), reason="torch.distributed has no gloo backend here")

TOLERANCE = 1e-5
ENGINES = ("torch", "yunchang") if importlib.util.find_spec("yunchang") else ("torch",)


@pytest.fixture(scope="module")
def expected():
    return single_process_results()


@pytest.fixture(scope="module", params=[2, 4], ids=["2-ranks", "4-ranks"])
def ranks(request):
    return request.param, run_ranks(rank_results, request.param, ENGINES, timeout_s=240)


def _flat(x) -> list[torch.Tensor]:
    if isinstance(x, dict):
        return [t for k in sorted(x) for t in _flat(x[k])]
    if isinstance(x, tuple | list):
        return [t for item in x for t in _flat(item)]
    return [x]


def _max_difference(a, b) -> float:
    pairs = list(zip(_flat(a), _flat(b), strict=True))
    assert all(x.shape == y.shape for x, y in pairs)
    return max(float((x - y).abs().max()) for x, y in pairs)


def _case(results: dict, name: str, expected: dict):
    case = name.split("/")[1]
    return results[name], expected[case]


def test_every_rank_gets_the_same_result(ranks):
    world, results = ranks
    for name in results[0]:
        if name.startswith("traffic/"):
            continue
        for r in range(1, world):
            assert _max_difference(results[r][name], results[0][name]) == 0.0, (name, r)


@pytest.mark.parametrize("mode", ["guidance_parallel", "hybrid_2x2"])
def test_shared_guidance_passes_give_the_one_process_clip(ranks, expected, mode):
    world, results = ranks
    name = f"{mode}/guided_clip"
    if name not in results[0]:
        pytest.skip("a 2×2 mesh needs 4 ranks")
    assert _max_difference(*_case(results[0], name, expected)) <= TOLERANCE


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", ["guided_clip", "transformer_2_heads", "transformer_4_heads"])
def test_split_tokens_give_the_one_process_result(ranks, expected, engine, case):
    _, results = ranks
    name = f"sequence_parallel[{engine}]/{case}"
    assert _max_difference(*_case(results[0], name, expected)) <= TOLERANCE


@pytest.mark.parametrize("heads", [2, 4])
def test_the_paper_count_of_bytes_is_what_a_split_call_sends(ranks, heads):
    world, results = ranks
    expected = sequence_pass_traffic(tiny_config(**heads_config(heads)), 18, 5, 2, world, 4)
    for engine in ENGINES:
        assert results[0][f"traffic/{engine}/transformer_{heads}_heads"] == (
            expected.bytes_sent,
            expected.collectives,
        )


def test_the_paper_count_of_bytes_is_what_shared_passes_send(ranks):
    world, results = ranks
    passes = len(plan_passes(VIDEO_GUIDANCE, AUDIO_GUIDANCE))
    step = guidance_step_traffic(passes, 18 * 16, 17 * 16, world, 4)
    assert results[0]["traffic/guidance_parallel"] == (STEPS * step.bytes_sent, STEPS * step.collectives)
