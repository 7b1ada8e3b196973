"""``python -m talkies``: generate a clip, run a workflow, evaluate clips, benchmark, train.

Each subcommand lives in its own module, imported only when used, and exposes
``add_arguments(parser)`` and ``run(args) -> int``. A mistake a user can make (a bad value, a
missing or taken file, a place that cannot be written) ends in one line and exit status 2;
Ctrl-C and SIGTERM in "cancelled, nothing written" and 130 / 143; only a bug shows a stack.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback

from .cli.cancel import Cancelled, cancellable

COMMANDS = {
    "generate": (".cli.generate", "make a clip with sound from a prompt (and optionally an image)"),
    "extend": (".cli.extend", "continue a clip with picture and sound"),
    "retake": (".cli.retake", "redo a time window of a clip: its sound, its picture or both"),
    "foley": (".cli.foley", "add generated sound to a video (the frames kept as they are)"),
    "animate": (".cli.animate", "make a video whose picture follows a sound (the sound kept as it is)"),
    "run": (".cli.run_workflow", "run an API-format workflow in-process or on a ComfyUI server"),
    "eval": (".cli.eval", "measure sync, adherence and delivery of clips"),
    "sheet": (".cli.sheet", "draw clips as a contact sheet: frames, waveform, onsets, contacts"),
    "bench": (".cli.bench", "time a generation with the built-in model"),
    "train": (".cli.train", "reproduce the built-in model from nothing"),
}
# Commands that share their work between the processes of a torchrun launch (rank 0 writes).
LAUNCH_AWARE = frozenset({"generate"})
# What a user's input or environment causes (bad values, files missing, taken or unwritable),
# as opposed to a bug. OSError covers the file system's answers and the media library's.
USER_ERRORS = (ValueError, OSError)
EXIT_USER_ERROR = 2
REPORT_URL = "https://github.com/talkies-av/talkies/issues"


def main(argv: list[str] | None = None) -> int:
    earlier = len(_published())
    try:
        with cancellable():
            return _run(argv)
    except Cancelled as stop:
        return _cancelled(stop, _published()[earlier:])
    except Exception as exc:
        stop = _cancellation_in(exc)
        if stop is None:
            raise
        return _cancelled(stop, _published()[earlier:])


def _published() -> tuple:
    """Files published so far; read from the writer's module only if it was loaded (importing it
    would load torch, and a process that never loaded it has published nothing)."""
    writer = sys.modules.get(f"{__package__}.model.media.output_files")
    return writer.published() if writer else ()


def _cancelled(stop: Cancelled, finished: tuple) -> int:
    """Half-made files are gone by now; files finished before the stop (the earlier saves of a
    workflow) are whole and stay, and the message names them."""
    if finished:
        kept = ", ".join(str(path) for path in finished)
        print(
            f"cancelled, nothing half-written left; finished before the stop and kept: {kept}",
            file=sys.stderr,
        )
    else:
        print("cancelled, nothing written", file=sys.stderr)
    return stop.exit_code


def _cancellation_in(exc: BaseException | None) -> Cancelled | None:
    """The Cancelled behind ``exc``, if a signal caused it: one raised while Python was building a
    class (an import under way) reaches us wrapped in a RuntimeError."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, Cancelled):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _run(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m talkies", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = argv if argv is not None else sys.argv[1:]
    chosen = next((a for a in wanted if a in COMMANDS), None)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            importlib.import_module(module, __package__).add_arguments(p)
    args = parser.parse_args(argv)
    if "WORLD_SIZE" in os.environ and args.command not in LAUNCH_AWARE:
        from .model.parallel.mesh import launched

        if launched():
            print(
                f"error: `{args.command}` runs as one process; only "
                f"{', '.join(sorted(LAUNCH_AWARE))} runs under torchrun (start it without torchrun)",
                file=sys.stderr,
            )
            return EXIT_USER_ERROR
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(message)s")
    try:
        return int(importlib.import_module(COMMANDS[args.command][0], __package__).run(args) or 0)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as exc:
        if _cancellation_in(exc) is not None:
            raise
        traceback.print_exc()
        print(
            f"This is a bug in Talkies; please report it with the lines above at {REPORT_URL}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
