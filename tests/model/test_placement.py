"""Parts visit the compute device only while they work, as the offload policy says.

Without a GPU the "meta" device stands in for the compute device: a move there is visible
in every tensor's device, and returning must give back the very same host storage."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from talkies.model.offload.placement import check_policy, working
from talkies.model.offload.streaming import block_bytes
from talkies.model.pipeline.load import TalkiesModel

from ltx_oracle import checkpoint_tensors, reference_transformer, tiny_config, write_checkpoint
from tiny_av import tiny_streams, tiny_transformer


def _devices(module: nn.Module) -> set[str]:
    return {t.device.type for t in [*module.parameters(), *module.buffers()]}


def _pointers(module: nn.Module) -> list[int]:
    return [t.data_ptr() for t in module.parameters()]


def test_offload_visits_the_device_and_returns_the_same_host_storage():
    module = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4)).eval()
    before = _pointers(module)
    with working(module, "meta", "offload") as m:
        assert m is module and _devices(module) == {"meta"}
    assert _devices(module) == {"cpu"} and _pointers(module) == before


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_offload_on_cuda_frees_the_device_and_returns_modules_that_started_there():
    module = nn.Linear(256, 256)
    baseline = torch.cuda.memory_allocated()
    with working(module, "cuda", "offload"):
        assert _devices(module) == {"cuda"} and torch.cuda.memory_allocated() > baseline
    assert _devices(module) == {"cpu"} and torch.cuda.memory_allocated() == baseline
    module.to("cuda")
    with working(module, "cuda", "offload"):
        pass
    assert _devices(module) == {"cpu"}


def test_resident_stays():
    module = nn.Linear(4, 4)
    with working(module, "meta", "resident"):
        pass
    assert _devices(module) == {"meta"}


def test_stream_keeps_blocks_on_the_host_and_the_rest_on_the_device():
    model = tiny_transformer(num_layers=2)
    block_ptrs = _pointers(model.transformer_blocks[0])
    with working(model, "meta", "stream"):
        assert _devices(model.transformer_blocks[0]) == {"cpu"}  # until a block runs
        assert _devices(model.patchify_proj) == {"meta"}
    assert _devices(model) == {"cpu"}
    assert len(model.transformer_blocks[0]._forward_pre_hooks) == 0
    packed_ptrs = _pointers(model.transformer_blocks[0])
    with working(model, "meta", "stream"):  # the packed host copy is reused, not rebuilt
        pass
    assert _pointers(model.transformer_blocks[0]) == packed_ptrs != block_ptrs


def test_a_weights_budget_keeps_the_blocks_that_fit_resident():
    model = tiny_transformer(num_layers=6)
    per_block = block_bytes(model)
    with working(model, "meta", "stream", ahead=1, weights_budget=4 * per_block):
        on_device = [i for i, b in enumerate(model.transformer_blocks) if _devices(b) == {"meta"}]
    assert on_device == [2, 5]  # 2 slots + 2 resident blocks, spread out
    assert _devices(model) == {"cpu"}


def test_streamed_model_computes_the_same_inside_working():
    model = tiny_transformer(num_layers=3)
    video, audio = tiny_streams(model)
    with torch.inference_mode():
        expected = model(video, audio)
        with working(model, "cpu", "stream"):
            got = model(video, audio)
    assert all(torch.equal(g, e) for g, e in zip(got, expected, strict=True))


def test_unknown_policy():
    with pytest.raises(ValueError, match="resident, offload, stream"):
        check_policy("swap")


def test_bundle_loads_on_the_host_and_works_on_the_device(tmp_path):
    config = tiny_config("2.3")
    tensors = checkpoint_tensors(reference_transformer(config), None)
    path = write_checkpoint(tmp_path / "m.safetensors", config, tensors)
    bundle = TalkiesModel(path, device="cpu", dtype="fp32", offload="offload")
    bundle.device = torch.device("meta")  # the stand-in compute device (no user may choose it)
    assert _devices(bundle.transformer) == {"cpu"}
    with bundle.working("transformer") as transformer:
        assert transformer is bundle.transformer and _devices(transformer) == {"meta"}
    assert _devices(bundle.transformer) == {"cpu"}
    with pytest.raises(ValueError, match="part must be"):
        with bundle.working("vae"):
            pass
