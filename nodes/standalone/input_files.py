"""Files in the input folder, as the headless stand-ins of ComfyUI's loaders list and find them.

A loader's value is a file name in the input folder, as in ComfyUI, or a path to a file.
"""

from __future__ import annotations

from pathlib import Path

from .. import host


def input_choices(suffixes: tuple[str, ...]) -> list[str]:
    """The input folder's files with one of ``suffixes`` (lower case, with the dot)."""
    folder = host.input_directory()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix.lower() in suffixes)


def input_path(name: str, what: str) -> Path:
    """The file ``name`` stands for: in the input folder first, else a path."""
    for candidate in (host.input_directory() / name, Path(name).expanduser()):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{what} {name!r} is neither in the input folder {host.input_directory()} nor a file; "
        f"give a {what}'s path or pass --input-dir"
    )


def input_problem(name: str, what: str) -> bool | str:
    """A loader's ``validate_inputs`` answer."""
    try:
        input_path(name, what)
    except FileNotFoundError as exc:
        return str(exc)
    return True
