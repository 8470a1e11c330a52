"""Tamper evidence (issue 15): each case's timeline and the administrative audit log are hash
chains; `flask audit verify` and the case page report an edited, removed or inserted row."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.core import hashchain
from app.audit.models import AuditEvent
from app.cases.models import TimelineEvent
from app.cases.timeline import verify_timeline
from app.core.extensions import db
from tests.web_support import login, post

APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}


def _case_with_history(api) -> dict:
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", APPROVE)
    return case


def _event_ids(case_id: int) -> list[int]:
    return list(db.session.scalars(select(TimelineEvent.id).where(TimelineEvent.case_id == case_id).order_by(TimelineEvent.id)))


def _raw(sql: str, **params) -> None:
    """An edit behind the application's back, as someone with database access could make."""
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)
    db.session.expire_all()


def test_every_event_links_to_the_one_before_and_the_chain_verifies(api, runner):
    case = _case_with_history(api)
    events = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case["id"]).order_by(TimelineEvent.id)).all()
    assert len(events) >= 5 and all(len(e.hash) == 64 for e in events)
    assert events[1].hash == hashchain.link(events[0].hash, events[1].content())
    assert verify_timeline(case["id"]) is None
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "完好" in result.output, result.output


def test_an_edited_event_is_reported_by_the_cli_and_on_the_case_page(api, client, runner):
    case = _case_with_history(api)
    second = _event_ids(case["id"])[1]
    _raw("UPDATE timeline_event SET summary = :s WHERE id = :id", s="（被改写的记录）", id=second)
    problem = verify_timeline(case["id"])
    assert problem is not None and (problem.position, problem.record_id) == (1, second)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"案件 {case['number']} 的时间线在第 2 条（id {second}）" in result.output
    login(client, "reviewer")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert 'data-intact="no"' in html and "第 2 条记录" in html


def test_a_removed_last_event_and_a_removed_middle_event_are_both_found(api):
    first, second = _case_with_history(api), _case_with_history(api)
    last = _event_ids(first["id"])[-1]
    _raw("DELETE FROM timeline_event WHERE id = :id", id=last)
    assert verify_timeline(first["id"]).record_id is None  # the head no longer matches the last row
    middle = _event_ids(second["id"])[2]
    _raw("DELETE FROM timeline_event WHERE id = :id", id=middle)
    assert verify_timeline(second["id"]).position == 2


def test_the_case_page_says_the_record_is_intact(api, client):
    case = _case_with_history(api)
    login(client, "reviewer")
    assert 'data-intact="yes"' in client.get(f"/cases/{case['id']}").get_data(as_text=True)


@pytest.fixture()
def admin(client):
    assert login(client, "admin").status_code == 302  # before `ctx`: each request then gets its own `g`
    return client


def test_administrative_actions_go_into_the_chained_audit_log(admin, runner, ctx):
    r = post(admin, "/admin/users/new", {"username": "audit.probe", "full_name": "审计探针", "department_id": "1",
                                          "roles": ["recorder"], "password": "Kx9#vr2!Lm_qz8"}, page="/admin/users/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    created = [e for e in entries if e.action == "user.created"]
    assert created and created[-1].actor.username == "admin" and "audit.probe" in created[-1].summary
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _raw("UPDATE audit_event SET summary = :s WHERE id = :id", s="（改写）", id=created[-1].id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "审计日志在" in result.output


def test_deployments_are_audited(ctx):
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "process.deployed" in actions  # the test set-up deployed workflows/*.bpmn


@pytest.mark.usefixtures("kept_rows_restored")
def test_admin_actions_through_the_api_name_their_actor_in_the_audit_log(api):
    """Found by attack 13: the API's unit and calendar-day routes called the services without the
    acting user, so the audit log said nobody did them (the web names the admin). Every
    administrative write of the API is attributed to the token's user."""
    admin = api.as_("admin")
    unit = admin.post("/departments", {"code": "audit_api_unit", "name": "审计接口单位", "kind": "agency"})
    assert unit.status_code == 201, unit.get_json()
    unit_id = unit.get_json()["id"]
    renamed = admin.client.put(f"/api/v1/departments/{unit_id}", headers=admin._headers(),
                               json={"name": "审计接口单位（改）", "kind": "agency"})
    assert renamed.status_code == 200, renamed.get_json()
    assert admin.post(f"/departments/{unit_id}/deactivate").status_code == 200
    assert admin.post(f"/departments/{unit_id}/activate").status_code == 200
    day = admin.client.put("/api/v1/calendar/days/2026-11-14", headers=admin._headers(),
                           json={"kind": "workday", "name": "调休上班"})
    assert day.status_code == 200, day.get_json()
    entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(5)).all()
    assert len(entries) == 5
    assert {e.action for e in entries} >= {"calendar.day_set"}
    assert [e.actor.username if e.actor else None for e in entries] == ["admin"] * 5, [(e.action, e.actor) for e in entries]
