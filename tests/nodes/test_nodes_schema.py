"""What every node promises ComfyUI users: an id, a name, one menu category, a tooltip on every input."""

import pytest

from talkies.nodes import NODES
from talkies.nodes.standalone.workflow_format import is_widget


@pytest.mark.parametrize("node", NODES, ids=lambda n: n.__name__)
def test_node_schema_is_complete(node):
    schema = node.define_schema()
    assert schema.node_id == node.__name__ and schema.node_id.startswith("Talkies")
    assert schema.display_name.startswith("Talkies ") and schema.description
    assert schema.category.startswith("Talkies/")
    for spec in schema.inputs:
        assert spec.tooltip, f"{schema.node_id}.{spec.id} has no tooltip"
        if is_widget(spec) and spec.get_io_type() == "COMBO":
            # A combo without a default (a list of files) starts at its first choice, as in ComfyUI.
            assert spec.default is None or spec.default in spec.options, (
                f"{schema.node_id}.{spec.id}: default not among the choices"
            )
        elif is_widget(spec) and spec.get_io_type() in ("INT", "FLOAT"):
            assert spec.min <= spec.default <= spec.max, f"{schema.node_id}.{spec.id}: default out of range"
    assert schema.outputs or schema.is_output_node, f"{schema.node_id} neither outputs nor shows anything"
    assert all(o.display_name for o in schema.outputs)
    assert len({s.id for s in schema.inputs}) == len(schema.inputs)


def test_the_saver_and_the_previewer_are_the_output_nodes_and_only_the_saver_receives_the_workflow():
    outputs = {
        n.define_schema().node_id: n.define_schema() for n in NODES if n.define_schema().is_output_node
    }
    assert sorted(outputs) == ["TalkiesPreviewClip", "TalkiesSaveClip"]
    assert {h.value for h in outputs["TalkiesSaveClip"].hidden} == {"PROMPT", "EXTRA_PNGINFO"}
    assert not outputs["TalkiesPreviewClip"].hidden
