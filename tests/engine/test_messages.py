"""BPMN messages delivered from outside a case (issue 18): message boundary events (interrupting
and non-interrupting) and intermediate message catch events (also behind an event-based gateway)
run as drawn on the real engine when a message arrives (the process tests' `message` step goes
through `app.cases.events.deliver`, the same path as the events API and form); a message the case
does not wait for is refused; a catch without a named message is refused at deploy."""
from __future__ import annotations

import pytest

from app.designer import process_tests
from app.designer.deployment import deploy_bytes
from app.engine import DeployRefused
from tests.engine.test_palette import START_DATA, USERS, boundary_on_a, chain, ends, event, model, timer, user

MESSAGE = '<bpmn:message id="msg" name="objection" />'
MESSAGE_DEF = '<bpmn:messageEventDefinition messageRef="msg" />'
OBJECTION = {"objection_grounds": "有误", "commitment": True}
ACCEPT = {"plan_decision": "accept", "plan_opinion": "好"}
HANDLER = {**USERS, "handler": {"department": "fgw", "roles": ["handler"]}}
SEND = {"message": "objection", "as": "handler", "data": OBJECTION}


def run(xml: bytes, steps: list) -> process_tests.CaseResult:
    deploy_bytes(xml, "messages.bpmn")
    case = {"name": "m", "start": {"as": "recorder", "at": "2026-09-14T09:00", "data": START_DATA}, "steps": steps}
    return process_tests.run_case("palette_probe", case, users=HANDLER)


def test_an_interrupting_message_boundary_event_cancels_the_task_and_takes_its_path(ctx):
    result = run(boundary_on_a(MESSAGE_DEF, definitions=MESSAGE), [
        {"expect": {"open_tasks": ["a"]}}, SEND,
        {"expect": {"open_tasks": ["b"], "events": ["message.received", "task.cancelled"]}},
        {"complete": "b", "as": "reviewer", "data": ACCEPT}, {"expect": {"finished": True}}])
    assert result.passed, result.failures


def test_a_non_interrupting_message_boundary_event_opens_a_path_beside_the_task(ctx):
    result = run(boundary_on_a(MESSAGE_DEF, interrupting=False, definitions=MESSAGE), [
        SEND, {"expect": {"open_tasks": ["a", "b"]}},
        {"complete": "a", "as": "reviewer", "data": ACCEPT}, {"expect": {"open_tasks": ["b"], "finished": False}},
        {"complete": "b", "as": "reviewer", "data": ACCEPT}, {"expect": {"finished": True}}])
    assert result.passed, result.failures


def _gateway_model() -> bytes:
    """An event-based gateway: the message (→ a, which sees the message's data) or two working
    days passing (→ end)."""
    return model('<bpmn:eventBasedGateway id="g" />' + event("intermediateCatchEvent", "m", MESSAGE_DEF)
                 + event("intermediateCatchEvent", "t", timer()) + user("a") + ends("e", "e2")
                 + chain("begin", "g", "m", "a", "e") + chain("g", "t", "e2", prefix="t"), definitions=MESSAGE)


def test_a_message_catch_behind_an_event_based_gateway_wins_against_its_timer(ctx):
    result = run(_gateway_model(), [SEND, {"expect": {"open_tasks": ["a"]}}, {"advance": "P10D"},
                                    {"expect": {"open_tasks": ["a"], "finished": False}}])
    assert result.passed, result.failures


def test_when_the_timer_wins_the_message_is_no_longer_awaited(ctx):
    result = run(_gateway_model(), [{"advance": "P10D"}, {"expect": {"finished": True}}, SEND])
    assert not result.passed
    assert result.failures == ["第 3 步 message objection：该流程实例已结束，不再接收消息"]


def test_a_message_the_case_does_not_wait_for_is_refused_and_nothing_moves(ctx):
    result = run(boundary_on_a(MESSAGE_DEF, definitions=MESSAGE).replace(b'name="objection"', b'name="source_revoked"'), [SEND])
    assert result.failures == ["第 1 步 message objection：流程当前不在等待消息“objection”"]


def test_message_data_is_validated_by_its_form(ctx):
    result = run(boundary_on_a(MESSAGE_DEF, definitions=MESSAGE), [
        {"message": "objection", "as": "handler", "data": {"objection_grounds": "  ", "commitment": True}}])
    assert len(result.failures) == 1 and "异议理由" in result.failures[0] and "必填" in result.failures[0], result.failures


def test_only_a_sender_allowed_by_the_message_may_send_it(ctx):
    result = run(boundary_on_a(MESSAGE_DEF, definitions=MESSAGE), [{"message": "objection", "as": "reviewer", "data": OBJECTION}])
    assert result.failures == ["第 1 步 message objection：用户 reviewer 不能为该案件登记“提出异议”"]


@pytest.mark.parametrize("definitions, definition", [
    ("", '<bpmn:messageEventDefinition />'),
    ('<bpmn:message id="msg" />', MESSAGE_DEF),
])
def test_a_message_catch_without_a_named_message_is_refused_at_deploy(ctx, definitions, definition):
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(boundary_on_a(definition, definitions=definitions), "unnamed.bpmn")
    problems = [p for p in refused.value.problems if p.element_id == "be"]
    assert len(problems) == 1 and "消息捕获事件要引用一个有名称的消息" in problems[0].message, refused.value.problems
