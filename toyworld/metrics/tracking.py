"""Finding solid-coloured objects over a plain background, and following them frame to frame.

No learned detector: the background is the most common colour; the other pixels are
grouped into colour clusters; each cluster's connected regions in each frame are candidate
objects, kept when they are compact and neither tiny (shards, stars, rain) nor spanning the
picture (floors, walls, the sea). Objects of one colour are linked across frames by the
nearest centroid. Works on any clip of that kind, rendered here or not, and tolerates the
colour smearing of lossy video.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

FOREGROUND_DISTANCE = 40.0  # max channel difference from the background, 0..255
CLUSTER_MERGE_DISTANCE = 45.0
CLUSTER_ASSIGN_DISTANCE = 60.0
MIN_AREA_SHARE = 0.0025  # of the frame area
MIN_SIDE_SHARE = 0.03  # of the shorter frame side
MAX_SPAN_SHARE = 0.8  # of the frame width or height
MIN_FILL = 0.4  # object area over its bounding box area
MAX_JUMP_SHARE = 0.25  # of the shorter side, per frame
_ANALYSIS_SIDE = 256


@dataclass(kw_only=True, frozen=True)
class Track:
    """One object over time. Arrays span all frames; NaN where the object is not seen."""

    colour: tuple[float, float, float]  # mean RGB
    x: np.ndarray  # (F,) centroid, pixels of the analysed frames
    y: np.ndarray
    area: np.ndarray  # (F,) pixels; 0 where unseen
    box: np.ndarray  # (F, 4) top, left, bottom, right (exclusive); zeros where unseen
    scale: float  # analysed pixels per original pixel

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.x)

    @property
    def last(self) -> int:
        return int(np.flatnonzero(self.present)[-1])

    def touches_border(self, frame: int, height: int, width: int) -> bool:
        top, left, bottom, right = self.box[frame]
        return bool(top <= 0 or left <= 0 or bottom >= height or right >= width)


@dataclass(kw_only=True, frozen=True)
class Scene:
    """What the tracker found: the background, the colour clusters, per-frame objects, tracks."""

    background: tuple[float, float, float]
    tracks: tuple[Track, ...]
    height: int  # analysed size
    width: int
    scale: float

    def crowded(self, index: int, frame: int) -> bool:
        """Whether track ``index`` touches or overlaps another object in ``frame``
        (its outline may then be partly hidden, so its centroid is unreliable)."""
        mine = self.tracks[index]
        if not mine.present[frame]:
            return False
        top, left, bottom, right = mine.box[frame]
        for j, other in enumerate(self.tracks):
            if j == index or not other.present[frame]:
                continue
            o_top, o_left, o_bottom, o_right = other.box[frame]
            if top <= o_bottom and o_top <= bottom and left <= o_right and o_left <= right:
                return True
        return False


def _downscale(frames: np.ndarray) -> tuple[np.ndarray, float]:
    """Nearest-neighbour decimation to at most _ANALYSIS_SIDE on the longer side (keeps colours pure)."""
    f, h, w, _ = frames.shape
    step = max(1, int(np.ceil(max(h, w) / _ANALYSIS_SIDE)))
    return frames[:, step // 2 :: step, step // 2 :: step], 1.0 / step


def _colour_keys(frames: np.ndarray) -> np.ndarray:
    """Each pixel's colour at 6 bits per channel, packed into one integer."""
    q = (frames >> 2).astype(np.int32)
    return (q[..., 0] << 12) | (q[..., 1] << 6) | q[..., 2]


def _key_colours(keys: np.ndarray) -> np.ndarray:
    return np.stack([(keys >> 12) & 63, (keys >> 6) & 63, keys & 63], axis=-1) * 4.0 + 1.5


def background_colour(frames: np.ndarray) -> np.ndarray:
    """The most common colour (16 levels per channel) in a ring along the frame edges an
    eighth of the picture wide, where objects rarely are, refined to the mean of its pixels."""
    sample = frames[:: max(1, len(frames) // 8)]
    f, h, w, _ = sample.shape
    ring = max(2, min(h, w) // 8)
    edge = np.ones((h, w), dtype=bool)
    edge[ring : h - ring, ring : w - ring] = False
    pixels = sample[:, edge].reshape(-1, 3).astype(np.float64)
    coarse = (pixels // 16).astype(np.int64)
    keys = coarse[:, 0] * 256 + coarse[:, 1] * 16 + coarse[:, 2]
    return pixels[keys == np.bincount(keys).argmax()].mean(axis=0)


def colour_clusters(colours: np.ndarray, counts: np.ndarray, min_count: int) -> np.ndarray:
    """(K, 3) centres of the given colours (with pixel counts): well-populated coarse bins, merged."""
    if not len(colours):
        return np.zeros((0, 3))
    codes = (colours // 32).astype(np.int64)
    keys = codes[:, 0] * 64 + codes[:, 1] * 8 + codes[:, 2]
    bin_counts = np.bincount(keys, weights=counts, minlength=512)
    sums = np.stack(
        [np.bincount(keys, weights=colours[:, c] * counts, minlength=512) for c in range(3)], axis=1
    )
    centres: list[np.ndarray] = []
    weights: list[float] = []
    for key in np.argsort(-bin_counts):
        if bin_counts[key] < min_count:
            break
        colour = sums[key] / bin_counts[key]
        for i, centre in enumerate(centres):
            if np.abs(centre - colour).max() < CLUSTER_MERGE_DISTANCE:
                total = weights[i] + bin_counts[key]
                centres[i] = (centre * weights[i] + colour * bin_counts[key]) / total
                weights[i] = total
                break
        else:
            centres.append(colour)
            weights.append(float(bin_counts[key]))
    return np.array(centres).reshape(-1, 3)


def _cluster_map(frames: np.ndarray, min_area: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(background colour, cluster centres, per-pixel cluster index with -1 for none).

    Colours are looked up once per distinct colour, not once per pixel."""
    keys = _colour_keys(frames)
    counts = np.bincount(keys.ravel(), minlength=1 << 18)
    background = background_colour(frames)
    present = np.flatnonzero(counts)
    colours = _key_colours(present)
    foreground = np.abs(colours - background).max(axis=1) > FOREGROUND_DISTANCE
    per_frame = counts[present][foreground] / len(frames)
    centres = colour_clusters(colours[foreground], per_frame, max(2, min_area // 4))
    lookup = np.full(1 << 18, -1, dtype=np.int16)
    if len(centres):
        distance = np.abs(colours[foreground][:, None] - centres[None]).max(axis=-1)
        nearest = np.where(distance.min(axis=1) < CLUSTER_ASSIGN_DISTANCE, distance.argmin(axis=1), -1)
        lookup[present[foreground]] = nearest
    return background, centres, lookup[keys]


def _label_objects(frames: np.ndarray, min_area: int) -> tuple[np.ndarray, list[list[dict]]]:
    """Background colour and, per frame, the candidate objects (dicts: colour, centroid, area, box)."""
    f, h, w, _ = frames.shape
    background, centres, clusters = _cluster_map(frames, min_area)
    objects: list[list[dict]] = [[] for _ in range(f)]
    structure = np.zeros((3, 3, 3), dtype=bool)
    structure[1] = True  # 8-connected within a frame, never across frames
    min_side = MIN_SIDE_SHARE * min(h, w)
    for k in range(len(centres)):
        labels, count = ndimage.label(clusters == k, structure=structure)
        if not count:
            continue
        areas = np.bincount(labels.ravel(), minlength=count + 1)
        boxes = ndimage.find_objects(labels)
        for label in np.flatnonzero(areas[1:] >= min_area) + 1:
            fs, ys, xs = boxes[label - 1]
            bh, bw = ys.stop - ys.start, xs.stop - xs.start
            if min(bh, bw) < min_side or bh > MAX_SPAN_SHARE * h or bw > MAX_SPAN_SHARE * w:
                continue
            if areas[label] < MIN_FILL * bh * bw:
                continue
            own = labels[fs, ys, xs][0] == label
            # Holes (eyes, a mouth, a logo) belong to the object: its outline decides where it is.
            rows, cols = np.nonzero(ndimage.binary_fill_holes(own))
            objects[fs.start].append(
                {
                    "cluster": k,
                    "colour": tuple(float(v) for v in frames[fs.start, ys, xs][own].mean(axis=0)),
                    "x": float(cols.mean() + xs.start + 0.5),
                    "y": float(rows.mean() + ys.start + 0.5),
                    "area": float(len(rows)),
                    "box": (ys.start, xs.start, ys.stop, xs.stop),
                }
            )
    return background, objects


def _link(objects: list[list[dict]], max_jump: float) -> list[list[tuple[int, dict]]]:
    """Greedy nearest-centroid linking of same-cluster objects in consecutive frames."""
    finished: list[list[tuple[int, dict]]] = []
    open_tracks: list[list[tuple[int, dict]]] = []
    for frame, found in enumerate(objects):
        pairs = []
        for ti, track in enumerate(open_tracks):
            last = track[-1][1]
            for oi, obj in enumerate(found):
                if obj["cluster"] == last["cluster"]:
                    d = np.hypot(obj["x"] - last["x"], obj["y"] - last["y"])
                    if d <= max_jump:
                        pairs.append((d, ti, oi))
        pairs.sort()
        used_tracks, used_objects = set(), set()
        for _, ti, oi in pairs:
            if ti in used_tracks or oi in used_objects:
                continue
            open_tracks[ti].append((frame, found[oi]))
            used_tracks.add(ti)
            used_objects.add(oi)
        still_open = []
        for ti, track in enumerate(open_tracks):
            (still_open if ti in used_tracks else finished).append(track)
        open_tracks = still_open + [[(frame, obj)] for oi, obj in enumerate(found) if oi not in used_objects]
    return finished + open_tracks


def track_objects(frames: np.ndarray) -> Scene:
    """Track every solid-coloured object in (F, H, W, 3) uint8 frames."""
    small, scale = _downscale(frames)
    f, h, w, _ = small.shape
    background, objects = _label_objects(small, max(4, int(MIN_AREA_SHARE * h * w)))
    tracks = []
    for linked in _link(objects, MAX_JUMP_SHARE * min(h, w)):
        x, y = np.full(f, np.nan), np.full(f, np.nan)
        area, box = np.zeros(f), np.zeros((f, 4))
        for frame, obj in linked:
            x[frame], y[frame], area[frame], box[frame] = obj["x"], obj["y"], obj["area"], obj["box"]
        colour = tuple(float(v) for v in np.mean([obj["colour"] for _, obj in linked], axis=0))
        tracks.append(Track(colour=colour, x=x, y=y, area=area, box=box, scale=scale))
    return Scene(
        background=tuple(float(v) for v in background), tracks=tuple(tracks), height=h, width=w, scale=scale
    )
