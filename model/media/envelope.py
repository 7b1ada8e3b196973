"""Min/max envelope of a waveform, for drawing it as a strip under the frames."""

from __future__ import annotations

import torch


def waveform_envelope(
    waveform: torch.Tensor, sample_rate: int, points_per_second: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(lowest, highest) sample value over all channels in each 1/points_per_second bucket.

    ``waveform`` is (T,), (C,T) or (B,C,T). Bucket i covers the samples whose time falls in
    [i, i+1) / points_per_second, so buckets line up with seconds whatever the sample rate;
    the last bucket may be partial. Returns two float32 tensors, one value per bucket that
    holds a sample: floor((T - 1) * points_per_second / sample_rate) + 1 of them.
    """
    if sample_rate <= 0 or not points_per_second > 0 or points_per_second > sample_rate:
        raise ValueError(
            f"need sample_rate > 0 and 0 < points_per_second <= sample_rate, "
            f"got {sample_rate} and {points_per_second}"
        )
    if waveform.dim() == 0 or waveform.shape[-1] == 0 or waveform.numel() == 0:
        return torch.zeros(0), torch.zeros(0)
    count = waveform.shape[-1]
    samples = waveform.detach().float().reshape(-1, count)
    times = torch.arange(count, dtype=torch.float64)
    bucket = torch.floor(times * points_per_second / sample_rate).long()
    buckets = int(bucket[-1]) + 1
    lowest = torch.full((buckets,), float("inf")).scatter_reduce(0, bucket, samples.amin(dim=0), "amin")
    highest = torch.full((buckets,), float("-inf")).scatter_reduce(0, bucket, samples.amax(dim=0), "amax")
    return lowest, highest
