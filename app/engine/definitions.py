"""Parse, validate and deploy BPMN process definitions.

Validation happens here, at deploy time, once: safe XML, the BPMN schema, Spiff's parser, our
attributes (lane role, form, due time) and every condition, timer and script compiled by the
sandbox. A file with any problem is refused whole, with each problem naming its element."""
from __future__ import annotations

import hashlib
import json
import re
import textwrap
from collections.abc import Collection
from dataclasses import dataclass

from flask import current_app
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy import func, select

from app.engine import sandbox
from app.engine.helpers import ACTIONS, callable_names, known_decisions
from app.engine.models import ProcessDefinition, ProcessVersion
from app.engine.palette import (
    FLOW_NODES, clock_conditions, join_links, link_problems, refused_constructs, unthrown_signals, unnamed_messages,
)
from app.engine.serializer import spec_to_json
from app.engine.service_tasks import ChengxinBpmnParser
from app.engine.timers import clock_timers, literal_problem
from app.engine.xmlsafe import parse_xml, xml_text
from app.core.errors import ProcessError
from app.core.extensions import db

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CX_NS = "https://chengxin.example.org/schema/bpmn/1.0"
NS = {"bpmn": BPMN_NS, "cx": CX_NS}
RESERVED_IDS = {"Start", "End", "Root"}
# A process id is the key of its definition, a URL segment (/designer/<key>) and a file name
# (<key>.bpmn): an ASCII XML name, as the modeler makes them ("Process_0abc"). The lengths are the
# columns it is stored in: ProcessDefinition.key / HumanTask.bpmn_id / Incident.element_id (100),
# ProcessDefinition.name / HumanTask.name / Incident.element_name (200).
PROCESS_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
ID_MAX, NAME_MAX = 100, 200


@dataclass(frozen=True)
class Problem:
    element_id: str
    element_name: str
    message: str

    def __str__(self) -> str:
        where = self.element_id + (f"（{self.element_name}）" if self.element_name else "")
        return f"{where}: {self.message}" if where else self.message


class DeployRefused(ProcessError):
    def __init__(self, filename: str, problems: list[Problem]):
        super().__init__(
            f"{filename}: 流程定义有 {len(problems)} 个问题，未部署：" + "；".join(str(p) for p in problems),
            {"bpmn": [str(p) for p in problems]},
        )
        self.problems = problems


@dataclass
class ParsedProcess:
    key: str
    name: str
    filename: str
    xml_text: str
    content_hash: str
    spec_json: str
    meta: dict
    start_form: str | None


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _label(node) -> tuple[str, str]:
    return node.get("id", ""), node.get("name", "") or ""


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def process_id_problems(process_id: str | None, name: str | None) -> list[Problem]:
    """What is wrong with a process's id and name (each Problem naming the process); [] when
    storable. The one check of a process id, for drafts and deployment alike: an ASCII XML name
    (letter or `_`, then letters, digits, `_ . -`) of at most ID_MAX characters, a name of at
    most NAME_MAX."""
    process_id, name = process_id or "", name or ""
    label = (_short(process_id), _short(name))
    problems = []
    if not PROCESS_ID.fullmatch(process_id):
        problems.append(Problem(*label, "流程 id 只能由英文字母、数字、下划线、点和连字符组成，且以字母或下划线开头"))
    if len(process_id) > ID_MAX:
        problems.append(Problem(*label, f"流程 id 过长：{len(process_id)} 个字符，最多 {ID_MAX} 个"))
    if len(name) > NAME_MAX:
        problems.append(Problem(*label, f"流程名称过长：{len(name)} 个字符，最多 {NAME_MAX} 个"))
    return problems


def _length_problems(process) -> list[Problem]:
    """Flow-node ids and names longer than the columns that keep them (tasks, incidents)."""
    problems = []
    for node in process.iter():
        if _local(node.tag) not in FLOW_NODES and _local(node.tag) != "sequenceFlow":
            continue
        node_id, name = _label(node)
        label = (_short(node_id), _short(name))
        if len(node_id) > ID_MAX:
            problems.append(Problem(*label, f"元素 id 过长：{len(node_id)} 个字符，最多 {ID_MAX} 个"))
        if len(name) > NAME_MAX:
            problems.append(Problem(*label, f"元素名称过长：{len(name)} 个字符，最多 {NAME_MAX} 个"))
    return problems


def _check_code(problems, node, source, mode, what):
    source = (source or "").strip()
    if not source:
        problems.append(Problem(*_label(node), f"{what}为空"))
        return
    try:
        if mode == "eval":
            sandbox.compile_expression(source, functions=callable_names())
        else:
            sandbox.compile_script(source, functions=callable_names())
    except sandbox.SandboxError as exc:
        problems.append(Problem(*_label(node), f"{what}无效：{exc}"))


def _check_decision(problems: list[Problem], node) -> None:
    """A business rule task names a deployed decision table (cx:decision); its date (cx:on) and
    inputs (cx:inputs), when given, compile in the sandbox."""
    decision = node.get(f"{{{CX_NS}}}decision")  # missing: refused by the palette table (palette.py)
    known = known_decisions()
    if decision and decision not in known:
        problems.append(Problem(*_label(node), f"规则任务的决策表（cx:decision）“{decision}”不存在"
                                               f"（已部署：{', '.join(sorted(known)) or '无'}）"))
    for attr, what in (("on", "规则任务的日期（cx:on）"), ("inputs", "规则任务的输入（cx:inputs）")):
        source = node.get(f"{{{CX_NS}}}{attr}")
        if source is not None:
            _check_code(problems, node, source, "eval", what)


def lane_role(lane) -> str:
    """A lane's role code: our `cx:role` attribute, else the lane's name (plain BPMN files)."""
    return lane.get(f"{{{CX_NS}}}role") or lane.get("name") or ""


def _lanes_by_node(process) -> dict[str, str]:
    lanes = {}
    for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
        if ref.text:
            lanes[ref.text.strip()] = lane_role(ref.getparent())
    return lanes


def _lane_of(node, lanes) -> str | None:
    """Lane of a node; nodes inside an embedded sub-process inherit the sub-process's lane."""
    while node is not None:
        if node.get("id") in lanes:
            return lanes[node.get("id")]
        node = node.getparent()
        if node is not None and _local(node.tag) == "process":
            return None
    return None


def case_file_refs(value: str | None) -> list[str] | None:
    """The earlier steps a user task's case file (卷宗) shows, from `cx:caseFile`: element ids or
    form keys separated by spaces or commas. None when the attribute is absent (all earlier
    human steps)."""
    if value is None:
        return None
    return [ref for ref in value.replace(",", " ").replace("，", " ").split() if ref]


def _check_case_files(process, meta: dict) -> list[Problem]:
    """Every `cx:caseFile` entry names a user task or the start event of this process (by element
    id) or a form one of them uses."""
    known = set(meta["tasks"]) | {info["form"] for info in meta["tasks"].values() if info["form"]}
    if meta["start_event"]:
        known |= {meta["start_event"], meta["start_form"]} - {None}
    problems = []
    for node in process.iter(f"{{{BPMN_NS}}}userTask"):
        unknown = [ref for ref in meta["tasks"][node.get("id", "")]["case_file"] or () if ref not in known]
        if unknown:
            problems.append(Problem(*_label(node), "卷宗（cx:caseFile）中的 " + "、".join(f"“{ref}”" for ref in unknown)
                                    + " 不是本流程的用户任务、开始事件或其表单"))
    return problems


# Throw events the engine library cannot deliver out of one instance of a multi-instance
# sub-process while the other instances still run (SpiffWorkflow 3.2: "a task with id … was not
# found", every task of the sub-process left open, the case stranded). Refused until it runs.
_UNSAFE_IN_MULTI_INSTANCE = {"errorEventDefinition": "错误结束事件"}


def _check_throw_in_multi_instance(problems: list[Problem], node) -> None:
    for definition, what in _UNSAFE_IN_MULTI_INSTANCE.items():
        if node.find(f"bpmn:{definition}", NS) is None:
            continue
        for ancestor in node.iterancestors(f"{{{BPMN_NS}}}subProcess"):
            if ancestor.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None:
                sub = ancestor.get("name") or ancestor.get("id")
                problems.append(Problem(*_label(node), (
                    f"{what}位于多实例子流程“{sub}”中：其中一个实例抛出时，引擎无法撤下其他实例并走边界事件，"
                    "案件会卡住。请改为在子流程内记录结果（例如脚本设置变量后正常结束），"
                    "子流程结束后用排他网关判断；或不用多实例")))
                break


# Expressions besides flow conditions, timers and scripts, compiled at deploy like them; the
# element named in a problem is the one the designer drew (the task, event or sub-process).
_OTHER_EXPRESSIONS = {"condition": "条件事件的条件", "loopCondition": "循环条件", "completionCondition": "完成条件",
                      "loopCardinality": "多实例的实例数"}


def _owner(expression):
    node = expression.getparent()
    while node is not None and _local(node.tag) not in FLOW_NODES:
        node = node.getparent()
    return node if node is not None else expression


def _check_our_rules(process, roles: Collection[str], forms: Collection[str]) -> tuple[list[Problem], dict]:
    problems: list[Problem] = []
    lanes = _lanes_by_node(process)
    node_ids = {n.get("id") for n in process.iter() if _local(n.tag) in FLOW_NODES}
    meta: dict = {"tasks": {}, "start_form": None, "start_lane": None, "start_event": None}
    for node in process.iter():
        tag = _local(node.tag)
        node_id = node.get("id", "")
        if tag in FLOW_NODES or tag == "sequenceFlow":
            if node_id in RESERVED_IDS or node_id.endswith(".EndJoin"):
                problems.append(Problem(*_label(node), f"元素 id “{node_id}” 是引擎保留字，请改名"))
        if tag == "userTask":
            lane = _lane_of(node, lanes)
            form = node.get(f"{{{CX_NS}}}form")
            due = node.get(f"{{{CX_NS}}}due")
            if not lane:
                problems.append(Problem(*_label(node), "用户任务必须位于以角色代码命名的泳道中"))
            elif lane not in roles:
                problems.append(Problem(*_label(node), f"泳道 “{lane}” 不是已知角色（{', '.join(sorted(roles))}）"))
            if not form:
                problems.append(Problem(*_label(node), "用户任务缺少表单（cx:form）"))
            elif form not in forms:
                problems.append(Problem(*_label(node), f"表单 “{form}” 不存在于 forms/ 目录"))
            if due is not None:
                _check_code(problems, node, due, "eval", "期限表达式（cx:due）")
            meta["tasks"][node_id] = {"name": node.get("name") or node_id, "lane": lane, "form": form, "due": due,
                                      "case_file": case_file_refs(node.get(f"{{{CX_NS}}}caseFile"))}
        elif tag == "startEvent" and _local(node.getparent().tag) == "process":
            form = node.get(f"{{{CX_NS}}}form")
            meta["start_lane"] = _lane_of(node, lanes)
            meta["start_event"] = node_id
            if form:
                if form not in forms:
                    problems.append(Problem(*_label(node), f"开始表单 “{form}” 不存在于 forms/ 目录"))
                meta["start_form"] = form
        elif tag == "sequenceFlow":
            for end in ("sourceRef", "targetRef"):
                if node.get(end) not in node_ids:
                    problems.append(Problem(*_label(node), f"顺序流的 {end} 指向不存在的元素 “{node.get(end)}”"))
        elif tag == "conditionExpression":
            flow = node.getparent()
            _check_code(problems, flow, node.text, "eval", "条件表达式")
        elif tag in _OTHER_EXPRESSIONS:
            _check_code(problems, _owner(node), node.text, "eval", _OTHER_EXPRESSIONS[tag])
        elif tag in ("timeDate", "timeDuration", "timeCycle"):
            event = node.getparent().getparent()
            _check_code(problems, event, node.text, "eval", "定时器表达式")
            literal = literal_problem(tag, node.text)
            if literal:
                problems.append(Problem(*_label(event), literal))
        elif tag == "scriptTask":
            script = node.find("bpmn:script", NS)
            _check_code(problems, node, script.text if script is not None else "", "exec", "脚本")
        elif tag == "serviceTask":
            action = node.get(f"{{{CX_NS}}}action")
            if action not in ACTIONS:
                problems.append(Problem(*_label(node), f"服务任务的动作（cx:action）“{action or ''}”不在允许的动作中"
                                                       f"（{', '.join(sorted(ACTIONS))}）"))
            else:
                _check_code(problems, node, f"{action}({node.get(f'{{{CX_NS}}}params') or ''})", "exec", "服务任务参数")
        elif tag == "businessRuleTask":
            _check_decision(problems, node)
        elif tag in ("endEvent", "intermediateThrowEvent"):
            _check_throw_in_multi_instance(problems, node)
        elif tag in ("exclusiveGateway", "inclusiveGateway"):
            outgoing = process.xpath(".//bpmn:sequenceFlow[@sourceRef=$id]", namespaces=NS, id=node_id)
            conditional = any(f.find("bpmn:conditionExpression", NS) is not None for f in outgoing)
            if tag == "exclusiveGateway" and len(outgoing) > 1 and not node.get("default"):
                problems.append(Problem(*_label(node), "排他网关有多个出口时必须指定默认流"))
            elif conditional and not node.get("default"):
                # No condition true and no default: the engine stops there and the case is stuck
                # (issue 15 attack: an inclusive gateway without a default deployed).
                what = "排他网关" if tag == "exclusiveGateway" else "包容网关"
                problems.append(Problem(*_label(node), f"{what}的出口带条件时必须指定默认流：没有条件成立时案件会卡住"))
    for boundary in process.iter(f"{{{BPMN_NS}}}boundaryEvent"):  # deadlines the model enforces itself
        task = meta["tasks"].get(boundary.get("attachedToRef"))
        if task is not None and boundary.find("bpmn:timerEventDefinition", NS) is not None:
            task["deadline_timer"] = True
    problems.extend(_check_case_files(process, meta))
    problems += _palette_problems(process)
    return problems, meta


def _palette_problems(process) -> list[Problem]:
    """Constructs of the modeler's palette the engine cannot run here (app/engine/palette.py),
    link events that cannot be joined, signal catches no step of the process throws, and
    conditional events waiting for time to pass."""
    refused = list(refused_constructs(process))
    refused_ids = {node.get("id") for node, _ in refused}
    problems = [Problem(*_label(node), f"不支持{row.construct}：{row.reason}") for node, row in refused]
    problems += [Problem(*_label(node), message) for node, message in link_problems(process)]
    problems += [Problem(*_label(node), "本流程中没有抛出这个信号的中间信号抛出事件：信号只在同一案件内传递，这里会一直等待。"
                                         "请在本流程中加中间信号抛出事件，或改用定时/条件事件")
                 for node in unthrown_signals(process) if node.get("id") not in refused_ids]
    problems += [Problem(*_label(node), "条件事件只在本案件有步骤办理后重新判断，不会因时间推移而触发，案件会一直等待。"
                                         "与时间有关的等待请用定时事件（例如 working_days_deadline(n)）")
                 for node in clock_conditions(process) if node.get("id") not in refused_ids]
    problems += [Problem(*_label(node), "消息捕获事件要引用一个有名称的消息（messageRef 指向 <bpmn:message name=…>）："
                                         "外部系统和表单按这个名称送达消息。请在属性面板选择或新建消息并填写名称")
                 for node in unnamed_messages(process) if node.get("id") not in refused_ids]
    return problems


def parse_bpmn(data: bytes, filename: str, *, roles: Collection[str], forms: Collection[str]) -> ParsedProcess:
    """Validate a BPMN file completely. Raises DeployRefused listing every problem found."""
    root = parse_xml(data, max_bytes=current_app.config["BPMN_MAX_BYTES"], filename=filename)
    if _local(root.tag) != "definitions" or etree.QName(root).namespace != BPMN_NS:
        raise DeployRefused(filename, [Problem("", "", "根元素必须是 bpmn:definitions")])
    processes = root.findall("bpmn:process", NS)
    if len(processes) != 1:
        raise DeployRefused(filename, [Problem("", "", f"文件必须只包含一个流程，实际有 {len(processes)} 个")])
    process = processes[0]
    key, name = process.get("id"), process.get("name") or process.get("id")

    problems, meta = _check_our_rules(process, roles, forms)
    problems = process_id_problems(process.get("id"), process.get("name")) + _length_problems(process) + problems
    if next(refused_constructs(process), None) is not None or unnamed_messages(process):
        raise DeployRefused(filename, problems)  # the parser would only repeat them in its own words (or crash)
    spec_json = ""
    try:
        parser = ChengxinBpmnParser(validator=BpmnValidator())
        parser.add_bpmn_xml(join_links(root), filename)
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
        clock_timers([spec, *subprocess_specs.values()])
        spec_json = spec_to_json(spec, subprocess_specs)
    except ValidationException as exc:
        message = str(exc).replace(f"{{{BPMN_NS}}}", "bpmn:").strip(" .")
        line = getattr(exc, "line_number", "")
        problems.append(Problem(getattr(exc, "id", "") or "", getattr(exc, "name", "") or "",
                                (f"第 {line} 行：" if line else "") + message))
    except SpiffWorkflowException as exc:
        problems.append(Problem("", "", f"流程无法解析：{exc}"))
    if problems:
        raise DeployRefused(filename, problems)
    text = xml_text(data, root)
    return ParsedProcess(
        key=key, name=name, filename=filename, xml_text=text,
        content_hash=hashlib.sha256(data).hexdigest(), spec_json=spec_json,
        meta=meta, start_form=meta["start_form"],
    )


def deploy(data: bytes, filename: str, *, roles, forms, author_id: int | None = None,
           comment: str = "") -> tuple[ProcessVersion, bool]:
    """Deploy a file as a new version unless identical content is already deployed.
    Adds to the session; the caller commits. Returns (version, created)."""
    parsed = parse_bpmn(data, filename, roles=roles, forms=forms)
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == parsed.key))
    if definition is None:
        definition = ProcessDefinition(key=parsed.key, name=parsed.name)
        db.session.add(definition)
        db.session.flush()
    else:
        definition.name = parsed.name
        existing = db.session.scalar(select(ProcessVersion).where(
            ProcessVersion.definition_id == definition.id, ProcessVersion.content_hash == parsed.content_hash))
        if existing is not None:
            return existing, False
    number = (db.session.scalar(select(func.max(ProcessVersion.version))
                                .where(ProcessVersion.definition_id == definition.id)) or 0) + 1
    version = ProcessVersion(
        definition_id=definition.id, version=number, content_hash=parsed.content_hash,
        filename=parsed.filename, bpmn_xml=parsed.xml_text, spec_json=parsed.spec_json,
        task_meta_json=json.dumps(parsed.meta, ensure_ascii=False), start_form=parsed.start_form,
        deployed_by_id=author_id, comment=comment,
    )
    db.session.add(version)
    db.session.flush()
    return version, True


def latest_version(key: str) -> ProcessVersion | None:
    return db.session.scalar(
        select(ProcessVersion).join(ProcessDefinition)
        .where(ProcessDefinition.key == key).order_by(ProcessVersion.version.desc()).limit(1)
    )



def previous_version(version: ProcessVersion) -> ProcessVersion | None:
    return db.session.scalar(
        select(ProcessVersion).where(ProcessVersion.definition_id == version.definition_id,
                                     ProcessVersion.version < version.version)
        .order_by(ProcessVersion.version.desc()).limit(1))


# Children that restate what the sequence flows already say (a changed flow is listed itself).
_DERIVED = {f"{{{BPMN_NS}}}incoming", f"{{{BPMN_NS}}}outgoing"}


def _meaning(node) -> tuple:
    """What an element says, independent of how the file is written: its tag and attributes by
    namespace URI (not prefix), its text without the indentation around it, and its children
    that have no id of their own (conditions, scripts, timer definitions, extension attributes)
    — not the ones with an id, which are compared on their own, nor incoming/outgoing. A lane's
    flow node references count as a set."""
    text = textwrap.dedent(node.text or "").strip()
    children = [_meaning(child) for child in node if isinstance(child.tag, str)
                and child.get("id") is None and child.tag not in _DERIVED]
    if _local(node.tag) == "lane":
        children.sort()
    return node.tag, tuple(sorted(node.attrib.items())), text, tuple(children)


def _elements(xml: str | None) -> dict[str, tuple]:
    """{element id: its meaning} for the elements of a process (diagram shapes and layout ignored)."""
    if not xml:
        return {}
    root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    result = {}
    for process in root.iterfind("bpmn:process", NS):
        for node in process.iter():
            if isinstance(node.tag, str) and node.get("id") and node is not process:
                result[node.get("id")] = _meaning(node)
    return result


def change_summary(old_xml: str | None, new_xml: str) -> dict[str, list[str]]:
    """Element ids added, removed and changed between two versions of a process: changed in what
    they say (name, type, condition, script, form, deadline, lane membership…), not in how the
    file writes them (indentation, namespace prefixes, attribute order, the modeler's layout)."""
    old, new = _elements(old_xml), _elements(new_xml)
    return {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys()),
            "changed": sorted(k for k in old.keys() & new.keys() if old[k] != new[k])}
