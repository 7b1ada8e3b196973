"""ComfyUI's two workflow formats: the UI format (graph, positions, widget lists) → the API format (a prompt).

The UI format stores each node's widget values as a list in the order of its widget inputs
(a seed widget with "control after generate" is followed by that setting, an upload combo
by its button's value); links are listed once, by id. The API format maps each node id to
its class and inputs, a linked input being ``[source node id, output index]``.
"""

from __future__ import annotations

from typing import Any

WIDGET_TYPES = ("INT", "FLOAT", "STRING", "BOOLEAN", "COMBO")
IGNORED_NODES = ("Note", "MarkdownNote")
MUTED, BYPASSED = 2, 4


def is_ui_format(workflow: Any) -> bool:
    return isinstance(workflow, dict) and isinstance(workflow.get("nodes"), list) and "links" in workflow


def is_widget(spec: Any) -> bool:
    return spec.get_io_type() in WIDGET_TYPES and not getattr(spec, "force_input", False)


def widget_slots(spec: Any) -> int:
    """How many entries of a UI node's widget list one input takes."""
    extra = bool(getattr(spec, "control_after_generate", None)) + bool(getattr(spec, "upload", None))
    return 1 + extra


def _export_hint(what: str) -> str:
    return f"{what}; open the workflow in ComfyUI and export it in API format (Workflow → Export (API))"


def api_from_ui(workflow: dict, classes: dict[str, type]) -> dict:
    """The API-format prompt of a UI-format workflow whose nodes are all in ``classes``."""
    links = {link[0]: (str(link[1]), link[2]) for link in workflow.get("links", [])}
    prompt = {}
    for node in workflow["nodes"]:
        kind = node.get("type")
        if kind in IGNORED_NODES or node.get("mode") == MUTED:
            continue
        if node.get("mode") == BYPASSED:
            raise ValueError(_export_hint(f"node {node['id']} ({kind}) is bypassed"))
        if kind not in classes:
            raise ValueError(
                _export_hint(f"node {node['id']} has the type {kind!r}, which runs only in ComfyUI")
            )
        schema = classes[kind].define_schema()
        linked = {i["name"]: links[i["link"]] for i in node.get("inputs", []) if i.get("link") in links}
        values = node.get("widgets_values", [])
        inputs: dict[str, Any] = {}
        position = 0
        for spec in schema.inputs:
            if is_widget(spec):
                if isinstance(values, dict):
                    if spec.id in values:
                        inputs[spec.id] = values[spec.id]
                elif position < len(values):
                    inputs[spec.id] = values[position]
                position += widget_slots(spec)
            if spec.id in linked:
                source, slot = linked[spec.id]
                inputs[spec.id] = [source, slot]
        prompt[str(node["id"])] = {
            "inputs": inputs,
            "class_type": kind,
            "_meta": {"title": node.get("title") or schema.display_name or kind},
        }
    return prompt
