"""A pool of 2 CPU worker processes (gloo over loopback) samples the clip one process samples; an
interrupt stops its workers together and leaves it up; a worker that dies is an error that names it."""

from __future__ import annotations

import os
import signal
from fractions import Fraction

import pytest

from talkies.model.parallel.local import gloo_available
from talkies.model.parallel.pool import PoolSpec, WorkerDied, WorkerPool
from talkies.model.pipeline.empty_clip import empty_latent
from talkies.model.pipeline.load import TalkiesModel
from talkies.model.pipeline.sample import sample, sigmas_for
from talkies.model.pipeline.text_encode import encode_prompts
from talkies.model.sampling.guidance import Guidance

from tiny_checkpoint import shared_tiny_checkpoint

pytestmark = pytest.mark.skipif(not gloo_available(), reason="torch.distributed has no gloo backend here")

GUIDED = {"video_guidance": Guidance(cfg=3.0, stg=1.0, stg_blocks=(1,)), "audio_guidance": Guidance(cfg=4.0)}


class Interrupted(Exception):
    pass


@pytest.fixture(scope="module")
def pool():
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    spec = PoolSpec(
        shared_tiny_checkpoint(), ("cpu", "cpu"), {"dtype": "fp32"}, start_timeout_s=120, job_timeout_s=120
    )
    workers = WorkerPool(spec)
    yield workers
    workers.close()


def _inputs(model: TalkiesModel):
    latent = empty_latent(model, 64, 64, 9, Fraction(24))
    pos, neg = encode_prompts(model, "a red ball bounces", "")
    return latent, pos, neg, sigmas_for(model, latent, 3)


def test_the_pool_samples_the_one_process_clip_and_reports_each_step(pool):
    alone = TalkiesModel(shared_tiny_checkpoint(), dtype="fp32")
    pooled = TalkiesModel(shared_tiny_checkpoint(), dtype="fp32", pool=pool)
    latent, pos, neg, sigmas = _inputs(alone)
    expected = sample(alone, latent, pos, neg, sigmas=sigmas, seed=5, **GUIDED)
    steps = []
    got = sample(pooled, latent, pos, neg, sigmas=sigmas, seed=5, on_step=steps.append, **GUIDED)
    assert [s.step for s in steps] == [1, 2, 3]
    assert float((got.video - expected.video).abs().max()) <= 1e-5
    assert float((got.audio - expected.audio).abs().max()) <= 1e-5


def test_an_interrupt_stops_the_workers_and_the_pool_stays_up(pool):
    pooled = TalkiesModel(shared_tiny_checkpoint(), dtype="fp32", pool=pool)
    latent, pos, neg, sigmas = _inputs(pooled)

    def interrupt(step):
        raise Interrupted

    with pytest.raises(Interrupted):
        sample(pooled, latent, pos, neg, sigmas=sigmas, seed=5, on_step=interrupt, **GUIDED)
    assert pool.running
    assert sample(pooled, latent, pos, neg, sigmas=sigmas, seed=5, **GUIDED).video.shape == latent.video.shape


def test_a_worker_that_dies_is_an_error_naming_it_not_a_hang(pool):
    pooled = TalkiesModel(shared_tiny_checkpoint(), dtype="fp32", pool=pool)
    latent, pos, neg, sigmas = _inputs(pooled)
    pool.start()
    victim = pool._procs[1].pid

    def kill_a_worker(step):
        os.kill(victim, signal.SIGKILL)

    with pytest.raises(WorkerDied, match="worker 1 on cpu stopped"):
        sample(pooled, latent, pos, neg, sigmas=sigmas, seed=5, on_step=kill_a_worker, **GUIDED)
    assert not pool.running
    # The next job starts the pool anew.
    assert sample(pooled, latent, pos, neg, sigmas=sigmas, seed=5, **GUIDED).video.shape == latent.video.shape
