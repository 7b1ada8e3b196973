"""Running an API-format workflow of our nodes in this process, without a ComfyUI server.

The workflow is checked the way ComfyUI checks a queued prompt (known node types, required
inputs, link types, widget types, ranges and choices, each node's own ``validate_inputs``),
and every problem is reported at once, before anything runs. Then the nodes that the output
nodes need run in dependency order, each once.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import NODES, host
from ..host import io
from . import runtime
from .load_image import LoadImage
from .load_media import GetVideoComponents, LoadAudio, LoadVideo

log = logging.getLogger(__name__)

_CONVERTERS = {"INT": int, "FLOAT": float, "STRING": str, "BOOLEAN": bool}


class WorkflowError(ValueError):
    """A workflow that cannot run; the message lists every problem found."""


def node_classes() -> dict[str, type]:
    """The node types a headless run knows: the pack's, and stand-ins for the core loaders."""
    core = (LoadImage, LoadVideo, GetVideoComponents, LoadAudio)
    return {cls.define_schema().node_id: cls for cls in (*NODES, *core)}


def _label(node_id: str, node: dict) -> str:
    return f"node {node_id} ({node.get('class_type', '?')})"


def _own_validation_args(cls: type) -> list[str]:
    """The inputs a node's own validate_inputs checks (ComfyUI skips its built-in checks for them)."""
    for klass in cls.__mro__:
        if klass is io.ComfyNode:
            return []
        if "validate_inputs" in vars(klass):
            function = inspect.unwrap(vars(klass)["validate_inputs"].__func__)
            return [p for p in inspect.signature(function).parameters if p != "cls"]
    return []


def _types_match(given: str, wanted: str) -> bool:
    if "*" in (given, wanted):
        return True
    return bool(set(given.split(",")) & set(wanted.split(",")))


def _check_value(spec: Any, value: Any) -> tuple[Any, str | None]:
    """(the value converted to the input's type, or a problem)."""
    kind = spec.get_io_type()
    if kind in _CONVERTERS:
        try:
            if kind == "INT" and isinstance(value, float) and not value.is_integer():
                raise ValueError("not a whole number")
            value = _CONVERTERS[kind](value)
        except (TypeError, ValueError) as exc:
            return value, f"{value!r} is not a {kind} value ({exc})"
        if spec.min is not None and value < spec.min:
            return value, f"{value} is smaller than the minimum {spec.min}"
        if spec.max is not None and value > spec.max:
            return value, f"{value} is bigger than the maximum {spec.max}"
    elif kind == "COMBO":
        if value not in (spec.options or []):
            shown = spec.options if len(spec.options or []) <= 20 else f"{len(spec.options)} choices"
            return value, f"{value!r} is not one of {shown}"
    else:
        return value, f"needs a link from a {kind} output, got the value {value!r}"
    return value, None


def _inputs(cls: type) -> list:
    return cls.define_schema().inputs


def validate(prompt: dict, classes: dict[str, type]) -> list[str]:
    """Every problem of an API-format workflow, as 'node N (Type): input: what is wrong'."""
    if not isinstance(prompt, dict) or not prompt:
        return ["the workflow is empty or not an API-format workflow (a JSON object of nodes)"]
    problems = []
    for node_id, node in prompt.items():
        label = _label(node_id, node)
        cls = classes.get(node.get("class_type")) if isinstance(node, dict) else None
        if cls is None:
            known = ", ".join(sorted(classes))
            problems.append(f"{label}: unknown node type; a headless run knows {known}")
            continue
        given = node.get("inputs", {})
        own = _own_validation_args(cls)
        literals = {}
        for spec in _inputs(cls):
            if spec.id not in given:
                if not spec.optional:
                    problems.append(f"{label}: {spec.id}: required input is missing")
                continue
            value = given[spec.id]
            if isinstance(value, list):
                problems += _check_link(prompt, classes, label, spec, value)
                continue
            if spec.id in own:
                literals[spec.id] = value
                continue
            literals[spec.id], problem = _check_value(spec, value)
            if problem:
                problems.append(f"{label}: {spec.id}: {problem}")
        if own:
            verdict = cls.validate_inputs(**{k: literals.get(k) for k in own})
            if verdict is not True:
                problems.append(f"{label}: {verdict}")
    if not any(_is_output(classes.get(n.get("class_type"))) for n in prompt.values() if isinstance(n, dict)):
        problems.append("the workflow has no output node (such as Talkies Save Clip); nothing would run")
    return problems


def _check_link(prompt: dict, classes: dict[str, type], label: str, spec: Any, link: list) -> list[str]:
    if len(link) != 2 or str(link[0]) not in prompt:
        return [f"{label}: {spec.id}: the link {link!r} does not point at a node of this workflow"]
    source = prompt[str(link[0])]
    cls = classes.get(source.get("class_type"))
    if cls is None:
        return []  # reported with the source node
    outputs = cls.define_schema().outputs
    if not isinstance(link[1], int) or not 0 <= link[1] < len(outputs):
        return [f"{label}: {spec.id}: {_label(str(link[0]), source)} has no output {link[1]}"]
    given, wanted = outputs[link[1]].get_io_type(), spec.get_io_type()
    if not _types_match(given, wanted):
        return [f"{label}: {spec.id}: expects {wanted} but is linked to a {given} output"]
    return []


def _is_output(cls: type | None) -> bool:
    return cls is not None and cls.define_schema().is_output_node


@dataclass
class RunResult:
    ui: dict[str, dict] = field(default_factory=dict)  # node id → its UI output
    files: list[Path] = field(default_factory=list)  # files the nodes wrote, in order


def _order(prompt: dict, classes: dict[str, type]) -> list[str]:
    """The nodes the output nodes need, each after the nodes it reads from."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(node_id: str) -> None:
        if state.get(node_id) == "done":
            return
        if state.get(node_id) == "visiting":
            raise WorkflowError(f"{_label(node_id, prompt[node_id])} is part of a dependency cycle")
        state[node_id] = "visiting"
        for value in prompt[node_id].get("inputs", {}).values():
            if isinstance(value, list):
                visit(str(value[0]))
        state[node_id] = "done"
        order.append(node_id)

    for node_id, node in prompt.items():
        if _is_output(classes.get(node["class_type"])):
            visit(node_id)
    return order


def _with_hidden(cls: type, node_id: str, prompt: dict, extra_pnginfo: dict | None) -> type:
    hidden = io.HiddenHolder(unique_id=node_id, prompt=prompt, extra_pnginfo=extra_pnginfo)
    return type(cls.__name__, (cls,), {"hidden": hidden})


def run_prompt(
    prompt: dict,
    *,
    extra_pnginfo: dict | None = None,
    on_node: Callable[[str, str], None] | None = None,
) -> RunResult:
    """Validate and run ``prompt`` here; ``on_node(node_id, class_type)`` is called as each node starts."""
    if host.INSIDE_COMFYUI:
        raise RuntimeError("headless runs are for outside ComfyUI; queue the workflow to ComfyUI instead")
    classes = node_classes()
    problems = validate(prompt, classes)
    if problems:
        raise WorkflowError("the workflow cannot run:\n  " + "\n  ".join(problems))
    runtime.clear_interrupt()
    runtime.take_recorded_outputs()
    results: dict[str, tuple] = {}
    run = RunResult()
    for node_id in _order(prompt, classes):
        node = prompt[node_id]
        cls = classes[node["class_type"]]
        kwargs = {}
        for spec in _inputs(cls):
            if spec.id not in node["inputs"]:
                continue
            value = node["inputs"][spec.id]
            if isinstance(value, list):
                kwargs[spec.id] = results[str(value[0])][value[1]]
            else:
                kwargs[spec.id] = (
                    value if spec.get_io_type() not in _CONVERTERS else _check_value(spec, value)[0]
                )
        if on_node is not None:
            on_node(node_id, node["class_type"])
        with runtime.running_node(node_id):
            output = _with_hidden(cls, node_id, prompt, extra_pnginfo).execute(**kwargs)
        results[node_id] = output.args
        if output.ui:
            run.ui[node_id] = output.ui
    run.files = runtime.take_recorded_outputs()
    return run
