"""No operation inside the sampling loop makes the host wait for the device.

The loop runs under a dispatch mode that records every aten op after the first step (the
first step may build per-generation caches). Ops that need a device value on the host
(.item(), bool(), nonzero, unique, boolean indexing...) are flagged, and so are tensors built
from host data (a blocking host-to-device copy on CUDA) and copies between devices.
"""

from __future__ import annotations

import contextlib

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from talkies.model.offload.streaming import stream_blocks
from talkies.model.sampling.guidance import Guidance
from talkies.model.sampling.loop import Denoiser, LatentState, add_noise, denoise
from talkies.model.sampling.schedule import ltx2_sigmas
from talkies.model.text.conditioner import PromptEmbedding

from tiny_av import tiny_streams, tiny_transformer

aten = torch.ops.aten

SYNCING = {
    aten._local_scalar_dense.default: "reads a device value on the host (.item(), float(), bool())",
    aten.is_nonzero.default: "reads a device value on the host (bool())",
    aten.equal.default: "torch.equal returns a host bool",
    aten.nonzero.default: "output size depends on values",
    aten._unique2.default: "output size depends on values",
    aten.unique_dim.default: "output size depends on values",
    aten.unique_consecutive.default: "output size depends on values",
    aten.masked_select.default: "output size depends on values",
    aten.repeat_interleave.Tensor: "output size depends on values",
    aten.lift_fresh.default: "tensor from host data (a blocking host-to-device copy on CUDA)",
}


def _devices(args) -> set[str]:
    return {a.device.type for a in args if isinstance(a, torch.Tensor)}


class SyncWatch(TorchDispatchMode):
    """Records host-syncing ops while ``armed``."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.found: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self.armed:
            self._check(func, args, kwargs, out)
        return out

    def _check(self, func, args, kwargs, out) -> None:
        if func in SYNCING:
            self.found.append(f"{func}: {SYNCING[func]}")
        elif func in (aten.index.Tensor, aten.index_put.default, aten.index_put_.default):
            if any(isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in args[1] if i is not None):
                self.found.append(f"{func}: boolean-mask indexing (nonzero inside)")
        elif func in (aten._to_copy.default, aten.copy_.default):
            if isinstance(out, torch.Tensor) and len(_devices(args) | {out.device.type}) > 1:
                source = args[1] if func == aten.copy_.default else args[0]
                non_blocking = kwargs.get("non_blocking", len(args) > 2 and args[2])
                # A non-blocking copy out of pinned host memory is the one kind that does not wait.
                if not (non_blocking and source.device.type == "cpu" and source.is_pinned()):
                    self.found.append(f"{func}: blocking copy between devices")


def _states(model, device):
    video, audio = tiny_streams(model, batch=1, frames=3)
    v_mask = torch.ones(1, video.latent.shape[1], device=device)
    v_mask[:, :6] = 0.0  # a clean first latent frame
    v = LatentState(latent=video.latent, clean=video.latent.clone(), mask=v_mask, positions=video.positions)
    a = LatentState.empty(audio.latent, audio.positions)
    g = torch.Generator().manual_seed(0)
    return add_noise(v, g), add_noise(a, g)


def _prompt(model, seed, device):
    g = torch.Generator().manual_seed(seed)
    c = model.cfg
    return PromptEmbedding(
        torch.randn(1, 4, c.video_context_dim, generator=g),
        torch.randn(1, 4, c.audio_context_dim, generator=g),
        torch.ones(1, 4, dtype=torch.bool),
    ).to(device)


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "batch_passes, streamed",
    [(False, False), (True, False), (True, True)],
    ids=["sequential", "batched", "batched-streamed"],
)
def test_guided_loop_never_waits_on_the_device(device, batch_passes, streamed):
    model = tiny_transformer().to(device)
    streamer = stream_blocks(model, device, ahead=1) if streamed else contextlib.nullcontext()
    with streamer:
        _check_loop(model, device, batch_passes)


def _check_loop(model, device, batch_passes):
    video, audio = _states(model, device)
    guidance = dict(cfg=3.0, stg=1.0, stg_blocks=(1,), rescale=0.7, modality=3.0)
    denoiser = Denoiser(
        model,
        _prompt(model, 1, device),
        _prompt(model, 2, device),
        Guidance(**guidance, skip_step=1),
        Guidance(**guidance),
        batch_passes=batch_passes,
    )
    watch = SyncWatch()
    seen: list[int] = []

    def on_step(preview) -> None:
        seen.append(preview.step)
        watch.armed = True

    with torch.inference_mode(), watch:
        denoise(denoiser, video, audio, ltx2_sigmas(3).to(device), on_step)
    assert seen == [1, 2, 3]
    assert watch.found == []


def test_the_watch_catches_a_sync():
    watch = SyncWatch()
    watch.armed = True
    x = torch.randn(4)
    with watch:
        _ = float(x.sum())
        _ = x[x > 0]
        _ = torch.tensor([1.0, 2.0])
    assert len(watch.found) == 3
