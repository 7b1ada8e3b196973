"""Files in the input folder, as the headless stand-ins of ComfyUI's loaders list and find them.

A loader's value is a file name in the input folder, as in ComfyUI, or a path to a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from .. import host
from ..host import io


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


class InputFileLoader(io.ComfyNode):
    """A stand-in core loader: one input (``INPUT``, the core node's own name) choosing a file from
    the input folder, or a path, checked before the run. A loader says which files it takes, its
    outputs, and loads ``cls.path(value)`` in ``execute``."""

    NODE_ID: ClassVar[str]
    DISPLAY_NAME: ClassVar[str]
    CATEGORY: ClassVar[str]
    INPUT: ClassVar[str]
    SUFFIXES: ClassVar[tuple[str, ...]]  # lower case, with the dot
    UPLOAD: ClassVar[io.UploadType]
    WHAT: ClassVar[str]  # what the file is, in messages ("picture", "video", "sound")
    TOOLTIP: ClassVar[str]

    @classmethod
    def outputs(cls) -> list:
        raise NotImplementedError

    @classmethod
    def define_schema(cls) -> io.Schema:
        choice = io.Combo.Input(
            cls.INPUT, options=input_choices(cls.SUFFIXES), upload=cls.UPLOAD, tooltip=cls.TOOLTIP
        )
        return io.Schema(
            node_id=cls.NODE_ID,
            display_name=cls.DISPLAY_NAME,
            category=cls.CATEGORY,
            inputs=[choice],
            outputs=cls.outputs(),
        )

    @classmethod
    def problem(cls, value: str) -> bool | str:
        """The ``validate_inputs`` answer for the chosen ``value``."""
        return input_problem(value, cls.WHAT)

    @classmethod
    def path(cls, value: str) -> Path:
        return input_path(value, cls.WHAT)
