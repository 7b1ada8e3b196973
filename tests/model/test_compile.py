"""The compiled blocks compute what the eager blocks compute, with one graph for all blocks.

The quick test captures the graphs with the ``aot_eager`` backend (no code generation);
the inductor test generates and builds real kernels with the C++ compiler, so it is slow.
"""

from __future__ import annotations

import pytest
import torch
from torch._dynamo.utils import counters

from talkies.model.offload.streaming import stream_blocks
from talkies.model.transformer.compile import (
    blocks_compiled,
    compile_blocks,
    compile_unavailable,
    uncompile_blocks,
)
from talkies.model.transformer.perturbations import Perturbations, Skip, skip

from tiny_av import tiny_streams, tiny_transformer


def _close(got, expected, tol):
    pairs = zip(got, expected, strict=True)
    return all(float((g - e).abs().max()) <= tol * float(e.abs().max()) for g, e in pairs)


@pytest.fixture
def fresh_dynamo():
    torch._dynamo.reset()
    counters.clear()
    yield
    torch._dynamo.reset()


def test_one_graph_serves_every_block_and_streaming_keeps_it(fresh_dynamo):
    model = tiny_transformer()
    video, audio = tiny_streams(model, batch=2)
    with torch.inference_mode():
        eager = model(video, audio)
        compile_blocks(model, backend="aot_eager", fullgraph=True)
        assert blocks_compiled(model)
        assert _close(model(video, audio), eager, 1e-6)
        assert counters["stats"]["unique_graphs"] == 1  # not one per block
        with stream_blocks(model, "cpu", ahead=1):
            assert _close(model(video, audio), eager, 1e-6)
        assert counters["stats"]["unique_graphs"] == 1  # streamed weights are the same kind of input
        uncompile_blocks(model)
        assert not blocks_compiled(model)
        assert all(torch.equal(g, e) for g, e in zip(model(video, audio), eager, strict=True))


@pytest.mark.slow
def test_inductor_kernels_match_eager(fresh_dynamo):
    reason = compile_unavailable("cpu")
    if reason:
        pytest.skip(reason)
    model = tiny_transformer(num_layers=1)
    video, audio = tiny_streams(model, batch=2)
    stg = Perturbations(((skip(Skip.VIDEO_SELF, [0]),), ()))  # sample 0 skips self-attention
    with torch.inference_mode():
        eager = model(video, audio), model(video, audio, stg)
        compile_blocks(model, dynamic=False)
        compiled = model(video, audio), model(video, audio, stg)
    # Fused kernels reassociate float32 sums: equal to a few ulps of the output's scale.
    assert _close(compiled[0], eager[0], 1e-5)
    assert _close(compiled[1], eager[1], 1e-5)
    assert not _close(eager[1], eager[0], 1e-3)


def test_compile_availability_is_explained(monkeypatch):
    assert compile_unavailable("cpu", backend="aot_eager") is None
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert "C++ compiler" in compile_unavailable("cpu")
