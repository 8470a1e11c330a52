"""Timer values that are no date (issue 15 attack): a timer whose expression gives text, a
number or a malformed duration is an engine error naming the timer — a 422 when a user's step
reaches it, an incident when `tick` does, and `tick` goes on with the other cases — never a 500
that stops every timer. Literals that can never be a date are refused at deploy; a cycle an
event-based gateway waits on fires at its first occurrence."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.core.extensions import db
from app.designer.deployment import deploy_bytes
from app.engine import DeployRefused, ProcessInstance
from app.incidents.models import Incident
from tests.engine.test_palette import chain, ends, event, flow, mark, model, timer, user
from tests.support import RECORD

ACCEPT = {"plan_decision": "accept", "plan_opinion": "好"}


def _register(api, key: str = "palette_probe"):
    return api.as_("recorder").post("/cases", {"process": key, "data": RECORD})


def test_a_timer_value_that_is_no_date_answers_422_naming_the_timer(api):
    deploy_bytes(model(user("a") + event("intermediateCatchEvent", "t", timer("case['title']")) + user("b") + ends("e")
                       + chain("begin", "a", "t", "b", "e")), "p.bpmn")
    case = _register(api).get_json()
    task = api.as_("reviewer").task_for(case["id"], "a")
    r = api.as_("reviewer").post(f"/tasks/{task['id']}/complete", {"data": ACCEPT})
    assert r.status_code == 422, r.get_json()
    message = r.get_json()["error"]["message"]
    assert "事件t（t）" in message and "不是有效的 ISO 8601 日期或时间" in message and RECORD["title"] in message
    assert api.as_("reviewer").task_for(case["id"], "a")["state"] == "open"  # nothing was saved


def test_a_cycle_that_is_no_interval_refuses_the_registration_with_422(api):
    deploy_bytes(model(user("a") + event("boundaryEvent", "t", timer("'R/' + case['title']", "timeCycle"),
                                         ' attachedToRef="a" cancelActivity="false"')
                       + mark("m", "X") + ends("e", "e2") + chain("begin", "a", "e") + chain("t", "m", "e2", prefix="q")),
                 "p.bpmn")
    r = _register(api)
    assert r.status_code == 422, r.get_json()
    assert "事件t（t）" in r.get_json()["error"]["message"] and "ISO 8601 时长" in r.get_json()["error"]["message"]


def test_tick_goes_on_past_a_timer_value_that_fails_and_blocks_that_case(api, tick):
    """Case 1 reaches a second timer whose value is text when its first wait ends (at tick); case 2,
    due later on another process, still fires in the same tick."""
    deploy_bytes(model(event("intermediateCatchEvent", "t1", timer("working_days_deadline(1)"))
                       + event("intermediateCatchEvent", "t2", timer("case['title']")) + user("b") + ends("e")
                       + chain("begin", "t1", "t2", "b", "e")), "bad.bpmn")
    deploy_bytes(model(event("intermediateCatchEvent", "t1", timer("working_days_deadline(2)")) + user("b") + ends("e")
                       + chain("begin", "t1", "b", "e"), key="good_probe"), "good.bpmn")
    bad = _register(api).get_json()
    good = _register(api, "good_probe").get_json()
    tick(timedelta(days=3))
    db.session.expire_all()
    (incident,) = db.session.scalars(select(Incident)).all()
    assert incident.case_id == bad["id"] and incident.element_id == "t2" and "ISO 8601" in incident.error
    assert db.session.get(ProcessInstance, db.session.get(Case, bad["id"]).instance_id).status == "blocked"
    assert [t["element"] for t in api.as_("reviewer").case(good["id"])["open_tasks"]] == ["b"]


def test_a_cycle_after_an_event_based_gateway_fires_at_its_first_occurrence(api, tick):
    deploy_bytes(model(user("a") + '<bpmn:eventBasedGateway id="g" />'
                       + event("intermediateCatchEvent", "t1", timer("'R/PT1H'", "timeCycle"))
                       + event("intermediateCatchEvent", "t2", timer("working_days_deadline(4)"))
                       + mark("m1", "A") + mark("m2", "B") + ends("e1", "e2")
                       + chain("begin", "a", "g") + chain("g", "t1", "m1", "e1", prefix="x")
                       + chain("g", "t2", "m2", "e2", prefix="y")), "p.bpmn")
    case = _register(api).get_json()
    api.as_("reviewer").complete(case["id"], "a", ACCEPT)
    tick(timedelta(minutes=59))
    assert api.as_("recorder").case(case["id"])["title"] == RECORD["title"]
    tick(timedelta(minutes=2))
    assert api.as_("recorder").case(case["id"])["title"] == RECORD["title"] + "+A"  # the hourly branch, once
    tick(timedelta(days=10))
    assert api.as_("recorder").case(case["id"])["title"] == RECORD["title"] + "+A"


@pytest.mark.parametrize("expression, kind, says", [
    ("P5D", "timeDuration", "应写成 'P5D'"),
    ("'P5X'", "timeDuration", "不是有效的 ISO 8601 时长"),
    ("'2026-13-40'", "timeDate", "不是有效的 ISO 8601 日期或时间"),
    ("2026-10-30", "timeDate", "日期和时长要加引号"),
    ("'R/PTXH'", "timeCycle", "不是有效的 ISO 8601 时长"),
    ("'every hour'", "timeCycle", "不是有效的 ISO 8601 重复区间"),
])
def test_a_timer_literal_that_can_never_be_a_date_is_refused_at_deploy(ctx, expression, kind, says):
    xml = model(user("a") + event("intermediateCatchEvent", "t", timer(expression, kind)) + ends("e")
                + chain("begin", "a", "t", "e"))
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(xml, "p.bpmn")
    (problem,) = refused.value.problems
    assert problem.element_id == "t" and says in problem.message


@pytest.mark.parametrize("expression, kind", [("'2026-10-30T09:00'", "timeDate"), ("'PT2H'", "timeDuration"),
                                              ("'R3/PT1H'", "timeCycle"), ("deadline_field", "timeDate")])
def test_timer_literals_that_are_dates_and_variables_still_deploy(ctx, expression, kind):
    deploy_bytes(model(user("a") + event("intermediateCatchEvent", "t", timer(expression, kind)) + ends("e")
                       + chain("begin", "a", "t", "e")), "p.bpmn")


# --- gateways that can find no way out -----------------------------------------------------------

@pytest.mark.parametrize("tag, flows", [
    ("inclusiveGateway", 2),  # no condition true: "No conditions satisfied on gateway", the case stuck
    ("inclusiveGateway", 1),
    ("exclusiveGateway", 1),  # one conditional way out, false
])
def test_a_gateway_with_conditional_ways_out_and_no_default_is_refused_at_deploy(ctx, tag, flows):
    body = f'<bpmn:{tag} id="g" name="判断" />' + user("a") + user("b") + ends("e", "e2") + chain("begin", "g")
    body += flow("x1", "g", "a", "tier == 'serious'") + chain("a", "e", prefix="y") + chain("b", "e2", prefix="z")
    body += flow("x2", "g", "b", "tier == 'minor'") if flows == 2 else chain("begin", "b", prefix="w")
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(model(body), "p.bpmn")
    (problem,) = refused.value.problems
    assert problem.element_id == "g" and "必须指定默认流" in problem.message and "卡住" in problem.message
