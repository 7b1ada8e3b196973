"""On paper: the bytes a rank sends per transformer pass or guided step, its FLOPs, and the step
time to expect on N devices from those counts and a device's speed.

The byte counts follow the code call by call (``exchange`` counts the same way, and the tests
check that they agree); a pass is counted with every attention running (the STG and
modality passes skip some, so they send a little less).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import TransformerConfig


def _all_to_all(elements: int, size: int, world: int) -> int:
    return elements * size * (world - 1) // world


def _all_gather(elements: int, size: int, world: int) -> int:
    return elements * size * (world - 1)


def _attention_bytes(q_tokens: int, kv_tokens: int, width: int, heads: int, world: int, size: int) -> int:
    """One split attention's sends: q, k, v and the output through Ulysses, or k and v gathered."""
    if heads % world == 0:
        return 2 * _all_to_all(q_tokens * width, size, world) + 2 * _all_to_all(
            kv_tokens * width, size, world
        )
    return 2 * _all_gather(kv_tokens * width, size, world)


@dataclass(frozen=True)
class PassTraffic:
    bytes_sent: int
    collectives: int


def sequence_pass_traffic(
    cfg: TransformerConfig, video_tokens: int, audio_tokens: int, batch: int, world: int, size: int
) -> PassTraffic:
    """What one rank sends in one transformer call on ``batch`` samples, tokens split over ``world``."""
    if world == 1:
        return PassTraffic(0, 0)
    cv, ca = math.ceil(video_tokens / world), math.ceil(audio_tokens / world)
    vd, ad = cfg.video_dim, cfg.audio_dim
    block = (
        _attention_bytes(batch * cv, batch * cv, vd, cfg.video_heads, world, size)
        + _attention_bytes(batch * ca, batch * ca, ad, cfg.audio_heads, world, size)
        + _attention_bytes(batch * cv, batch * ca, ad, cfg.audio_heads, world, size)
        + _attention_bytes(batch * ca, batch * cv, ad, cfg.audio_heads, world, size)
    )
    outputs = _all_gather(batch * cv * cfg.video_out_channels, size, world) + _all_gather(
        batch * ca * cfg.audio_out_channels, size, world
    )
    # self-attention of each stream, then both A/V directions (in the audio stream's heads)
    heads = (cfg.video_heads, cfg.audio_heads, cfg.audio_heads, cfg.audio_heads)
    per_block = sum(4 if h % world == 0 else 2 for h in heads)
    return PassTraffic(cfg.num_layers * block + outputs, cfg.num_layers * per_block + 2)


def guidance_step_traffic(
    passes: int, video_elements: int, audio_elements: int, world: int, size: int
) -> PassTraffic:
    """What one rank sends in a step whose ``passes`` are shared over ``world`` ranks."""
    if world == 1:
        return PassTraffic(0, 0)
    slots = math.ceil(passes / world)
    return PassTraffic(_all_gather(slots * (video_elements + audio_elements), size, world), 1)


def pass_flops(cfg: TransformerConfig, video_tokens: int, audio_tokens: int, text_tokens: int) -> float:
    """Multiply-adds × 2 of one transformer call on one sample (the blocks; the small rest left out)."""
    tv, ta, s = video_tokens, audio_tokens, text_tokens
    vd, ad = cfg.video_dim, cfg.audio_dim

    def stream(t: int, d: int, context: int) -> float:
        projections = 2 * t * d * d * 6 + 2 * s * context * d * 2  # self q,k,v,out; text q,out; text k,v
        attention = 4 * t * t * d + 4 * t * s * d
        return projections + attention + 16 * t * d * d  # the 4× feed-forward

    def cross(tq: int, dq: int, tk: int, dk: int) -> float:
        return 2 * tq * dq * ad * 2 + 2 * tk * dk * ad * 2 + 4 * tq * tk * ad

    block = (
        stream(tv, vd, cfg.video_context_dim)
        + stream(ta, ad, cfg.audio_context_dim)
        + cross(tv, vd, ta, ad)
        + cross(ta, ad, tv, vd)
    )
    return float(cfg.num_layers * block)


@dataclass(frozen=True)
class Link:
    """A device link as the estimate sees it: bytes per second each way per device, and a fixed
    cost per collective."""

    bytes_per_s: float
    latency_s: float

    def seconds(self, traffic: PassTraffic) -> float:
        return traffic.bytes_sent / self.bytes_per_s + traffic.collectives * self.latency_s


def sequence_step_seconds(
    one_device_pass_s: float, passes: int, traffic: PassTraffic, world: int, link: Link
) -> float:
    """A step of ``passes`` passes, each split over ``world`` devices (compute divides, exchanges add;
    nothing overlaps, as the code runs them)."""
    return passes * (one_device_pass_s / world + link.seconds(traffic))


def guidance_step_seconds(
    one_device_pass_s: float, passes: int, traffic: PassTraffic, world: int, link: Link
) -> float:
    """A step whose passes run side by side on ``world`` devices, then one gather."""
    return math.ceil(passes / world) * one_device_pass_s + link.seconds(traffic)
