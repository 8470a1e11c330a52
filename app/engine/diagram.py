"""Reading a deployed process diagram for people (issue 20): the steps a new case reaches first
(what the start page tells the person registering it), and the diagram's XML with its labels in
the reader's language (lanes by the name of their role, not its code)."""
from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from app.engine.definitions import BPMN_NS, NS, _local, lane_role

# Elements a token passes through without a person (walked through to the first user task).
_PASSING = {"startEvent", "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
            "scriptTask", "serviceTask", "businessRuleTask", "task", "intermediateThrowEvent", "subProcess"}


def _parse(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))


def first_user_tasks(xml: str) -> list[dict]:
    """The user tasks a new case of the process reaches first ([{"id", "name", "lane"}], in the
    order of the diagram's flows): walked from the process's start event along sequence flows
    through gateways, scripts, service and rule tasks, throw events and into embedded
    sub-processes, stopping at user tasks. A path that waits (a timer, a message) before any user
    task adds none. Empty when the process has no user task on those paths."""
    root = _parse(xml)
    process = root.find("bpmn:process", NS)
    if process is None:
        return []
    lanes = {}
    for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
        if ref.text:
            lanes[ref.text.strip()] = lane_role(ref.getparent())
    nodes = {n.get("id"): n for n in process.iter() if isinstance(n.tag, str) and n.get("id")}
    outgoing: dict[str, list[str]] = {}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))

    def lane_of(node):
        while node is not None and node is not process:
            if node.get("id") in lanes:
                return lanes[node.get("id")]
            node = node.getparent()
        return ""

    queue = [n.get("id") for n in process.findall("bpmn:startEvent", NS)]
    seen, found = set(queue), []
    while queue:
        node = nodes.get(queue.pop(0))
        if node is None:
            continue
        kind = _local(node.tag)
        if kind == "userTask":
            found.append({"id": node.get("id"), "name": node.get("name") or node.get("id"), "lane": lane_of(node)})
            continue
        if kind not in _PASSING:
            continue
        following = list(outgoing.get(node.get("id"), []))
        if kind == "subProcess":
            following = [n.get("id") for n in node.findall("bpmn:startEvent", NS)] + following
        for target in following:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return found


def for_display(xml: str, label: Callable[[str], str], lane_label: Callable[[str], str]) -> str:
    """The diagram's XML with every element's name as `label(name)` (the reader's language) and
    each lane named `lane_label(role code)` (e.g. 审核员 / Reviewer for `reviewer`)."""
    root = _parse(xml)
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if _local(node.tag) == "lane":
            role = lane_role(node)
            if role:
                node.set("name", lane_label(role))
        elif node.get("name"):
            node.set("name", label(node.get("name")))
    return etree.tostring(root, encoding="unicode")
