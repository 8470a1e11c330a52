"""The shipped process diagrams are drawn without shapes on top of each other (issue 20: the case
page's diagram had tasks, events and gateways overlapping). Containers (lanes, pools, embedded
sub-processes) hold shapes by design, and a boundary event sits on its task's border."""
from pathlib import Path

import pytest
from lxml import etree

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CONTAINERS = {"lane", "participant", "subProcess", "process", "group", "textAnnotation"}


def _shapes(path: Path) -> dict[str, tuple[str, float, float, float, float]]:
    root = etree.parse(str(path)).getroot()
    kinds = {n.get("id"): etree.QName(n).localname for n in root.iter() if isinstance(n.tag, str) and n.get("id")}
    hosts = {n.get("id"): n.get("attachedToRef") for n in root.iter(f"{{{BPMN}}}boundaryEvent")}
    shapes = {}
    for shape in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape"):
        element = shape.get("bpmnElement")
        bounds = shape.find("{http://www.omg.org/spec/DD/20100524/DC}Bounds")
        if kinds.get(element) in CONTAINERS or bounds is None:
            continue
        shapes[element] = (hosts.get(element), *(float(bounds.get(k)) for k in ("x", "y", "width", "height")))
    return shapes


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.bpmn")), ids=lambda p: p.name)
def test_no_two_shapes_overlap(path):
    shapes = _shapes(path)
    names = sorted(shapes)
    overlapping = []
    for i, a in enumerate(names):
        host_a, ax, ay, aw, ah = shapes[a]
        for b in names[i + 1:]:
            host_b, bx, by, bw, bh = shapes[b]
            if host_a == b or host_b == a:
                continue
            if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
                overlapping.append((a, b))
    assert overlapping == []
