"""Guidance and sequence parallelism on 2 and 4 gloo processes equal one process (fp32, 1e-5).

Each world size starts its ranks once (spawned interpreters over loopback, bounded in time)
and computes every case there; the cases are in tests/support/parallel_cases.py.
"""

from __future__ import annotations

import importlib.util

import pytest
import torch

from local_ranks import gloo_available, run_ranks
from parallel_cases import rank_results, single_process_results

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
