"""Business rule tasks in the shipped processes (issue 17): each case takes its deadlines and its
publication window from the decision table version in force on the day that matters, and its
timeline names the decision, the version and the row that gave each value."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.designer import deployment
from app.core.clock import clock
from app.core.errors import DomainError
from app.core.extensions import db
from app.engine import dmn
from app.org.models import User
from app.rules import service as rules
from app.rules.models import DecisionDefinition, DecisionVersion
from tests.test_record_lifecycle import PUBLISH, registered_and_notified
from tests.test_rules import with_general_max
from tests.test_warning_lifecycle import raise_warning

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:cx="https://chengxin.example.org/schema/bpmn/1.0"
    id="d" targetNamespace="x"><bpmn:process id="rule_probe" name="规则探针" isExecutable="true">
  <bpmn:laneSet id="ls"><bpmn:lane id="l" name="recorder"><bpmn:flowNodeRef>s</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
  <bpmn:startEvent id="s" cx:form="record_register" />
  <bpmn:businessRuleTask id="r" name="定期限" cx:decision="{decision}" cx:inputs="{{'district': case['district']}}" />
  <bpmn:endEvent id="e" />
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="r" /><bpmn:sequenceFlow id="f2" sourceRef="r" targetRef="e" />
</bpmn:process></bpmn:definitions>"""


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def published(api, case_id: int) -> dict:
    api.as_("handler.fgw").complete(case_id, "respond_notice", {"response": "accept"})
    api.as_("reviewer").complete(case_id, "publication_decision", PUBLISH)
    case = api.as_("reviewer").case(case_id)
    assert case["status"] == "published"
    return case


def rule_events(case: dict, decision: str) -> list[dict]:
    return [e for e in case["timeline"] if e["kind"] == "rule.applied" and e["data"]["decision"] == decision]


def test_the_source_decisions_date_picks_the_publication_window_version(api, ctx):
    draft = rules.save_draft(user("designer"), "publication_window", with_general_max(18))
    tomorrow = clock.today() + timedelta(days=1)
    rules.publish(user("approver"), draft.id, effective_from=tomorrow, note="一般失信最长公开18个月")

    decided_today = published(api, registered_and_notified(api, decided_on="2026-09-14"))
    assert (decided_today["publication_start"], decided_today["publication_end"]) == ("2026-09-14", "2027-09-14")
    [event] = rule_events(decided_today, "publication_window")
    assert event["data"]["version"] == 1 and event["data"]["rows"] == [2] and event["data"]["on"] == "2026-09-14"
    assert event["data"]["values"] == {"min_months": 2, "max_months": 2, "count_from": 2}
    assert "失信信息公开期限（publication_window）第 1 版（2026-04-01 起施行），第 2 行：min_months = 3，max_months = 12" \
        in event["summary"]

    clock.set(clock.now() + timedelta(days=1))
    decided_tomorrow = published(api, registered_and_notified(api, occurred_on="2026-09-10", decided_on="2026-09-15"))
    assert decided_tomorrow["publication_end"] == "2028-03-15"  # 18 months from 2026-09-15
    [event] = rule_events(decided_tomorrow, "publication_window")
    assert (event["data"]["version"], event["data"]["effective_from"], event["data"]["rows"]) == (2, "2026-09-15", [2])
    assert "第 2 版（2026-09-15 起施行），第 2 行" in event["summary"] and "max_months = 18" in event["summary"]

    # Published after the change, but its source decision was taken before it: the old window,
    # counted from the source decision (Order 36; issue 18), not from the day it is published.
    decided_before = published(api, registered_and_notified(api, decided_on="2026-09-14"))
    assert decided_before["publication_end"] == "2027-09-14"
    assert rule_events(decided_before, "publication_window")[0]["data"]["version"] == 1


def test_without_a_source_decision_date_the_registration_date_counts(api):
    case = published(api, registered_and_notified(api))
    [event] = rule_events(case, "publication_window")
    assert event["data"]["on"] == "2026-09-14"
    assert event["data"]["outputs"] == {"min_months": 3, "max_months": 12, "count_from": "decision"}
    assert (case["publication_start"], case["publication_end"]) == ("2026-09-14", "2027-09-14")  # no date: from publication


def test_record_deadlines_are_decided_at_registration_and_named_on_the_timeline(api):
    case = api.as_("reviewer").case(registered_and_notified(api))
    [event] = rule_events(case, "record_deadlines")
    assert event["data"]["outputs"]["objection_window_days"] == 5 and event["data"]["rows"] == [1]
    assert event["summary"].startswith("确定办理期限：失信记录办理期限（record_deadlines）第 1 版（2017-01-01 起施行），第 1 行：")


def test_a_district_row_gives_a_pudong_warning_its_own_rectification_period(api):
    pudong = api.as_("supervisor").case(raise_warning(api, subject_department="pudong"))
    municipal = api.as_("supervisor").case(raise_warning(api))
    [event] = rule_events(pudong, "warning_deadlines")
    assert event["data"]["outputs"]["rectification_default_days"] == 20 and event["data"]["rows"] == [1]
    [event] = rule_events(municipal, "warning_deadlines")
    assert event["data"]["outputs"]["rectification_default_days"] == 30 and event["data"]["rows"] == [2]


def test_a_business_rule_task_must_name_a_deployed_decision(ctx):
    with pytest.raises(DomainError) as refused:
        deployment.deploy_bytes(BPMN.format(decision="no_such_table").encode(), "rule_probe.bpmn")
    assert "规则任务的决策表（cx:decision）“no_such_table”不存在" in refused.value.message
    version, created = deployment.deploy_bytes(BPMN.format(decision="record_deadlines").encode(), "rule_probe.bpmn")
    assert created and version.definition.key == "rule_probe"


def test_a_source_decision_before_the_first_version_takes_the_first_version_and_says_so(api):
    """A penalty decided on 2026-03-20 is registered today; the oldest publication window on record is
    NDRC Order 36's (2026-04-01). The record is published on it — not stuck — and the timeline says the
    source decision preceded the table."""
    case = published(api, registered_and_notified(api, occurred_on="2026-03-01", decided_on="2026-03-20"))
    [event] = rule_events(case, "publication_window")
    assert (event["data"]["version"], event["data"]["on"], event["data"]["before_first"]) == (1, "2026-03-20", True)
    assert "2026-03-20 早于该表最早版本的施行日期，按最早版本办理" in event["summary"]
    assert case["publication_end"] == "2027-03-20"  # 12 months counted from the source decision (issue 18)
    later = published(api, registered_and_notified(api, decided_on="2026-09-14"))
    assert rule_events(later, "publication_window")[0]["data"]["before_first"] is False


def test_a_decision_that_cannot_be_taken_fails_the_step_naming_the_task(api, ctx):
    """A table with no published version at all fails the step with a 422 naming it; nothing half-written."""
    case_id = registered_and_notified(api)
    api.as_("handler.fgw").complete(case_id, "respond_notice", {"response": "accept"})
    db.session.execute(update(DecisionVersion).where(DecisionVersion.definition_id.in_(
        select(DecisionDefinition.id).where(DecisionDefinition.key == "publication_window"))).values(status="draft"))
    db.session.commit()
    task = api.as_("reviewer").task_for(case_id, "publication_decision")
    r = api.as_("reviewer").post(f"/tasks/{task['id']}/complete", {"data": PUBLISH})
    assert r.status_code == 422, r.get_json()
    assert "没有生效的版本" in r.get_json()["error"]["message"]
    assert api.as_("reviewer").case(case_id)["status"] == "confirmed"  # nothing half-written


def test_a_script_may_ask_a_decision_by_key_and_a_cell_may_not(api, ctx):
    xml = BPMN.format(decision="record_deadlines").replace(
        '<bpmn:endEvent id="e" />',
        '<bpmn:scriptTask id="sc" name="查公开期限"><bpmn:script>'
        "window = decide('publication_window', {'tier': 'serious', 'district': ''}, '2026-09-14')\n"
        "correct_record({'title': case['title'] + '+' + str(window['max_months'])})</bpmn:script></bpmn:scriptTask>"
        '<bpmn:endEvent id="e" />').replace('targetRef="e" />', 'targetRef="sc" /><bpmn:sequenceFlow id="f3" sourceRef="sc" targetRef="e" />')
    deployment.deploy_bytes(xml.encode(), "rule_probe.bpmn")
    r = api.as_("recorder").post("/cases", {"process": "rule_probe", "data": {
        "subject_type": "department", "subject_department": "fgw", "title": "T", "source_type": "administrative_penalty",
        "document_number": "沪罚〔2026〕1号", "decided_on": "2026-03-20", "key_area": "政府采购", "tier": "serious", "facts": "事实"}})
    assert r.status_code == 201, r.get_json()
    case = r.get_json()
    assert api.as_("recorder").case(case["id"])["title"] == "T+36"
    cell = with_general_max(12).replace("<text>12</text>", "<text>decide('publication_window', {})</text>")
    assert "未知函数 decide" in str(dmn.validate(cell)[0])
