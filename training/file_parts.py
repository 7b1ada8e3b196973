"""A safetensors file as several smaller ones and back, for transfers that cap a file's size.

Each part is a safetensors file of its own holding whole tensors, with the original metadata
and its place among the parts; joining them gives the original tensors and metadata.
"""

from __future__ import annotations

from pathlib import Path

from ..model.loading.safetensors_file import SafetensorsFile, write_safetensors

# What a lent GPU machine hands back per file.
MAX_PART_BYTES = 16 * 2**20
# Room for each part's header (keys, shapes, metadata) within the cap.
HEADER_ALLOWANCE = 2**20
PART, PARTS = "talkies_part", "talkies_parts"


def part_name(stem: str, index: int, count: int) -> str:
    return f"{stem}.part{index}-of-{count}.safetensors"


def split_file(path: Path, folder: Path, max_bytes: int = MAX_PART_BYTES) -> list[Path]:
    """Write ``path``'s tensors into parts of at most ``max_bytes`` each in ``folder``."""
    room = max_bytes - HEADER_ALLOWANCE
    with SafetensorsFile(path) as f:
        metadata = dict(f.metadata)
        groups: list[list[str]] = [[]]
        size = 0
        for key in f.keys():
            t = f.read(key)
            nbytes = t.numel() * t.element_size()
            if nbytes > room:
                raise ValueError(f"{path.name}: tensor {key!r} alone ({nbytes} bytes) is over {room} bytes")
            if size + nbytes > room and groups[-1]:
                groups.append([])
                size = 0
            groups[-1].append(key)
            size += nbytes
        parts = []
        for i, keys in enumerate(groups, 1):
            meta = {**metadata, PART: str(i), PARTS: str(len(groups))}
            target = folder / part_name(path.stem, i, len(groups))
            parts.append(write_safetensors(target, ((k, f.read(k)) for k in keys), meta))
    return parts


def join_parts(folder: Path, stem: str, out: Path) -> Path:
    """The file ``split_file`` cut into parts named after ``stem`` in ``folder``, written to ``out``."""
    found = sorted(folder.glob(f"{stem}.part*-of-*.safetensors"))
    if not found:
        raise FileNotFoundError(f"no parts of {stem} in {folder} (looked for {part_name(stem, 1, 'N')})")
    tensors, metadata, seen = {}, None, set()
    for path in found:
        with SafetensorsFile(path) as f:
            meta = dict(f.metadata)
            index, count = int(meta.pop(PART)), int(meta.pop(PARTS))
            if metadata is not None and meta != metadata:
                raise ValueError(f"{path.name} belongs to another file than the parts before it")
            metadata = meta
            seen.add(index)
            tensors.update({k: f.read(k) for k in f.keys()})
    missing = sorted(set(range(1, count + 1)) - seen)
    if missing:
        raise FileNotFoundError(f"{folder} lacks parts {missing} of {count} of {stem}")
    return write_safetensors(out, tensors, metadata)
