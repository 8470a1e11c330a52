"""A version's change summary names the elements whose meaning changed (issue 20: a version saved
from the modeler listed untouched elements): how the file is written — indentation, namespace
prefixes, attribute order, incoming/outgoing lists, the layout — is no change."""
from pathlib import Path

from lxml import etree

from app.engine import change_summary

BPMN = (Path(__file__).resolve().parent.parent / "workflows" / "warning_rectification.bpmn").read_text(encoding="utf-8")


def _rewritten(xml: str) -> str:
    """The same process written differently: another prefix, re-indented, attributes reversed,
    incoming/outgoing reordered."""
    root = etree.fromstring(xml.encode())
    for node in root.iter():
        if isinstance(node.tag, str):
            items = list(node.attrib.items())
            node.attrib.clear()
            for key, value in reversed(items):
                node.set(key, value)
            flows = [c for c in node if isinstance(c.tag, str) and etree.QName(c).localname in ("incoming", "outgoing")]
            for child in flows:
                node.remove(child)
            for child in reversed(flows):
                node.insert(0, child)
    etree.indent(root, space="    ")
    text = etree.tostring(root, encoding="unicode")
    return text.replace("<bpmn:", "<bpmn2:").replace("</bpmn:", "</bpmn2:").replace("xmlns:bpmn=", "xmlns:bpmn2=")


def test_a_file_written_differently_changes_nothing():
    assert change_summary(BPMN, _rewritten(BPMN)) == {"added": [], "removed": [], "changed": []}


def test_renaming_one_task_changes_that_task_only():
    root = etree.fromstring(BPMN.encode())
    task = root.xpath("//*[local-name()='userTask']")[0]
    task.set("name", task.get("name") + "（复核）")
    renamed = _rewritten(etree.tostring(root, encoding="unicode"))
    assert change_summary(BPMN, renamed) == {"added": [], "removed": [], "changed": [task.get("id")]}


def test_a_condition_or_lane_membership_is_a_change():
    root = etree.fromstring(BPMN.encode())
    condition = root.xpath("//*[local-name()='conditionExpression']")[0]
    condition.text = condition.text + " and True"
    flow = condition.getparent().get("id")
    lanes = root.xpath("//*[local-name()='lane']")
    ref = lanes[0].xpath("*[local-name()='flowNodeRef']")[0]
    lanes[0].remove(ref)
    lanes[1].append(ref)
    summary = change_summary(BPMN, etree.tostring(root, encoding="unicode"))
    assert summary["changed"] == sorted([flow, lanes[0].get("id"), lanes[1].get("id")])
