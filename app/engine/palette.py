"""What the modeler's palette offers that this engine cannot run correctly here, refused at
deploy with the designer's name for it, why, and what to draw instead (issue 15: "never accept
a model that will strand cases"). Each row was found by deploying a minimal model and running
it on the real engine (tests/engine/test_palette.py keeps every row and every supported
construct as a test). The modeler's lint shows the same rows (the designer page hands them to
frontend/designer/lint.js, which applies the same placements).

Link events are run, not refused: Spiff 3.2 does not parse them, so `join_links` turns each
throw → catch pair into a sequence flow in the tree handed to the parser."""
from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from app.engine.helpers import READS_CLOCK
from app.core.i18n import N_

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CX_NS = "https://chengxin.example.org/schema/bpmn/1.0"
NS = {"bpmn": BPMN_NS}
ANY = "*"  # a row's tag matching every flow node
NONE = "none"  # a row's definition matching an event without an event definition

_MESSAGE = N_("本系统的 BPMN 消息只从外部送达（接口 POST /api/v1/cases/<id>/events、按关联键 POST /api/v1/events，或登记表单），"
              "流程内不发送消息：发出的消息无人接收。等待外部结果请用中间消息捕获事件或消息边界事件；要通知有关人员请用服务任务（cx:action）")
_MESSAGE_START = N_("案件只能由登记表单发起，消息不会发起新案件，也不会启动事件子流程（引擎不按消息启动它）。"
                    "等待外部消息请在运行中的步骤上挂消息边界事件（中断或非中断），或用中间消息捕获事件")
_RECEIVE_TASK = N_("接受任务在本引擎中不会被外部消息唤醒，案件会卡住。请改用中间消息捕获事件（消息名称即接口的 message）")
_COMPENSATION = N_("引擎不支持补偿：补偿抛出会被当作普通事件跳过，补偿边界事件无法解析。请画出明确的撤销步骤（脚本任务或服务任务）")


@dataclass(frozen=True)
class RefusedConstruct:
    """One row: elements with local name in `tags` (ANY: every flow node), carrying one of
    `definitions` (event definition local names, NONE: none; empty: not looked at), where the
    placement `where` holds. `construct` is the designer's name (bpmn-js's Chinese palette)."""

    key: str
    construct: str
    tags: tuple[str, ...]
    definitions: tuple[str, ...]
    where: str
    reason: str

    def as_config(self, translate: Callable[[str], str] = str) -> dict:
        """The row as the modeler's lint reads it (page config `refused`), texts through `translate`."""
        return {"key": self.key, "construct": translate(self.construct), "reason": translate(self.reason),
                "tags": list(self.tags), "definitions": list(self.definitions), "where": self.where}


def _local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _parent_kind(node) -> str:
    parent = node.getparent()
    if parent is None:
        return ""
    if _local(parent) == "subProcess" and parent.get("triggeredByEvent") == "true":
        return "event-sub-process"
    return _local(parent)


def _definition_names(node) -> list[str]:
    return [_local(c) for c in node if _local(c).endswith("EventDefinition")]


def _outside_transaction(node) -> bool:
    """A cancel end event not inside a transaction, a cancel boundary event not on one."""
    if _local(node) == "boundaryEvent":
        attached = node.getroottree().getroot().xpath("//*[@id=$id]", id=node.get("attachedToRef", ""))
        return not attached or _local(attached[0]) != "transaction"
    return next(node.iterancestors(f"{{{BPMN_NS}}}transaction"), None) is None


def _cancels_multi_instance_sub_process(node) -> bool:
    """An interrupting boundary event on a multi-instance sub-process, or on a sub-process that
    contains one: when it fires, Spiff 3.2 fails to cancel the running instances ("a task with id
    … was not found") whatever the trigger (timer, signal, escalation, error, cancel)."""
    if node.get("cancelActivity", "true") == "false":
        return False
    attached = node.getroottree().getroot().xpath("//*[@id=$id]", id=node.get("attachedToRef", ""))
    return bool(attached) and any(
        _local(n) in ("subProcess", "transaction") and n.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None
        for n in attached[0].iter())


# Placement predicates by name; lint.js implements the same names.
PLACEMENTS: dict[str, Callable[[etree._Element], bool]] = {
    "anywhere": lambda node: True,
    "process-start": lambda node: _parent_kind(node) == "process",
    "event-sub-process-interrupting": lambda node: (
        _parent_kind(node) == "event-sub-process" and node.get("isInterrupting", "true") != "false"),
    "event-sub-process": lambda node: _parent_kind(node) == "event-sub-process",
    "parallel-multiple": lambda node: node.get("parallelMultiple") == "true",
    "outside-transaction": _outside_transaction,
    "cancels-multi-instance-sub-process": _cancels_multi_instance_sub_process,
    "data-association": lambda node: node.find("bpmn:dataInputAssociation", NS) is not None
    or node.find("bpmn:dataOutputAssociation", NS) is not None,
    "without-decision": lambda node: not node.get(f"{{{CX_NS}}}decision"),
    "loop-without-limit": lambda node: any(
        loop.find("bpmn:loopCondition", NS) is None and not loop.get("loopMaximum")
        for loop in node.iterfind("bpmn:standardLoopCharacteristics", NS)),
}

_EVENTS = ("startEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "endEvent")

REFUSED: tuple[RefusedConstruct, ...] = (
    # messages: delivered from outside to a running case (catch events, boundary events); never sent
    RefusedConstruct("message-start", N_("消息启动事件"), ("startEvent",), ("messageEventDefinition",), "anywhere", _MESSAGE_START),
    RefusedConstruct("message-throw", N_("中间消息抛出事件"), ("intermediateThrowEvent",), ("messageEventDefinition",), "anywhere", _MESSAGE),
    RefusedConstruct("message-end", N_("结束消息事件"), ("endEvent",), ("messageEventDefinition",), "anywhere", _MESSAGE),
    RefusedConstruct("receive-task", N_("接受任务"), ("receiveTask",), (), "anywhere", _RECEIVE_TASK),
    RefusedConstruct("send-task", N_("发送任务"), ("sendTask",), (), "anywhere", _MESSAGE),
    # a case begins when a recorder registers it
    RefusedConstruct("triggered-process-start", N_("定时、条件或信号启动事件"), ("startEvent",),
                     ("timerEventDefinition", "conditionalEventDefinition", "signalEventDefinition"), "process-start",
                     N_("案件只能由登记表单发起：本系统不会按时间、条件或信号自动发起案件，这种启动事件只会让登记后的案件停住等待"
                        "（信号永远等不到）。请用普通启动事件；需要等待时在其后接中间定时或条件捕获事件")),
    # event sub-processes: Spiff 3.2 runs every one as non-interrupting and parses only some starts
    RefusedConstruct("interrupting-event-sub-process", N_("中断型事件子流程"), ("startEvent",), (),
                     "event-sub-process-interrupting",
                     N_("引擎不会中断主流程：中断型事件子流程与主流程同时运行，主流程的待办不会撤下。请把要被打断的步骤放进子流程，"
                        "在其上挂中断边界事件（定时、信号、升级、错误或条件）；或把此启动事件设为非中断")),
    RefusedConstruct("event-sub-process-immediate-start", N_("事件子流程的错误、升级或普通启动事件"), ("startEvent",),
                     ("errorEventDefinition", "escalationEventDefinition", NONE), "event-sub-process",
                     N_("引擎把事件子流程的错误、升级或普通启动事件当作普通开始：事件子流程在案件一开始就运行。"
                        "请改用挂在子流程上的错误或升级边界事件")),
    RefusedConstruct("event-sub-process-conditional-start", N_("条件启动事件（事件子流程）"), ("startEvent",),
                     ("conditionalEventDefinition",), "event-sub-process",
                     N_("条件启动的事件子流程永远不会被触发。请改用条件边界事件或中间条件捕获事件")),
    # compensation
    RefusedConstruct("compensation-start", N_("补偿启动事件"), ("startEvent",), ("compensateEventDefinition",), "anywhere", _COMPENSATION),
    RefusedConstruct("compensation-throw", N_("中间补偿抛出事件"), ("intermediateThrowEvent",), ("compensateEventDefinition",), "anywhere", _COMPENSATION),
    RefusedConstruct("compensation-boundary", N_("补偿边界事件"), ("boundaryEvent",), ("compensateEventDefinition",), "anywhere", _COMPENSATION),
    RefusedConstruct("compensation-end", N_("结束补偿事件"), ("endEvent",), ("compensateEventDefinition",), "anywhere", _COMPENSATION),
    # events the engine runs differently from what is drawn
    RefusedConstruct("signal-end", N_("结束信号事件"), ("endEvent",), ("signalEventDefinition",), "anywhere",
                     N_("引擎不会从结束事件发出信号（当作普通结束事件），等待该信号的步骤会卡住。请先用中间信号抛出事件，再接普通结束事件")),
    RefusedConstruct("cancel-outside-transaction", N_("事务之外的取消事件"), ("endEvent", "boundaryEvent"),
                     ("cancelEventDefinition",), "outside-transaction",
                     N_("取消事件只属于事务：在事务之外，引擎把取消结束事件当作结束整个案件，其他分支的待办随之消失。"
                        "请把它放进事务子流程（取消边界事件挂在该事务上），或用终止结束事件明确表示结束案件")),
    RefusedConstruct("parallel-multiple", N_("并行多重事件"), _EVENTS, (), "parallel-multiple",
                     N_("引擎在其中任一事件发生时就继续，而不是等全部发生。请用并行网关分出各个捕获事件，再用并行网关汇合")),
    # gateways, tasks, sub-processes
    RefusedConstruct("complex-gateway", N_("复杂网关"), ("complexGateway",), (), "anywhere",
                     N_("引擎不支持复杂网关。请用包容网关（按条件走一条或多条路径并在汇合处等齐）或排他网关")),
    RefusedConstruct("plain-task", N_("任务（未指定类型）"), ("task",), (), "anywhere",
                     N_("未指定类型的任务会成为没有角色和表单、谁也无法办理的待办，案件会卡住。请改为用户任务、脚本任务或服务任务")),
    RefusedConstruct("manual-task", N_("手动任务"), ("manualTask",), (), "anywhere",
                     N_("手动任务没有表单，会成为谁也无法办理的待办，案件会卡住。线下办理的事项请用用户任务（表单记录办理结果）")),
    RefusedConstruct("business-rule-task", N_("未指定决策表的规则任务"), ("businessRuleTask",), (), "without-decision",
                     N_("规则任务要用 cx:decision 指定一张已部署的决策表（DMN），否则无从决策。"
                        "请在属性面板选择决策表，并按需填写决策日期（cx:on）和输入（cx:inputs）")),
    RefusedConstruct("call-activity", N_("引用流程"), ("callActivity",), (), "anywhere",
                     N_("每个部署文件只含一个流程，引用流程找不到被调用的流程。请把被调用的步骤画成嵌入子流程")),
    RefusedConstruct("ad-hoc-sub-process", N_("临时子流程"), ("adHocSubProcess",), (), "anywhere",
                     N_("引擎运行临时子流程会出错，案件会卡住：没有完成条件时办理任一任务即出错，有完成条件时办完一项而条件未满足也出错，"
                        "顺序执行则根本无法解析。请改用子流程：用并行网关或包容网关分出各项任务，再汇合")),
    RefusedConstruct("loop-without-limit", N_("没有循环条件的循环"), (ANY,), (), "loop-without-limit",
                     N_("引擎无法运行既没有循环条件也没有最大次数的循环。请填写循环条件（loopCondition，为真时再做一次）"
                        "或最大次数（loopMaximum）")),
    RefusedConstruct("interrupting-boundary-on-multi-instance", N_("多实例子流程上的中断边界事件"), ("boundaryEvent",), (),
                     "cancels-multi-instance-sub-process",
                     N_("引擎撤下正在运行的多实例子流程时出错（找不到任务），案件会卡住：挂在多实例子流程或包含它的子流程上的"
                        "中断边界事件一触发就会这样。请改用非中断边界事件，或把多实例标记放在用户任务上（多实例用户任务可以被中断）")),
    RefusedConstruct("data-association", N_("数据输入/输出关联"), (ANY,), (), "data-association",
                     N_("引擎会把关联的数据对象当作流程变量搬进搬出：任务数据里没有同名变量时办理即出错，案件会卡住。"
                        "本系统的数据在表单字段和案件中：请删除数据关联，数据对象和数据存储只作说明")),
)

FLOW_NODES = frozenset((
    "userTask", "scriptTask", "task", "serviceTask", "manualTask", "sendTask", "receiveTask", "businessRuleTask",
    *_EVENTS, "exclusiveGateway", "parallelGateway", "inclusiveGateway", "complexGateway", "eventBasedGateway",
    "subProcess", "transaction", "adHocSubProcess", "callActivity"))


def _matches(row: RefusedConstruct, node) -> bool:
    tag = _local(node)
    if not (tag in row.tags or (ANY in row.tags and tag in FLOW_NODES)):
        return False
    if row.definitions:
        names = _definition_names(node)
        if not any(d in names for d in row.definitions) and not (NONE in row.definitions and not names):
            return False
    return PLACEMENTS[row.where](node)


def refused_constructs(process) -> Iterator[tuple[etree._Element, RefusedConstruct]]:
    """(element, first row refusing it) for every element of the process the table refuses."""
    for node in process.iter():
        row = next((r for r in REFUSED if _matches(r, node)), None)
        if row is not None:
            yield node, row


# --- link events ------------------------------------------------------------------------------

def _link_name(event) -> str | None:
    definition = event.find("bpmn:linkEventDefinition", NS)
    if definition is None:
        return None
    return definition.get("name") or event.get("name") or ""


def _links(scope, tag: str) -> list[tuple[etree._Element, str]]:
    found = []
    for event in scope.iterfind(f"bpmn:{tag}", NS):
        name = _link_name(event)
        if name is not None:
            found.append((event, name))
    return found


def _scopes(process) -> Iterator[etree._Element]:
    yield process
    for tag in ("subProcess", "transaction", "adHocSubProcess"):
        yield from process.iterfind(f".//bpmn:{tag}", NS)


def link_problems(process) -> list[tuple[etree._Element, str]]:
    """(element, message) for link events that cannot be joined: a throw whose name no catch of
    the same (sub-)process carries, two catches with one name, a link without a name."""
    problems = []
    for scope in _scopes(process):
        catches: dict[str, etree._Element] = {}
        for event, name in _links(scope, "intermediateCatchEvent"):
            if not name:
                problems.append((event, "中间链接捕获事件需要链接名称"))
            elif name in catches:
                problems.append((event, f"同一流程层级中已有名为“{name}”的中间链接捕获事件，链接名称必须唯一"))
            else:
                catches[name] = event
        for event, name in _links(scope, "intermediateThrowEvent"):
            if not name:
                problems.append((event, "中间链接抛出事件需要链接名称"))
            elif name not in catches:
                problems.append((event, f"同一流程层级中没有名为“{name}”的中间链接捕获事件，案件走到这里会停住"))
    return problems


def join_links(root):
    """A copy of the definitions tree in which each link throw flows into its catch (both as
    plain events, linked by a sequence flow `<throw id>__link`): what Spiff 3.2 can run.
    `root` itself is left unchanged (it is stored as the designer drew it)."""
    if root.find(".//bpmn:linkEventDefinition", NS) is None:
        return root
    root = copy.deepcopy(root)
    for process in root.iterfind("bpmn:process", NS):
        for scope in _scopes(process):
            catches = {name: event for event, name in _links(scope, "intermediateCatchEvent")}
            for event, name in _links(scope, "intermediateThrowEvent"):
                target = catches.get(name)
                if target is None:
                    continue
                flow = etree.Element(f"{{{BPMN_NS}}}sequenceFlow", id=f"{event.get('id')}__link",
                                     sourceRef=event.get("id"), targetRef=target.get("id"))
                event.addnext(flow)  # among the flow elements, before any artifact (schema order)
            for event in scope.iterfind("bpmn:intermediateThrowEvent", NS):
                _drop_link_definition(event)
            for event in scope.iterfind("bpmn:intermediateCatchEvent", NS):
                _drop_link_definition(event)
    return root


def _drop_link_definition(event) -> None:
    definition = event.find("bpmn:linkEventDefinition", NS)
    if definition is not None:
        event.remove(definition)


# --- signals ----------------------------------------------------------------------------------

def _signal(event) -> str | None:
    definition = event.find("bpmn:signalEventDefinition", NS)
    if definition is None:
        return None
    return definition.get("signalRef") or event.get("name") or ""


def unthrown_signals(process) -> list[etree._Element]:
    """Signal catch events (intermediate, boundary, event sub-process start) whose signal no
    intermediate throw event of this process sends: signals travel only inside one case here,
    so such a catch waits for ever."""
    thrown = {_signal(e) for e in process.iterfind(".//bpmn:intermediateThrowEvent", NS)} - {None}
    return [event for tag in ("intermediateCatchEvent", "boundaryEvent", "startEvent")
            for event in process.iterfind(f".//bpmn:{tag}", NS)
            if _signal(event) is not None and _signal(event) not in thrown]


# --- conditional events -----------------------------------------------------------------------

def clock_conditions(process) -> list[etree._Element]:
    """Events whose condition reads the clock (`today()`, …). The engine evaluates a waiting
    condition again only when a step of the same case runs; `tick` wakes a case only for a due
    timer, so a condition that turns true merely because time passed is never seen."""
    found = []
    for condition in process.iterfind(".//bpmn:conditionalEventDefinition/bpmn:condition", NS):
        try:
            names = {n.id for n in ast.walk(ast.parse((condition.text or "").strip(), mode="eval")) if isinstance(n, ast.Name)}
        except SyntaxError:
            continue  # reported by the sandbox's compile check
        if names & READS_CLOCK:
            found.append(condition.getparent().getparent())
    return found


# --- messages ---------------------------------------------------------------------------------

def unnamed_messages(process) -> list[etree._Element]:
    """Message catch events (intermediate, boundary) without a `messageRef` to a `<bpmn:message>`
    with a name: the name is what a sender (the events API, a form) delivers, so it must be
    stated, not guessed from the event's label."""
    root = process.getroottree().getroot()
    named = {m.get("id") for m in root.iterfind("bpmn:message", NS) if (m.get("name") or "").strip()}
    found = []
    for tag in ("intermediateCatchEvent", "boundaryEvent"):
        for event in process.iterfind(f".//bpmn:{tag}", NS):
            definition = event.find("bpmn:messageEventDefinition", NS)
            if definition is not None and definition.get("messageRef") not in named:
                found.append(event)
    return found


def message_names(process) -> list[str]:
    """The names of the messages the process's catch events wait for (sorted, unique)."""
    root = process.getroottree().getroot()
    names = {m.get("id"): m.get("name") for m in root.iterfind("bpmn:message", NS)}
    return sorted({names[d.get("messageRef")] for d in process.iterfind(".//bpmn:messageEventDefinition", NS)
                   if names.get(d.get("messageRef"))})
