"""Output file names and atomic, never-overwriting publication of finished files.

A file is written under a hidden temporary name in its destination folder and only then
given its real name. The real name is taken with a hard link, which fails instead of
replacing an existing file, so a save never overwrites anything even when two saves race
for the same number. On file systems without hard links the name is reserved with an
exclusive create and the finished file renamed over that reservation.

Temporary names carry the writing process's id (``.talkies-PID-XXXX.mp4.part``), so the parts
a killed process could not remove are swept the next time a file is written to that folder.
Finished files get the mode the umask gives new files, as any writer's do.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

_MAX_NAME_ATTEMPTS = 1000
PART_PREFIX = ".talkies-"
_PART = re.compile(rf"^{re.escape(PART_PREFIX)}(\d+)-.*\.part$")
_published: list[Path] = []


def published() -> tuple[Path, ...]:
    """Every file this process has published, in order (a cancelled command names what it kept)."""
    return tuple(_published)


def numbered_name(prefix: str, counter: int, extension: str) -> str:
    return f"{prefix}_{counter:05d}_.{extension}"


def split_prefix(folder: Path, prefix: str) -> tuple[Path, str]:
    """(folder, file prefix) for a ComfyUI-style prefix such as ``"video/talkies"``."""
    parts = Path(prefix).parts
    if not prefix or Path(prefix).is_absolute() or ".." in parts or not parts:
        raise ValueError(
            f"filename prefix {prefix!r} must be a relative name such as 'talkies' or 'video/talkies', "
            "without '..'"
        )
    return folder.joinpath(*parts[:-1]), parts[-1]


def next_counter(folder: Path, prefix: str, extension: str) -> int:
    """One more than the highest number already used as ``prefix_NNNNN_.ext`` in ``folder``."""
    pattern = re.compile(rf"{re.escape(prefix)}_(\d+)_?\.{re.escape(extension)}$", re.IGNORECASE)
    used = [int(m.group(1)) for name in os.listdir(folder) if (m := pattern.match(name))]
    return max(used, default=0) + 1


def writable_folder(folder: Path) -> Path:
    """``folder``, created if missing; a clear error if it cannot hold new files."""
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"output folder {folder} is an existing file; give a folder path")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermissionError(
            f"cannot create output folder {folder} ({exc.strerror}); choose a folder you can write to"
        ) from exc
    return folder


def part_prefix() -> str:
    """The start of this process's temporary names: ``.talkies-PID-``."""
    return f"{PART_PREFIX}{os.getpid()}-"


def _process_is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def sweep_stale_parts(folder: Path) -> list[Path]:
    """Remove the temporary files in ``folder`` left by processes that no longer run."""
    swept = []
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            match = _PART.match(name)
            if match and not _process_is_running(int(match.group(1))):
                with contextlib.suppress(OSError):
                    (folder / name).unlink()
                    swept.append(folder / name)
    return swept


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait at the door of the block and arrive when it ends: a cancel that
    lands between a temporary file's creation and the code that owns it, or in the middle of its
    removal, would otherwise leave it behind.

    The handlers are swapped for one that only notes the signal (blocking it would not do: the
    kernel hands a process's signal to any thread that does not block it, and a Python handler
    runs in the main thread at once); the noted signal is raised again when the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = {}
    for each in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(each) not in (signal.SIG_IGN, None):
            previous[each] = signal.signal(each, lambda signum, frame: noted.append(signum))
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)
        if noted:
            signal.raise_signal(noted[0])


@contextlib.contextmanager
def temporary_file(folder: Path, suffix: str) -> Iterator[Path]:
    """A new hidden file in ``folder``, removed on leaving unless it was published (renamed).

    It has the mode a new file gets under the umask, so the published file does too.
    """
    sweep_stale_parts(folder)
    path = None
    try:
        with _signals_held():
            try:
                fd, name = tempfile.mkstemp(
                    prefix=f"{PART_PREFIX}{os.getpid()}-", suffix=suffix + ".part", dir=folder
                )
            except OSError as exc:
                raise PermissionError(
                    f"output folder {folder} is not writable ({exc.strerror}); "
                    "choose another folder or fix its permissions"
                ) from exc
            path = Path(name)
        try:
            os.fchmod(fd, 0o666 & ~_umask())
        finally:
            os.close(fd)
        yield path
    finally:
        if path is not None:
            with _signals_held(), contextlib.suppress(FileNotFoundError):
                path.unlink()


def _take_name(finished: Path, final: Path) -> None:
    """Give ``finished`` the name ``final``; FileExistsError if that name is taken."""
    try:
        os.link(finished, final)
    except FileExistsError:
        raise
    except OSError:
        fd = os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.close(fd)
        try:
            os.replace(finished, final)
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        return
    finished.unlink()


def publish(finished: Path, final: Path) -> Path:
    """Move ``finished`` to ``final``, which must not exist."""
    try:
        _take_name(finished, final)
    except FileExistsError:
        raise FileExistsError(f"{final} already exists; it is kept. Choose another name") from None
    _published.append(final)
    return final


def publish_numbered(finished: Path, name_for: Callable[[int], str], first: int) -> Path:
    """Move ``finished`` to the first free ``name_for(n)``, n counting up from ``first``."""
    for counter in range(first, first + _MAX_NAME_ATTEMPTS):
        final = finished.parent / name_for(counter)
        try:
            _take_name(finished, final)
        except FileExistsError:
            continue
        _published.append(final)
        return final
    raise FileExistsError(
        f"no free file name in {finished.parent} after {_MAX_NAME_ATTEMPTS} tries; use another prefix"
    )
