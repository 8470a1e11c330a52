"""The modeler's palette against the engine (issue 15: "check every event and gateway type the
modeler's palette offers … never accept a model that will strand cases"). Each construct bpmn-js
offers (palette, replace menu, loop markers) is a minimal model in this product's dialect: a
recorder registers, the rest is the reviewer's. A supported construct deploys and a small
scenario on the real engine (process-test runner, clock moved for timers) behaves as drawn; a
refused one is refused at deploy naming the element, the construct and what to draw instead.
Scripts mark the path taken by appending to the case title (`mark(id, "A")` → "T+A")."""
from __future__ import annotations

import pytest
from lxml import etree

from app.designer import process_tests
from app.engine import DeployRefused
from app.engine.palette import REFUSED
from app.designer.deployment import deploy_bytes, deploy_workflows_dir
from tests.bpmn_builder import HEADER

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CX = "https://chengxin.example.org/schema/bpmn/1.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
START_DATA = {"subject_type": "department", "subject_department": "fgw", "title": "T",
              "source_type": "administrative_penalty", "document_number": "测〔2026〕1号",
              "key_area": "政府采购", "tier": "minor", "facts": "测试事实", "decided_on": "2026-09-14"}
USERS = {"recorder": {"department": "xyzx", "roles": ["recorder"]}, "reviewer": {"department": "xyzx", "roles": ["reviewer"]}}
ACCEPT = {"plan_decision": "accept", "plan_opinion": "好"}
RETURN = {"plan_decision": "return", "plan_opinion": "再来"}
SIGNAL = '<bpmn:signal id="sig" name="通知" />'
ESCALATION = '<bpmn:escalation id="esc" name="上报" escalationCode="up" />'
MESSAGE = '<bpmn:message id="msg" name="来函" />'
ERROR = '<bpmn:error id="err" name="失败" errorCode="fail" />'
TWO_DAYS = "working_days_deadline(2)"
MULTI_INSTANCE = ('<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality>'
                  '</bpmn:multiInstanceLoopCharacteristics>')


# --- model builders ---------------------------------------------------------------------------

def user(id_: str, body: str = "") -> str:
    return f'<bpmn:userTask id="{id_}" name="办理{id_}" cx:form="plan_review" cx:due="5">{body}</bpmn:userTask>'


def mark(id_: str, letter: str) -> str:
    return (f'<bpmn:scriptTask id="{id_}" name="标记{letter}"><bpmn:script>'
            f"correct_record({{'title': case['title'] + '+{letter}'}})</bpmn:script></bpmn:scriptTask>")


def event(tag: str, id_: str, definition: str = "", attrs: str = "") -> str:
    return f'<bpmn:{tag} id="{id_}" name="事件{id_}"{attrs}>{definition}</bpmn:{tag}>'


def ends(*ids: str) -> str:
    return "".join(f'<bpmn:endEvent id="{i}" />' for i in ids)


def flow(id_: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{id_}" sourceRef="{source}" targetRef="{target}" />'
    return (f'<bpmn:sequenceFlow id="{id_}" sourceRef="{source}" targetRef="{target}"><bpmn:conditionExpression '
            f'xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>')


def chain(*ids: str, prefix: str = "c") -> str:
    return "".join(flow(f"{prefix}{i}", a, b) for i, (a, b) in enumerate(zip(ids, ids[1:])))


def timer(expression: str = TWO_DAYS, kind: str = "timeDate") -> str:
    return (f'<bpmn:timerEventDefinition><bpmn:{kind} xsi:type="bpmn:tFormalExpression">{expression}'
            f'</bpmn:{kind}></bpmn:timerEventDefinition>')


def condition(expression: str) -> str:
    return (f'<bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">{expression}'
            '</bpmn:condition></bpmn:conditionalEventDefinition>')


SIGNAL_DEF = '<bpmn:signalEventDefinition signalRef="sig" />'
ESCALATION_DEF = '<bpmn:escalationEventDefinition escalationRef="esc" />'
MESSAGE_DEF = '<bpmn:messageEventDefinition messageRef="msg" />'
ERROR_DEF = '<bpmn:errorEventDefinition errorRef="err" />'
COMPENSATE_DEF = '<bpmn:compensateEventDefinition />'


def sub_process(inner: str, *, id_: str = "sub", attrs: str = "", tag: str = "subProcess") -> str:
    return f'<bpmn:{tag} id="{id_}" name="子流程{id_}"{attrs}>{inner}</bpmn:{tag}>'


def simple_sub(end: str) -> str:
    """A sub-process: start → user task a → `end` (an end event with id se)."""
    return sub_process('<bpmn:startEvent id="ss" />' + user("a") + end + chain("ss", "a", "se", prefix="s"))


def model(body: str, *, definitions: str = "", start: str = "", key: str = "palette_probe") -> bytes:
    """Process `key`: start event `begin` (recorder lane, start form; `start` replaces it) and
    `body`, whose flows must leave `begin`. Top-level flow nodes go to the reviewer lane."""
    start = start or '<bpmn:startEvent id="begin" name="登记" cx:form="record_register" />'
    tree = etree.fromstring(f'<p xmlns:bpmn="{BPMN}" xmlns:cx="{CX}" xmlns:xsi="{XSI}">{start}{body}</p>')
    skip = {"sequenceFlow", "boundaryEvent", "textAnnotation", "association", "group", "dataObject",
            "dataStoreReference", "dataObjectReference"}
    reviewer = [n.get("id") for n in tree if n.get("id") != "begin" and etree.QName(n).localname not in skip]
    lanes = ('<bpmn:laneSet id="ls"><bpmn:lane id="l_rec" name="recorder"><bpmn:flowNodeRef>begin</bpmn:flowNodeRef></bpmn:lane>'
             '<bpmn:lane id="l_rev" name="reviewer">' + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in reviewer)
             + '</bpmn:lane></bpmn:laneSet>')
    return (HEADER + definitions + f'<bpmn:process id="{key}" name="构件探针" isExecutable="true">{lanes}{start}{body}'
            '</bpmn:process></bpmn:definitions>\n').encode()


def boundary_on_a(definition: str, *, interrupting: bool = True, definitions: str = "", extra: str = "") -> bytes:
    """User task a with a boundary event be → user task b; a's normal way out ends."""
    attrs = f' attachedToRef="a" cancelActivity="{"true" if interrupting else "false"}"'
    return model(user("a") + event("boundaryEvent", "be", definition, attrs) + user("b") + ends("e", "e2") + extra
                 + chain("begin", "a", "e") + chain("be", "b", "e2", prefix="b"), definitions=definitions)


def event_sub_process(start_definition: str, *, interrupting: bool = False, definitions: str = "", main: str = "") -> bytes:
    """Main path (default: user task a) beside an event sub-process whose start `es` opens b."""
    main = main or user("a") + ends("e") + chain("begin", "a", "e")
    inner = (event("startEvent", "es", start_definition, f' isInterrupting="{"true" if interrupting else "false"}"')
             + user("b") + ends("ee") + chain("es", "b", "ee", prefix="q"))
    return model(main + sub_process(inner, id_="esp", attrs=' triggeredByEvent="true"'), definitions=definitions)


def in_parallel(left: str, left_chain: tuple[str, ...], right: str, right_chain: tuple[str, ...], **kw) -> bytes:
    """Two branches from a parallel split: begin → fork → left_chain / fork → right_chain."""
    return model('<bpmn:parallelGateway id="fork" />' + left + right + chain("begin", "fork")
                 + chain("fork", *left_chain, prefix="l") + chain("fork", *right_chain, prefix="r"), **kw)


# --- supported constructs: deploy, then a scenario ---------------------------------------------

SUPPORTED = {
    "parallel-gateway-join": (
        model('<bpmn:parallelGateway id="fork" /><bpmn:parallelGateway id="join" />' + user("a") + user("b") + user("n")
              + ends("e") + chain("begin", "fork") + chain("fork", "a", "join", prefix="x")
              + chain("fork", "b", "join", prefix="y") + chain("join", "n", "e", prefix="z")),
        [{"expect": {"open_tasks": ["a", "b"]}}, {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b"]}},
         {"complete": "b", "data": ACCEPT}, {"expect": {"open_tasks": ["n"]}}]),
    "inclusive-gateway-join": (
        model(user("a") + '<bpmn:inclusiveGateway id="split" default="fz" />' + mark("x", "X") + mark("y", "Y")
              + mark("z", "Z") + '<bpmn:inclusiveGateway id="join" />' + user("n") + ends("e")
              + chain("begin", "a", "split") + flow("fx", "split", "x", "plan_decision == 'accept'")
              + flow("fy", "split", "y", "plan_decision == 'accept'") + flow("fz", "split", "z")
              + chain("x", "join", prefix="j1") + chain("y", "join", prefix="j2") + chain("z", "join", prefix="j3")
              + chain("join", "n", "e", prefix="k")),
        [{"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["n"], "title": "T+X+Y"}},
         {"complete": "n", "data": ACCEPT}, {"expect": {"finished": True}}]),
    "inclusive-gateway-default-only": (
        model(user("a") + '<bpmn:inclusiveGateway id="split" default="fz" />' + mark("x", "X") + mark("z", "Z")
              + '<bpmn:inclusiveGateway id="join" />' + user("n") + ends("e") + chain("begin", "a", "split")
              + flow("fx", "split", "x", "plan_decision == 'accept'") + flow("fz", "split", "z")
              + chain("x", "join", prefix="j1") + chain("z", "join", prefix="j3") + chain("join", "n", "e", prefix="k")),
        [{"complete": "a", "data": RETURN}, {"expect": {"open_tasks": ["n"], "title": "T+Z"}}]),
    "event-based-gateway-timer-and-signal": (
        in_parallel('<bpmn:eventBasedGateway id="g" />' + event("intermediateCatchEvent", "sc", SIGNAL_DEF)
                    + event("intermediateCatchEvent", "tc", timer()) + user("b") + user("c") + ends("e", "e3")
                    + chain("sc", "b", "e", prefix="x") + chain("tc", "c", "e3", prefix="z") + flow("gt", "g", "tc"),
                    ("g", "sc"),
                    user("a") + event("intermediateThrowEvent", "st", SIGNAL_DEF) + ends("e2"), ("a", "st", "e2"),
                    definitions=SIGNAL),
        [{"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b"]}}, {"advance_working_days": 3},
         {"expect": {"open_tasks": ["b"]}}]),
    "link-events": (
        model(user("a") + event("intermediateThrowEvent", "go", '<bpmn:linkEventDefinition name="续办" />')
              + event("intermediateCatchEvent", "land", '<bpmn:linkEventDefinition name="续办" />') + user("b") + ends("e")
              + chain("begin", "a", "go") + chain("land", "b", "e", prefix="y")),
        [{"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b"]}}, {"complete": "b", "data": ACCEPT},
         {"expect": {"finished": True}}]),
    "link-events-in-a-sub-process-loop-back": (
        model(sub_process('<bpmn:startEvent id="ss" />' + event("intermediateCatchEvent", "again", '<bpmn:linkEventDefinition name="重办" />')
                          + '<bpmn:exclusiveGateway id="m" />' + user("a") + '<bpmn:exclusiveGateway id="g" default="ok" />'
                          + event("intermediateThrowEvent", "back", '<bpmn:linkEventDefinition name="重办" />') + mark("s", "L")
                          + ends("se") + chain("ss", "m", "a", "g", prefix="s") + chain("again", "s", "m", prefix="t")
                          + flow("ok", "g", "se") + flow("redo", "g", "back", "plan_decision == 'return'"))
              + user("n") + ends("e") + chain("begin", "sub", "n", "e")),
        [{"complete": "a", "data": RETURN}, {"expect": {"open_tasks": ["a"], "title": "T+L"}},
         {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["n"]}}]),
    "signal-throw-and-catch": (
        in_parallel(event("intermediateCatchEvent", "sc", SIGNAL_DEF) + user("b") + ends("e"), ("sc", "b", "e"),
                    user("a") + event("intermediateThrowEvent", "st", SIGNAL_DEF) + ends("e2"), ("a", "st", "e2"),
                    definitions=SIGNAL),
        [{"expect": {"open_tasks": ["a"]}}, {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b"]}}]),
    "signal-boundary-non-interrupting": (
        in_parallel(user("a") + event("boundaryEvent", "be", SIGNAL_DEF, ' attachedToRef="a" cancelActivity="false"')
                    + user("b") + ends("e", "e2") + chain("be", "b", "e2", prefix="b"), ("a", "e"),
                    user("c") + event("intermediateThrowEvent", "st", SIGNAL_DEF) + ends("e3"), ("c", "st", "e3"),
                    definitions=SIGNAL),
        [{"expect": {"open_tasks": ["a", "c"]}}, {"complete": "c", "data": ACCEPT}, {"expect": {"open_tasks": ["a", "b"]}}]),
    "signal-boundary-interrupting": (
        in_parallel(user("a") + event("boundaryEvent", "be", SIGNAL_DEF, ' attachedToRef="a"')
                    + user("b") + ends("e", "e2") + chain("be", "b", "e2", prefix="b"), ("a", "e"),
                    user("c") + event("intermediateThrowEvent", "st", SIGNAL_DEF) + ends("e3"), ("c", "st", "e3"),
                    definitions=SIGNAL),
        [{"complete": "c", "data": ACCEPT}, {"expect": {"open_tasks": ["b"]}}]),
    "escalation-end-caught-on-sub-process": (
        model(simple_sub(event("endEvent", "se", ESCALATION_DEF)) + event("boundaryEvent", "be", ESCALATION_DEF, ' attachedToRef="sub"')
              + user("b") + user("n") + ends("e", "e2") + chain("begin", "sub", "n", "e") + chain("be", "b", "e2", prefix="b"),
              definitions=ESCALATION),
        [{"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b"]}}]),
    "escalation-throw-non-interrupting-boundary": (
        model(sub_process('<bpmn:startEvent id="ss" />' + event("intermediateThrowEvent", "up", ESCALATION_DEF) + user("a")
                          + ends("se") + chain("ss", "up", "a", "se", prefix="s"))
              + event("boundaryEvent", "be", ESCALATION_DEF, ' attachedToRef="sub" cancelActivity="false"')
              + user("b") + user("n") + ends("e", "e2") + chain("begin", "sub", "n", "e") + chain("be", "b", "e2", prefix="b"),
              definitions=ESCALATION),
        [{"expect": {"open_tasks": ["a", "b"]}}, {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b", "n"]}}]),
    "error-end-caught-on-sub-process": (
        model(simple_sub(event("endEvent", "se", ERROR_DEF)) + event("boundaryEvent", "be", ERROR_DEF, ' attachedToRef="sub"')
              + user("b") + user("n") + ends("e", "e2") + chain("begin", "sub", "n", "e") + chain("be", "b", "e2", prefix="b"),
              definitions=ERROR),
        [{"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b"]}}]),
    "terminate-end": (
        in_parallel(user("a") + event("endEvent", "t", '<bpmn:terminateEventDefinition />'), ("a", "t"),
                    user("b") + ends("e"), ("b", "e")),
        [{"expect": {"open_tasks": ["a", "b"]}}, {"complete": "a", "data": ACCEPT},
         {"expect": {"open_tasks": [], "finished": True}}]),
    "none-intermediate-throw": (
        model(event("intermediateThrowEvent", "mile") + user("a") + ends("e") + chain("begin", "mile", "a", "e")),
        [{"expect": {"open_tasks": ["a"]}}]),
    "timer-intermediate-catch": (
        model(event("intermediateCatchEvent", "wait", timer()) + user("a") + ends("e") + chain("begin", "wait", "a", "e")),
        [{"expect": {"open_tasks": []}}, {"advance_working_days": 1}, {"expect": {"open_tasks": []}},
         {"advance_working_days": 1}, {"expect": {"open_tasks": ["a"]}}]),
    "conditional-intermediate-catch": (
        in_parallel(event("intermediateCatchEvent", "c", condition("case['title'] == 'T+A'")) + user("b") + ends("e"),
                    ("c", "b", "e"), user("a") + mark("s", "A") + ends("e2"), ("a", "s", "e2")),
        [{"expect": {"open_tasks": ["a"]}}, {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b"], "title": "T+A"}}]),
    "timer-boundary-interrupting": (
        boundary_on_a(timer()),
        [{"advance_working_days": 1}, {"expect": {"open_tasks": ["a"]}}, {"advance_working_days": 1},
         {"expect": {"open_tasks": ["b"]}}]),
    "timer-boundary-non-interrupting": (
        boundary_on_a(timer(), interrupting=False),
        [{"advance_working_days": 2}, {"expect": {"open_tasks": ["a", "b"]}}, {"complete": "a", "data": ACCEPT},
         {"expect": {"open_tasks": ["b"]}}]),
    "timer-boundary-duration": (
        boundary_on_a(timer("'P2D'", "timeDuration")),
        [{"advance": "P1D"}, {"expect": {"open_tasks": ["a"]}}, {"advance": "P1DT1M"}, {"expect": {"open_tasks": ["b"]}}]),
    "timer-boundary-cycle-non-interrupting": (
        boundary_on_a(timer("'R2/P1D'", "timeCycle"), interrupting=False),
        [{"advance": "P1DT1M"}, {"expect": {"open_tasks": ["a", "b"]}}, {"advance": "P1DT1M"},
         {"expect": {"open_tasks": ["a", "b", "b"]}}, {"advance": "P3D"}, {"expect": {"open_tasks": ["a", "b", "b"]}}]),
    "timer-boundary-on-sub-process": (
        model(simple_sub(ends("se")) + event("boundaryEvent", "be", timer(), ' attachedToRef="sub"') + user("b") + user("n")
              + ends("e", "e2") + chain("begin", "sub", "n", "e") + chain("be", "b", "e2", prefix="b")),
        [{"advance_working_days": 2}, {"expect": {"open_tasks": ["b"]}}]),
    "conditional-boundary": (
        in_parallel(user("a") + event("boundaryEvent", "be", condition("case['title'] == 'T+A'"), ' attachedToRef="a"')
                    + user("b") + ends("e", "e2") + chain("be", "b", "e2", prefix="b"), ("a", "e"),
                    user("c") + mark("s", "A") + ends("e3"), ("c", "s", "e3")),
        [{"expect": {"open_tasks": ["a", "c"]}}, {"complete": "c", "data": ACCEPT}, {"expect": {"open_tasks": ["b"]}}]),
    "event-sub-process-timer-start-non-interrupting": (
        event_sub_process(timer()),
        [{"expect": {"open_tasks": ["a"]}}, {"advance_working_days": 2}, {"expect": {"open_tasks": ["a", "b"]}},
         {"complete": "b", "data": ACCEPT}, {"complete": "a", "data": ACCEPT}, {"expect": {"finished": True}}]),
    "event-sub-process-signal-start-non-interrupting": (
        event_sub_process(SIGNAL_DEF, definitions=SIGNAL,
                          main=user("a") + event("intermediateThrowEvent", "st", SIGNAL_DEF) + user("c") + ends("e")
                          + chain("begin", "a", "st", "c", "e")),
        [{"expect": {"open_tasks": ["a"]}}, {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b", "c"]}}]),
    "transaction-with-cancel": (
        model(sub_process('<bpmn:startEvent id="ts" />' + user("a") + '<bpmn:exclusiveGateway id="g" default="ok" />' + ends("te")
                          + event("endEvent", "ce", "<bpmn:cancelEventDefinition />") + chain("ts", "a", "g", prefix="t")
                          + flow("ok", "g", "te") + flow("nok", "g", "ce", "plan_decision == 'return'"), id_="tx", tag="transaction")
              + event("boundaryEvent", "cb", "<bpmn:cancelEventDefinition />", ' attachedToRef="tx"') + user("b") + user("n")
              + ends("e", "e2") + chain("begin", "tx", "n", "e") + chain("cb", "b", "e2", prefix="b")),
        [{"complete": "a", "data": RETURN}, {"expect": {"open_tasks": ["b"]}}]),
    "standard-loop": (
        model(user("a", '<bpmn:standardLoopCharacteristics><bpmn:loopCondition xsi:type="bpmn:tFormalExpression">'
                        "plan_decision == 'return'</bpmn:loopCondition></bpmn:standardLoopCharacteristics>")
              + user("n") + ends("e") + chain("begin", "a", "n", "e")),
        [{"complete": "a", "data": RETURN}, {"expect": {"open_tasks": ["a"]}}, {"complete": "a", "data": RETURN},
         {"expect": {"open_tasks": ["a"]}}, {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["n"]}}]),
    "standard-loop-maximum": (
        model(user("a", '<bpmn:standardLoopCharacteristics loopMaximum="2"><bpmn:loopCondition xsi:type="bpmn:tFormalExpression">'
                        "plan_decision == 'return'</bpmn:loopCondition></bpmn:standardLoopCharacteristics>")
              + user("n") + ends("e") + chain("begin", "a", "n", "e")),
        [{"complete": "a", "data": RETURN}, {"expect": {"open_tasks": ["a"]}}, {"complete": "a", "data": RETURN},
         {"expect": {"open_tasks": ["n"]}}]),
    "multi-instance-sequential-user-task": (
        model(user("a", '<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>2'
                        '</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>') + user("n") + ends("e")
              + chain("begin", "a", "n", "e")),
        [{"expect": {"open_tasks": ["a"]}}, {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["a"]}},
         {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["n"]}}]),
    "multi-instance-parallel-user-task": (
        model(user("a", '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2'
                        '</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>') + user("n") + ends("e")
              + chain("begin", "a", "n", "e")),
        [{"expect": {"open_tasks": ["a", "a"]}}, {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["a"]}},
         {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["n"]}}]),
    "multi-instance-sequential-sub-process": (
        model(sub_process('<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>2'
                          '</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics><bpmn:startEvent id="ss" />'
                          + user("a") + ends("se") + chain("ss", "a", "se", prefix="s"))
              + user("n") + ends("e") + chain("begin", "sub", "n", "e")),
        [{"expect": {"open_tasks": ["a"]}}, {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["a"]}},
         {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["n"]}}]),
    "timer-boundary-non-interrupting-on-a-multi-instance-sub-process": (
        model(sub_process(MULTI_INSTANCE + '<bpmn:startEvent id="ss" />' + user("a") + ends("se") + chain("ss", "a", "se", prefix="s"))
              + event("boundaryEvent", "be", timer(), ' attachedToRef="sub" cancelActivity="false"') + user("b") + user("n")
              + ends("e", "e2") + chain("begin", "sub", "n", "e") + chain("be", "b", "e2", prefix="b")),
        [{"advance_working_days": 2}, {"expect": {"open_tasks": ["a", "a", "b"]}}, {"complete": "a", "data": ACCEPT},
         {"complete": "a", "data": ACCEPT}, {"expect": {"open_tasks": ["b", "n"]}}]),
    "timer-boundary-interrupting-on-a-multi-instance-user-task": (
        model(user("a", MULTI_INSTANCE) + event("boundaryEvent", "be", timer(), ' attachedToRef="a"') + user("b") + user("n")
              + ends("e", "e2") + chain("begin", "a", "n", "e") + chain("be", "b", "e2", prefix="b")),
        [{"expect": {"open_tasks": ["a", "a"]}}, {"advance_working_days": 2}, {"expect": {"open_tasks": ["b"]}}]),
    "service-task": (
        model('<bpmn:serviceTask id="svc" name="更正" cx:action="correct_record" cx:params="{\'title\': \'T+S\'}" />'
              + user("a") + ends("e") + chain("begin", "svc", "a", "e")),
        [{"expect": {"open_tasks": ["a"], "title": "T+S"}}]),
    "business-rule-task-naming-a-decision": (
        model('<bpmn:businessRuleTask id="br" name="定公开期限" cx:decision="publication_window" cx:on="\'2026-09-14\'" '
              'cx:inputs="{\'tier\': \'serious\', \'district\': \'\'}" />'
              + '<bpmn:scriptTask id="s" name="标记期限"><bpmn:script>'
              "correct_record({'title': case['title'] + '+' + str(max_months)})</bpmn:script></bpmn:scriptTask>"
              + user("a") + ends("e") + chain("begin", "br", "s", "a", "e")),
        [{"expect": {"open_tasks": ["a"], "title": "T+36"}}]),
    "data-object-and-store-references-annotation-group": (
        model(user("a") + ends("e") + chain("begin", "a", "e")
              + '<bpmn:dataObject id="do1" name="材料" /><bpmn:dataObjectReference id="dor" name="材料" dataObjectRef="do1" />'
              '<bpmn:dataStoreReference id="dsr" name="信用库" />'
              '<bpmn:textAnnotation id="ta"><bpmn:text>说明</bpmn:text></bpmn:textAnnotation>'
              '<bpmn:association id="as" sourceRef="a" targetRef="ta" /><bpmn:group id="grp" categoryValueRef="cv" />',
              definitions='<bpmn:category id="cat"><bpmn:categoryValue id="cv" value="一组" /></bpmn:category>'),
        [{"complete": "a", "data": ACCEPT}, {"expect": {"finished": True}}]),
}


@pytest.mark.parametrize("name", list(SUPPORTED))
def test_a_supported_construct_deploys_and_runs_as_drawn(ctx, name):
    xml, steps = SUPPORTED[name]
    deploy_bytes(xml, f"{name}.bpmn")
    case = {"name": name, "start": {"as": "recorder", "at": "2026-09-14T09:00", "data": START_DATA}, "steps": steps}
    result = process_tests.run_case("palette_probe", case, users=USERS)
    assert result.passed, result.failures


def test_a_pool_with_nested_lanes_deploys_and_routes_by_the_inner_lane(ctx):
    xml = model(user("a") + ends("e") + chain("begin", "a", "e")).decode()
    xml = xml.replace('<bpmn:lane id="l_rev" name="reviewer">',
                      '<bpmn:lane id="l_unit" name="市信用中心"><bpmn:flowNodeRef>a</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef>'
                      '<bpmn:childLaneSet id="cls"><bpmn:lane id="l_rev" name="reviewer">')
    xml = xml.replace("</bpmn:lane></bpmn:laneSet>", "</bpmn:lane></bpmn:childLaneSet></bpmn:lane></bpmn:laneSet>")
    xml = xml.replace('<bpmn:process id=', '<bpmn:collaboration id="collab"><bpmn:participant id="pool" name="诚信办理" '
                      'processRef="palette_probe" /></bpmn:collaboration><bpmn:process id=')
    deploy_bytes(xml.encode(), "pool.bpmn")
    case = {"name": "pool", "start": {"as": "recorder", "at": "2026-09-14T09:00", "data": START_DATA},
            "steps": [{"complete": "a", "as": "reviewer", "data": ACCEPT}, {"expect": {"finished": True}}]}
    result = process_tests.run_case("palette_probe", case, users=USERS)
    assert result.passed, result.failures


# --- refused constructs: deploy names the element, the construct and what to use instead -------

REFUSED_CASES = {
    # (model, element refused, row key)
    "message-start-event": (model(user("a") + ends("e") + chain("begin", "a", "e"), definitions=MESSAGE,
                                  start=f'<bpmn:startEvent id="begin" name="来函登记" cx:form="record_register">{MESSAGE_DEF}</bpmn:startEvent>'),
                            "begin", "message-start"),
    "message-intermediate-throw": (model(event("intermediateThrowEvent", "m", MESSAGE_DEF) + user("a") + ends("e")
                                         + chain("begin", "m", "a", "e"), definitions=MESSAGE), "m", "message-throw"),
    "message-end": (model(user("a") + event("endEvent", "m", MESSAGE_DEF) + chain("begin", "a", "m"), definitions=MESSAGE),
                    "m", "message-end"),
    "message-start-in-event-sub-process": (event_sub_process(MESSAGE_DEF, definitions=MESSAGE), "es", "message-start"),
    "receive-task": (model('<bpmn:receiveTask id="m" name="接收回函" />' + user("a") + ends("e") + chain("begin", "m", "a", "e")),
                     "m", "receive-task"),
    "send-task": (model('<bpmn:sendTask id="m" name="发函" />' + user("a") + ends("e") + chain("begin", "m", "a", "e")),
                  "m", "send-task"),
    "timer-start-event": (model(user("a") + ends("e") + chain("begin", "a", "e"),
                                start=f'<bpmn:startEvent id="begin" name="登记" cx:form="record_register">{timer()}</bpmn:startEvent>'),
                          "begin", "triggered-process-start"),
    "conditional-start-event": (model(user("a") + ends("e") + chain("begin", "a", "e"),
                                      start=f'<bpmn:startEvent id="begin" name="登记">{condition("True")}</bpmn:startEvent>'),
                                "begin", "triggered-process-start"),
    "signal-start-event": (model(user("a") + ends("e") + chain("begin", "a", "e"), definitions=SIGNAL,
                                 start=f'<bpmn:startEvent id="begin" name="登记">{SIGNAL_DEF}</bpmn:startEvent>'),
                           "begin", "triggered-process-start"),
    "event-sub-process-timer-start-interrupting": (event_sub_process(timer(), interrupting=True), "es", "interrupting-event-sub-process"),
    "event-sub-process-signal-start-interrupting": (
        event_sub_process(SIGNAL_DEF, interrupting=True, definitions=SIGNAL,
                          main=user("a") + event("intermediateThrowEvent", "st", SIGNAL_DEF) + ends("e") + chain("begin", "a", "st", "e")),
        "es", "interrupting-event-sub-process"),
    "event-sub-process-error-start": (event_sub_process(ERROR_DEF, interrupting=True, definitions=ERROR), "es",
                                      "interrupting-event-sub-process"),
    "event-sub-process-escalation-start-non-interrupting": (event_sub_process(ESCALATION_DEF, definitions=ESCALATION), "es",
                                                            "event-sub-process-immediate-start"),
    "event-sub-process-conditional-start-non-interrupting": (event_sub_process(condition("True")), "es",
                                                             "event-sub-process-conditional-start"),
    "event-sub-process-plain-start": (event_sub_process(""), "es", "event-sub-process-immediate-start"),
    "event-sub-process-compensation-start": (event_sub_process(COMPENSATE_DEF), "es", "compensation-start"),
    "compensation-intermediate-throw": (model(event("intermediateThrowEvent", "m", COMPENSATE_DEF) + user("a") + ends("e")
                                              + chain("begin", "m", "a", "e")), "m", "compensation-throw"),
    "compensation-end": (model(user("a") + event("endEvent", "m", COMPENSATE_DEF) + chain("begin", "a", "m")), "m", "compensation-end"),
    "compensation-boundary": (boundary_on_a(COMPENSATE_DEF), "be", "compensation-boundary"),
    "signal-end": (in_parallel(event("intermediateCatchEvent", "sc", SIGNAL_DEF) + user("b") + ends("e"), ("sc", "b", "e"),
                               user("a") + event("endEvent", "st", SIGNAL_DEF), ("a", "st"), definitions=SIGNAL),
                   "st", "signal-end"),
    "cancel-end-outside-a-transaction": (in_parallel(user("a") + event("endEvent", "ce", "<bpmn:cancelEventDefinition />"), ("a", "ce"),
                                                     user("b") + ends("e"), ("b", "e")), "ce", "cancel-outside-transaction"),
    "cancel-boundary-on-a-plain-sub-process": (
        model(simple_sub(ends("se")) + event("boundaryEvent", "cb", "<bpmn:cancelEventDefinition />", ' attachedToRef="sub"')
              + user("n") + ends("e", "e2") + chain("begin", "sub", "n", "e") + chain("cb", "e2", prefix="b")),
        "cb", "cancel-outside-transaction"),
    "parallel-multiple-catch": (model(event("intermediateCatchEvent", "mc", timer() + timer("working_days_deadline(4)"),
                                            ' parallelMultiple="true"') + user("a") + ends("e") + chain("begin", "mc", "a", "e")),
                                "mc", "parallel-multiple"),
    "complex-gateway": (model('<bpmn:complexGateway id="g" name="复合判断" />' + user("a") + ends("e") + chain("begin", "g", "a", "e")),
                        "g", "complex-gateway"),
    "plain-task": (model('<bpmn:task id="m" name="核对" />' + user("a") + ends("e") + chain("begin", "m", "a", "e")), "m", "plain-task"),
    "manual-task": (model('<bpmn:manualTask id="m" name="线下送达" />' + user("a") + ends("e") + chain("begin", "m", "a", "e")),
                    "m", "manual-task"),
    "business-rule-task": (model('<bpmn:businessRuleTask id="m" name="定级" />' + user("a") + ends("e") + chain("begin", "m", "a", "e")),
                           "m", "business-rule-task"),
    "call-activity": (model('<bpmn:callActivity id="m" name="转失信记录" calledElement="dishonesty_record" />' + user("a") + ends("e")
                            + chain("begin", "m", "a", "e")), "m", "call-activity"),
    "ad-hoc-sub-process-without-completion-condition": (
        model(sub_process(user("a") + user("b"), id_="adhoc", tag="adHocSubProcess") + user("n") + ends("e")
              + chain("begin", "adhoc", "n", "e")), "adhoc", "ad-hoc-sub-process"),
    "ad-hoc-sub-process-with-completion-condition": (
        model(sub_process(user("a") + user("b") + '<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">'
                          "plan_decision == 'accept'</bpmn:completionCondition>", id_="adhoc", tag="adHocSubProcess")
              + user("n") + ends("e") + chain("begin", "adhoc", "n", "e")), "adhoc", "ad-hoc-sub-process"),
    "standard-loop-without-condition": (model(user("a", "<bpmn:standardLoopCharacteristics />") + ends("e") + chain("begin", "a", "e")),
                                        "a", "loop-without-limit"),
    "interrupting-timer-on-a-multi-instance-sub-process": (
        model(sub_process(MULTI_INSTANCE + '<bpmn:startEvent id="ss" />' + user("a") + ends("se") + chain("ss", "a", "se", prefix="s"))
              + event("boundaryEvent", "be", timer(), ' attachedToRef="sub"') + user("b") + user("n") + ends("e", "e2")
              + chain("begin", "sub", "n", "e") + chain("be", "b", "e2", prefix="b")),
        "be", "interrupting-boundary-on-multi-instance"),
    "interrupting-escalation-on-a-sub-process-holding-a-multi-instance-one": (
        model(sub_process('<bpmn:startEvent id="os" />' + sub_process(
            MULTI_INSTANCE + '<bpmn:startEvent id="ss" />' + user("a") + event("endEvent", "up", ESCALATION_DEF)
            + chain("ss", "a", "up", prefix="s")) + ends("oe") + chain("os", "sub", "oe", prefix="o"), id_="outer")
              + event("boundaryEvent", "be", ESCALATION_DEF, ' attachedToRef="outer"') + user("b") + user("n") + ends("e", "e2")
              + chain("begin", "outer", "n", "e") + chain("be", "b", "e2", prefix="b"), definitions=ESCALATION),
        "be", "interrupting-boundary-on-multi-instance"),
    "data-output-association": (
        model('<bpmn:dataObject id="do1" name="plan_decision" /><bpmn:dataObjectReference id="dor" name="决定" dataObjectRef="do1" />'
              + user("a", '<bpmn:dataOutputAssociation id="doa"><bpmn:targetRef>dor</bpmn:targetRef></bpmn:dataOutputAssociation>')
              + ends("e") + chain("begin", "a", "e")), "a", "data-association"),
    "data-input-association-from-a-store": (
        model('<bpmn:dataStoreReference id="dsr" name="信用库" />'
              + user("a", '<bpmn:dataInputAssociation id="dia"><bpmn:sourceRef>dsr</bpmn:sourceRef></bpmn:dataInputAssociation>')
              + ends("e") + chain("begin", "a", "e")), "a", "data-association"),
}


@pytest.mark.parametrize("name", list(REFUSED_CASES))
def test_a_refused_construct_is_refused_at_deploy_in_the_designers_words(ctx, name):
    xml, element, key = REFUSED_CASES[name]
    row = next(r for r in REFUSED if r.key == key)
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(xml, f"{name}.bpmn")
    messages = [p.message for p in refused.value.problems if p.element_id == element]
    assert messages == [f"不支持{row.construct}：{row.reason}"], refused.value.problems
    assert "请" in row.reason  # says what to draw instead
    assert all(p.message.isascii() is False for p in refused.value.problems)  # no engine-internal English


def test_every_row_of_the_refusal_table_is_exercised():
    assert {key for _, _, key in REFUSED_CASES.values()} == {row.key for row in REFUSED}


# --- links and signals that cannot work are refused with the reason -----------------------------

def test_a_link_throw_without_its_catch_is_refused(ctx):
    xml = model(user("a") + event("intermediateThrowEvent", "go", '<bpmn:linkEventDefinition name="续办" />')
                + event("intermediateCatchEvent", "land", '<bpmn:linkEventDefinition name="别处" />') + user("b") + ends("e")
                + chain("begin", "a", "go") + chain("land", "b", "e", prefix="y"))
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(xml, "link.bpmn")
    (problem,) = refused.value.problems
    assert problem.element_id == "go" and "没有名为“续办”的中间链接捕获事件" in problem.message


def test_a_link_catch_in_another_sub_process_does_not_count(ctx):
    xml = model(user("a") + event("intermediateThrowEvent", "go", '<bpmn:linkEventDefinition name="续办" />')
                + sub_process('<bpmn:startEvent id="ss" />' + event("intermediateCatchEvent", "land", '<bpmn:linkEventDefinition name="续办" />')
                              + ends("se") + chain("ss", "se", prefix="s") + chain("land", "se", prefix="t"))
                + ends("e") + chain("begin", "a", "go") + chain("sub", "e", prefix="y"))
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(xml, "link.bpmn")
    assert [p.element_id for p in refused.value.problems] == ["go"]


def test_a_signal_nothing_in_the_process_throws_is_refused(ctx):
    xml = boundary_on_a(SIGNAL_DEF, definitions=SIGNAL)
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(xml, "signal.bpmn")
    (problem,) = refused.value.problems
    assert problem.element_id == "be" and "信号只在同一案件内传递" in problem.message


def test_a_conditional_event_waiting_for_time_to_pass_is_refused(ctx):
    """Run, it waits for ever: the condition is looked at again only when a step of the case runs,
    and tick wakes a case only for a due timer."""
    xml = model(event("intermediateCatchEvent", "c", condition("today() >= '2026-09-16'")) + user("a") + ends("e")
                + chain("begin", "c", "a", "e"))
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(xml, "conditional.bpmn")
    (problem,) = refused.value.problems
    assert problem.element_id == "c" and "不会因时间推移而触发" in problem.message and "定时事件" in problem.message


def test_loop_and_event_conditions_are_compiled_at_deploy(ctx):
    xml = model(user("a", '<bpmn:standardLoopCharacteristics><bpmn:loopCondition xsi:type="bpmn:tFormalExpression">'
                          "plan_decision ==</bpmn:loopCondition></bpmn:standardLoopCharacteristics>")
                + event("boundaryEvent", "be", condition("__import__('os')"), ' attachedToRef="a"')
                + ends("e", "e2") + chain("begin", "a", "e") + chain("be", "e2", prefix="b"))
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(xml, "conditions.bpmn")
    assert sorted((p.element_id, p.message.split("：")[0]) for p in refused.value.problems) == [
        ("a", "循环条件无效"), ("be", "条件事件的条件无效")]


def test_the_shipped_workflows_still_deploy(ctx):
    assert deploy_workflows_dir()
