"""Visual contacts: the frames where a tracked object hits something.

- Floor (or anything below): the object was moving down and, at frame k, stops or turns
  back up. That needs an upward push, which gravity never gives, so it is a contact.
- Wall (or anything beside it): its horizontal velocity reverses sharply.
- Shatter: an object falling fast vanishes mid-picture (it broke).

Contacts land on frames, except a wall hit between frames of straight-line motion, which
is placed where the incoming and outgoing lines cross. Objects not seen whole around the
event (size jumping, touching another object) are ignored there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tracking import Scene

MIN_SPEED_SHARE = 0.005  # of the analysed frame height, per frame
SHARPNESS = 3.0  # velocity change across a wall contact vs the changes around it
AREA_STABILITY = 1.25
LINEAR_MOTION = 0.1  # acceleration below this share of the speed counts as straight-line motion


@dataclass(kw_only=True, frozen=True)
class VisualContact:
    frame: float  # frame time of the contact (may be fractional for wall hits)
    kind: str  # "floor", "wall" or "shatter"
    track: int  # index into Scene.tracks
    x: float  # centroid at the contact, pixels of the original frames
    y: float


def _reliable(scene: Scene, index: int, frames: range) -> bool:
    """Seen whole in these frames: present, of steady size, not touching another object."""
    track = scene.tracks[index]
    areas = track.area[list(frames)]
    if not (areas.min() > 0 and areas.max() / areas.min() <= AREA_STABILITY):
        return False
    return not any(scene.crowded(index, k) for k in frames)


def _sharp_turn(v: np.ndarray, k: int, min_speed: float) -> bool:
    """Whether the velocity change across frame k (over two frame steps, so a contact between
    frames counts whole) stands far out from the changes just before and after: a knock,
    not a smooth turn."""
    if k < 1 or k + 1 >= len(v) or np.isnan([v[k - 1], v[k + 1]]).any():
        return False
    around = [
        abs(v[i + 1] - v[i])
        for i in (k - 2, k + 1)
        if 1 <= i and i + 1 < len(v) and not np.isnan([v[i], v[i + 1]]).any()
    ]
    return abs(v[k + 1] - v[k - 1]) >= SHARPNESS * max(around + [min_speed])


def _crossing(pos: np.ndarray, v: np.ndarray, k: int) -> float:
    """Where the straight incoming and outgoing motions meet, if both are straight; else k."""
    if k < 3 or k + 3 >= len(pos) or np.isnan(pos[k - 3 : k + 4]).any():
        return float(k)
    v_in, v_out = v[k - 1], v[k + 2]
    bend = max(abs(v[k - 1] - v[k - 2]), abs(v[k + 3] - v[k + 2]))
    if v_in == v_out or bend > LINEAR_MOTION * max(abs(v_in), abs(v_out)):
        return float(k)
    t = (pos[k + 1] - pos[k - 1] + v_in * (k - 1) - v_out * (k + 1)) / (v_in - v_out)
    return float(np.clip(t, k - 1, k + 1))


def track_contacts(scene: Scene, index: int, min_speed: float) -> list[VisualContact]:
    track = scene.tracks[index]
    s = scene.scale
    x, y = track.x, track.y
    n = len(x)
    vx = np.full(n, np.nan)
    vy = np.full(n, np.nan)
    vx[1:], vy[1:] = np.diff(x), np.diff(y)
    found: list[VisualContact] = []
    for k in range(1, n - 1):
        if np.isnan([y[k - 1], y[k], y[k + 1]]).any() or not _reliable(scene, index, range(k - 1, k + 2)):
            continue
        v_in, v_out = vy[k], vy[k + 1]
        if v_in > min_speed and v_out < 0.5 * min_speed and v_out - v_in < -min_speed:
            found.append(VisualContact(frame=float(k), kind="floor", track=index, x=x[k] / s, y=y[k] / s))
        hx_in, hx_out = vx[k], vx[k + 1]
        if abs(hx_in) > min_speed and abs(hx_out) > min_speed and np.sign(hx_in) != np.sign(hx_out):
            if _sharp_turn(vx, k, min_speed):
                found.append(
                    VisualContact(frame=_crossing(x, vx, k), kind="wall", track=index, x=x[k] / s, y=y[k] / s)
                )
    last = track.last
    if (
        last < n - 1
        and last >= 1
        and not np.isnan(y[last - 1])
        and vy[last] > 2 * min_speed
        and not track.touches_border(last, scene.height, scene.width)
        and _reliable(scene, index, range(last - 1, last + 1))
    ):
        found.append(
            VisualContact(frame=float(last + 1), kind="shatter", track=index, x=x[last] / s, y=y[last] / s)
        )
    return found


def visual_contacts(scene: Scene) -> list[VisualContact]:
    """All contacts of all tracked objects, in time order."""
    min_speed = MIN_SPEED_SHARE * scene.height
    found = [c for i in range(len(scene.tracks)) for c in track_contacts(scene, i, min_speed)]
    return sorted(found, key=lambda c: (c.frame, c.track))
