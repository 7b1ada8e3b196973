"""``python -m talkies run WORKFLOW.api.json``: run a workflow here, or queue it to a running ComfyUI.

    python -m talkies run workflows/api/text-to-video-with-sound.api.json \\
        --set "Talkies Text Encode.prompt=a red ball bounces on a wooden floor" --set 4.seed=7

Without ``--server`` the workflow's nodes (ours, and a stand-in for core LoadImage) run in
this process; with ``--server http://127.0.0.1:8188`` the same JSON is queued to ComfyUI,
its progress followed on the WebSocket and its outputs downloaded. Either way the files
land in ``--output-dir`` and their paths are printed, one per line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from ..model.media.destination import Destination, check_destination
from ..nodes.standalone.load_image import LoadImage
from ..nodes.standalone.load_media import LoadAudio, LoadVideo


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "workflow", type=Path, help="an API-format workflow (UI-format files of our nodes work too)"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NODE.INPUT=VALUE",
        help="change an input before running; NODE is a node id, title or type, e.g. 4.seed=7 "
        "(repeatable; VALUE is read as JSON where the input holds a number or boolean)",
    )
    p.add_argument(
        "--output-dir", type=Path, default=Path("output"), help="where the files go (default: ./output)"
    )
    p.add_argument(
        "--server", help="queue to a running ComfyUI at this URL instead, e.g. http://127.0.0.1:8188"
    )
    p.add_argument(
        "--input-dir", type=Path, default=Path.cwd(), help="where LoadImage finds pictures (here only)"
    )
    p.add_argument(
        "--models-dir", type=Path, help="a ComfyUI-style models folder to list checkpoints from (here only)"
    )
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the server to finish")


def load_workflow(path: Path) -> tuple[dict, dict | None]:
    """(the API-format prompt, the UI-format workflow when the file is one, to embed in the outputs)."""
    from ..nodes.standalone.runner import node_classes
    from ..nodes.standalone.workflow_format import api_from_ui, is_ui_format

    if not path.is_file():
        raise FileNotFoundError(f"no workflow at {path}")
    try:
        workflow = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON ({exc})") from exc
    if is_ui_format(workflow):
        return api_from_ui(workflow, node_classes()), workflow
    return workflow, None


def _find_node(prompt: dict, name: str) -> str:
    if name in prompt:
        return name
    titled = [k for k, v in prompt.items() if v.get("_meta", {}).get("title") == name]
    typed = [k for k, v in prompt.items() if v.get("class_type") == name]
    for found in (titled, typed):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueError(f"{name!r} names nodes {', '.join(found)}; use the node id")
    raise ValueError(
        f"no node {name!r} in the workflow; its nodes are "
        + ", ".join(f"{k} ({v.get('class_type')})" for k, v in prompt.items())
    )


_KINDS = ((bool, "true or false"), (int, "a whole number"), (float, "a number"))


def _parse_value(text: str, current: Any, where: str) -> Any:
    """``text`` read as the kind of value the input holds now (text, true/false, a number, JSON)."""
    if isinstance(current, str):
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = _NOT_JSON
    for kind, words in _KINDS:
        if isinstance(current, kind):
            fits = isinstance(value, bool) if kind is bool else _is_number(value, whole=kind is int)
            if not fits:
                raise ValueError(f"{where} holds {words} (now {json.dumps(current)}); got {text!r}")
            return value
    if value is _NOT_JSON:
        raise ValueError(f"{where} holds {json.dumps(current)}; {text!r} is not a JSON value")
    return value


_NOT_JSON = object()


def _is_number(value: Any, *, whole: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return isinstance(value, int) if whole else True


def apply_settings(prompt: dict, settings: list[str]) -> dict:
    """``NODE.INPUT=VALUE`` settings applied to a copy of ``prompt``."""
    prompt = json.loads(json.dumps(prompt))
    for setting in settings:
        target, sep, text = setting.partition("=")
        node_name, dot, input_name = target.rpartition(".")
        if not sep or not dot or not input_name:
            raise ValueError(f"--set {setting!r} must look like NODE.INPUT=VALUE, e.g. 4.seed=7")
        node_id = _find_node(prompt, node_name)
        inputs = prompt[node_id].setdefault("inputs", {})
        if input_name not in inputs:
            raise ValueError(
                f"node {node_id} ({prompt[node_id].get('class_type')}) has no input {input_name!r}; "
                f"it has {', '.join(inputs) or 'none'}"
            )
        current = inputs[input_name]
        if isinstance(current, list):
            raise ValueError(f"{target} is linked to another node; it cannot be set to a value")
        where = f"node {node_id} ({prompt[node_id].get('class_type')}) input {input_name!r}"
        inputs[input_name] = _parse_value(text, current, where)
    return prompt


def _print_event(kind: str, data: dict) -> None:
    if kind == "progress":
        print(f"  node {data.get('node')}: {data.get('value')}/{data.get('max')}", file=sys.stderr)
    elif kind == "executing" and data.get("node") is not None:
        print(f"running node {data['node']}", file=sys.stderr)
    elif kind == "queued":
        print(f"queued as {data['prompt_id']}", file=sys.stderr)


# The core loaders a local file may be given to: the input naming the file, and the files it takes.
LOADED_FILES = {
    loader.NODE_ID: (loader.INPUT, loader.SUFFIXES) for loader in (LoadImage, LoadVideo, LoadAudio)
}


def _upload_local_images(client, prompt: dict) -> None:
    """Pictures, videos and sounds given to the core loaders as local paths are uploaded, so the same
    JSON works on a server."""
    for node in prompt.values():
        if node.get("class_type") not in LOADED_FILES:
            continue
        name, suffixes = LOADED_FILES[node["class_type"]]
        value = node.get("inputs", {}).get(name)
        if isinstance(value, str):
            path = Path(value).expanduser()
            if path.suffix.lower() in suffixes and path.is_file():
                node["inputs"][name] = client.upload_image(path)


def _run_on_server(args: argparse.Namespace, prompt: dict, extra_pnginfo: dict | None) -> list[Path]:
    from .comfy_client import ComfyClient

    client = ComfyClient(args.server, args.timeout)
    _upload_local_images(client, prompt)
    return client.run(prompt, args.output_dir, _print_event, extra_pnginfo=extra_pnginfo)


def _run_here(args: argparse.Namespace, prompt: dict, extra_pnginfo: dict | None) -> list[Path]:
    from ..nodes.standalone import runtime
    from ..nodes.standalone.runner import run_prompt

    runtime.configure_standalone(output=args.output_dir, input=args.input_dir, models=args.models_dir)

    def progress(node: str | None, value: int, total: int, _picture) -> None:
        print(f"  node {node}: {value}/{total}", file=sys.stderr)

    runtime.add_progress_listener(progress)
    try:
        result = run_prompt(
            prompt,
            extra_pnginfo=extra_pnginfo,
            on_node=lambda node, kind: print(f"running node {node} ({kind})", file=sys.stderr),
        )
    finally:
        runtime.remove_progress_listener(progress)
    return result.files


def run(args: argparse.Namespace) -> int:
    from ..nodes.standalone import runtime

    if not args.server:
        check_destination(Destination.in_folder(args.output_dir))
    prompt, ui_workflow = load_workflow(args.workflow)
    prompt = apply_settings(prompt, args.set)
    extra_pnginfo = None if ui_workflow is None else {"workflow": ui_workflow}
    try:
        runner = _run_on_server if args.server else _run_here
        files = runner(args, prompt, extra_pnginfo)
    except runtime.Interrupted:
        print("interrupted; nothing was saved by the interrupted node", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in files:
        print(path)
    return 0
