"""Block streaming gives bit-identical outputs to the resident model and holds only a few
blocks on the device at a time. On CPU the copies are host to host; on CUDA (when present)
the same code copies on a side stream."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from talkies.model.loading.checkpoint import is_block_linear
from talkies.model.loading.quant import quantize_linears
from talkies.model.offload.streaming import block_bytes, resident_blocks_within, spread, stream_blocks
from talkies.model.transformer.perturbations import Perturbations, Skip, skip

from tiny_av import tiny_streams, tiny_transformer

LAYERS = 4


@pytest.fixture(scope="module")
def model():
    return tiny_transformer(seed=2, num_layers=LAYERS)


def _evaluations(model):
    """Three evaluations (so prefetching wraps around), one with a perturbed sample."""
    video, audio = tiny_streams(model, batch=2)
    stg = Perturbations(((skip(Skip.VIDEO_SELF, [1, 2]),), ()))
    with torch.inference_mode():
        return [model(video, audio), model(video, audio, stg), model(video, audio)]


def _same(a, b) -> bool:
    pairs = [xy for pa, pb in zip(a, b, strict=True) for xy in zip(pa, pb, strict=True)]
    return all(torch.equal(x, y) for x, y in pairs)


@pytest.mark.parametrize("ahead", [0, 1, 2])
@pytest.mark.parametrize("keep_resident", [0, 1])
def test_streamed_outputs_are_bit_identical(model, ahead, keep_resident):
    expected = _evaluations(model)
    with stream_blocks(model, "cpu", ahead=ahead, keep_resident=keep_resident) as streamer:
        got = _evaluations(model)
        streamed = len(streamer.streamed)
        assert streamed == LAYERS - keep_resident
        if streamed > ahead + 1:
            # Each evaluation copies each streamed block once; the last prefetches wrap around.
            assert streamer.copies == 3 * streamed + ahead
        else:
            assert streamer.copies == streamed  # everything fits in the slots: copied once
    assert _same(got, expected)
    assert _same(_evaluations(model), expected)  # an ordinary module again


def test_blocks_visit_the_device_buffers_only_while_they_run(model):
    with stream_blocks(model, "cpu", ahead=1) as streamer:
        slots = {s.untyped_storage().data_ptr() for s in streamer._slots}
        during = {}

        def watch(i):
            def hook(block, args):
                during[i] = {p.untyped_storage().data_ptr() for p in block.parameters()}

            return hook

        handles = [b.register_forward_pre_hook(watch(i)) for i, b in enumerate(model.transformer_blocks)]
        _evaluations(model)
        for h in handles:
            h.remove()
        # While running, a block's weights all sit in one device slot...
        assert all(len(ptrs) == 1 and ptrs <= slots for ptrs in during.values())
        # ...and afterwards every block points back at its host buffer.
        for block in model.transformer_blocks:
            assert not {p.untyped_storage().data_ptr() for p in block.parameters()} & slots


def test_mixed_dtype_fp8_blocks_stream_exactly():
    fp8 = tiny_transformer(seed=3, num_layers=3, dtype=torch.bfloat16)
    linears = {n for n, m in fp8.named_modules() if isinstance(m, nn.Linear) and is_block_linear(n)}
    quantize_linears(fp8, linears)
    expected = _evaluations(fp8)
    with stream_blocks(fp8, "cpu", ahead=1):
        assert _same(_evaluations(fp8), expected)


def test_a_failed_evaluation_leaves_streaming_usable(model):
    expected = _evaluations(model)
    with stream_blocks(model, "cpu", ahead=1):
        handle = model.transformer_blocks[2].register_forward_pre_hook(lambda *_: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            _evaluations(model)
        handle.remove()
        assert _same(_evaluations(model), expected)


def test_removing_to_the_host_keeps_the_packed_weights(model):
    m = copy.deepcopy(model)
    expected = _evaluations(m)
    streamer = stream_blocks(m, "cpu", ahead=1)
    host_ptrs = [p.data_ptr() for p in m.transformer_blocks[0].parameters()]
    streamer.remove(to="cpu")
    assert all(not b._forward_pre_hooks and not b._forward_hooks for b in m.transformer_blocks)
    assert [p.data_ptr() for p in m.transformer_blocks[0].parameters()] == host_ptrs
    again = stream_blocks(m, "cpu", ahead=1)  # no second packing
    assert [p.data_ptr() for p in m.transformer_blocks[0].parameters()] == host_ptrs
    again.remove()
    assert _same(_evaluations(m), expected)


def test_resident_blocks_are_spread_and_budgeted(model):
    assert spread(2, 4) == (1, 3)
    assert spread(0, 4) == () and spread(4, 4) == (0, 1, 2, 3)
    per_block = block_bytes(model)
    assert resident_blocks_within(model, 10 * per_block, ahead=2) == LAYERS  # all fit
    assert resident_blocks_within(model, 3 * per_block, ahead=2) == 0  # only the slots
    assert resident_blocks_within(model, int(3.5 * per_block), ahead=1) == 1
    with pytest.raises(ValueError, match="ahead"):
        stream_blocks(model, "cpu", ahead=-1)
    with pytest.raises(ValueError, match="keep_resident"):
        stream_blocks(model, "cpu", keep_resident=LAYERS + 1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_streaming_matches_resident_and_saves_memory():
    m = tiny_transformer(seed=5, num_layers=LAYERS).to("cuda", torch.bfloat16)
    expected = _evaluations(m)
    resident = torch.cuda.memory_allocated()
    with stream_blocks(m, "cuda", ahead=1) as streamer:
        assert torch.cuda.memory_allocated() < resident
        assert streamer.device_bytes == 2 * block_bytes(m)
        got = _evaluations(m)
    assert _same(got, expected)
