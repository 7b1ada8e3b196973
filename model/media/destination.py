"""Where a clip will be written, decided and checked before any work starts.

A destination is either one named file (``clip.mp4``) or a folder in which the next free
numbered name is taken (``folder/`` with a ComfyUI-style prefix). :func:`destination_for`
is the one rule that reads a path a user typed; :func:`check_destination` finds everything
that would make the write fail at the end (a taken name, a folder that goes through a file,
a place this process cannot write to) while it still costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .output_files import part_prefix, split_prefix

EXTENSION = "mp4"


@dataclass(frozen=True)
class Destination:
    folder: Path
    file: Path | None  # the exact file to write, or None: a numbered name in ``folder``
    stem: str  # the numbered names' prefix (the file's stem for an exact file)

    @classmethod
    def to_file(cls, path: str | os.PathLike) -> Destination:
        path = Path(path)
        if path.suffix.lower() != f".{EXTENSION}":
            raise ValueError(f"{path} is not an .{EXTENSION} name; clips are written as MP4")
        return cls(path.parent, path, path.stem)

    @classmethod
    def in_folder(cls, folder: str | os.PathLike, prefix: str = "talkies") -> Destination:
        """Numbered files ``{prefix}_NNNNN_.mp4`` in ``folder``, whatever the folder's name."""
        sub, stem = split_prefix(Path(folder), prefix)
        return cls(sub, None, stem)


def destination_for(target: str | os.PathLike | Destination, prefix: str = "talkies") -> Destination:
    """The destination a typed path names: an existing folder, or one written with a trailing
    ``/``, is a folder; a name ending in .mp4 is that file; anything else is refused."""
    if isinstance(target, Destination):
        return target
    text = os.fspath(target)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        return Destination.in_folder(path, prefix)
    if path.suffix.lower() == f".{EXTENSION}":
        return Destination.to_file(path)
    kind = f"has the extension {path.suffix!r}" if path.suffix else "has no extension"
    raise ValueError(
        f"{text} {kind}: name an .{EXTENSION} file ({path.with_suffix('.' + EXTENSION)}) "
        f"or a folder ending in / ({text}/)"
    )


def _nearest_existing(folder: Path) -> Path:
    here = folder.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def check_destination(destination: Destination) -> Destination:
    """``destination`` if a clip can be written there; otherwise the error the write would end in.

    Nothing is created: writability is tried with a file made and removed at once in the
    nearest folder that exists.
    """
    if destination.file is not None and (destination.file.exists() or destination.file.is_symlink()):
        raise FileExistsError(
            f"{destination.file} already exists; it is kept. Choose another name or a folder"
        )
    folder = destination.folder
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        if existing == folder.absolute():
            raise NotADirectoryError(f"output folder {folder} is an existing file; give a folder path")
        raise NotADirectoryError(
            f"output folder {folder} goes through {existing}, a file; give a folder path"
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=part_prefix(), suffix=".part", dir=existing)
    except OSError as exc:
        raise PermissionError(
            f"output folder {folder} is not writable ({exc.strerror}); "
            "choose another folder or fix its permissions"
        ) from exc
    os.close(fd)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(probe)
    return destination
