"""Incidents (issue 15): a failed step blocks its case; admins and the supervisors over the case
retry it once the cause is fixed, skip it (after a dry run), suspend, resume or cancel the case —
each with a reason, a timeline line and a notification, on the web and the API, within scope."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.audit.models import AuditEvent
from app.calendar.service import import_schedule
from app.cases.models import Case, TimelineEvent
from app.cases.timeline import verify_timeline
from app.core.clock import LOCAL_TZ, clock
from app.engine import ProcessInstance
from app.core.extensions import db
from app.incidents.models import Incident
from app.notifications.models import Notification
from app.org.models import User
from app.designer.deployment import deploy_bytes, deploy_path
from app.tasks.models import HumanTask
from tests.bpmn_builder import HEADER
from tests.support import RECORD, add_district_user, elements
from tests.web_support import login, post

FAILING = Path(__file__).parent / "engine" / "cases" / "failing-script-on-timer" / "process.bpmn"

# Two timers in a row: the second is planned when the first fires, in working days — from December
# 2026 that reaches into 2027, whose calendar is not loaded.
TWO_TIMERS = (HEADER + """
  <bpmn:process id="two_timers" name="两段等待" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l_rec" name="recorder"><bpmn:flowNodeRef>begin</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="l_rev" name="reviewer"><bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="begin" name="登记" cx:form="record_register" />
    <bpmn:intermediateCatchEvent id="wait1" name="第一段等待"><bpmn:timerEventDefinition>
      <bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days_deadline(1)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="wait2" name="第二段等待"><bpmn:timerEventDefinition>
      <bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days_deadline(30)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="review" name="审核" cx:form="plan_review" cx:due="3" />
    <bpmn:endEvent id="done" name="结束" />
    <bpmn:sequenceFlow id="f0" sourceRef="begin" targetRef="wait1" />
    <bpmn:sequenceFlow id="f1" sourceRef="wait1" targetRef="wait2" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait2" targetRef="review" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
""").encode()
YEAR_2027 = "2027-01-01,holiday,元旦\n2027-02-05,holiday,春节\n2027-02-08,holiday,春节\n"


def _blocked_script_case(api, tick) -> tuple[dict, Incident]:
    """The engine case failing-script-on-timer, ticked past its reminder: blocked, one incident."""
    deploy_path(FAILING)
    case = api.as_("recorder").post("/cases", {"process": "f15_timer_script_error", "data": RECORD}).get_json()
    tick(datetime(2026, 9, 17, 9, 0, tzinfo=LOCAL_TZ))
    return case, db.session.scalar(select(Incident).where(Incident.case_id == case["id"]))


def _blocked_calendar_case(api, tick) -> tuple[dict, Incident]:
    """A TWO_TIMERS case registered 2026-12-01, ticked when its first wait ends: the second wait
    needs 2027's calendar, so the case is blocked with one incident."""
    deploy_bytes(TWO_TIMERS, "two_timers.bpmn")
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ))
    case = api.as_("recorder").post("/cases", {"process": "two_timers", "data": RECORD}).get_json()
    tick(datetime(2026, 12, 3, 9, 0, tzinfo=LOCAL_TZ))
    return case, db.session.scalar(select(Incident).where(Incident.case_id == case["id"]))


def _instance(case: dict) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, db.session.get(Case, case["id"]).instance_id)


def _kinds(case: dict, prefix: str) -> list[str]:
    return [e.kind for e in db.session.scalars(select(TimelineEvent).where(
        TimelineEvent.case_id == case["id"], TimelineEvent.kind.startswith(prefix)).order_by(TimelineEvent.id))]


def _case_operations(case: dict) -> list[str]:
    return [k for k in _kinds(case, "case.") if k in ("case.suspended", "case.resumed", "case.cancelled")]


def _notes_to(username: str) -> list[str]:
    user = db.session.scalar(select(User).where(User.username == username))
    return list(db.session.scalars(select(Notification.title).where(
        Notification.user_id == user.id, Notification.kind == "case.incident").order_by(Notification.id)))


# --- retry --------------------------------------------------------------------------------------

def test_retry_after_loading_the_missing_calendar_year_resolves_the_incident(api, tick):
    case, incident = _blocked_calendar_case(api, tick)
    assert _instance(case).status == "blocked"
    assert incident.element_id == "wait2" and "2027 年的工作日历尚未导入" in incident.error
    admin = api.as_("admin")

    # Retrying before the cause is fixed fails again: still open, counted, the engine's message (409).
    r = admin.post(f"/incidents/{incident.id}/retry", {"reason": "再试一次"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "calendar_not_loaded"
    body = admin.get(f"/incidents/{incident.id}").get_json()
    assert body["status"] == "open" and body["failure_count"] == 2 and _instance(case).status == "blocked"

    import_schedule(YEAR_2027, "2027.csv")
    r = admin.post(f"/incidents/{incident.id}/retry", {"reason": "  已导入 2027 年日历  "})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["status"], body["resolution"], body["resolved_by"], body["reason"]) == \
        ("resolved", "retried", "admin", "已导入 2027 年日历")
    instance = _instance(case)
    assert instance.status == "running" and instance.next_timer_at.astimezone(LOCAL_TZ).year == 2027
    assert _kinds(case, "incident.") == ["incident.opened", "incident.retry_failed", "incident.retried"]
    assert any("继续办理" in t for t in _notes_to("supervisor"))
    tick(instance.next_timer_at + timedelta(seconds=1))
    assert elements(api.as_("reviewer").case(case["id"])) == ["review"]


def test_a_resolved_incident_cannot_be_retried_again(api, tick):
    case, incident = _blocked_script_case(api, tick)
    admin = api.as_("admin")
    assert admin.post(f"/incidents/{incident.id}/skip", {"reason": "提醒可以不发"}).status_code == 200
    r = admin.post(f"/incidents/{incident.id}/retry", {"reason": "再来"})
    assert r.status_code == 409 and "已处理" in r.get_json()["error"]["message"]


# --- skip with a dry run ------------------------------------------------------------------------

def test_skip_dry_run_shows_what_happens_and_saves_nothing_then_skip_steps_on(api, tick):
    case, incident = _blocked_script_case(api, tick)
    supervisor = api.as_("supervisor")
    r = supervisor.post(f"/incidents/{incident.id}/skip", {"reason": "提醒可以不发", "dry_run": True})
    assert r.status_code == 200, r.get_json()
    plan = r.get_json()
    assert plan["dry_run"] is True and plan["skipped"] == ["“提醒（写错了任务 id）”（remind）"]
    assert plan["next_tasks"] == [] and plan["finished"] is False and plan["incident"]["status"] == "open"
    assert _instance(case).status == "blocked" and _kinds(case, "incident.") == ["incident.opened"]

    r = supervisor.post(f"/incidents/{incident.id}/skip", {"reason": "提醒可以不发"})
    assert r.status_code == 200 and r.get_json()["incident"]["resolution"] == "skipped"
    assert _instance(case).status == "running" and _kinds(case, "incident.") == ["incident.opened", "incident.skipped"]
    assert "task.reminded" not in _kinds(case, "task.")  # the failing script did not run
    api.as_("handler.fgw").complete(case["id"], "a_task", {"progress": "已报送", "completed": False})
    assert elements(api.as_("reviewer").case(case["id"])) == ["c_task"]


def test_skip_of_a_step_that_now_runs_is_refused(api, tick):
    case, incident = _blocked_calendar_case(api, tick)
    import_schedule(YEAR_2027, "2027.csv")
    r = api.as_("admin").post(f"/incidents/{incident.id}/skip", {"reason": "跳过", "dry_run": True})
    assert r.status_code == 409 and "重试" in r.get_json()["error"]["message"]


# --- suspend / resume / cancel --------------------------------------------------------------------

def test_a_suspended_case_waits_its_timers_and_its_tasks_until_resumed(api, tick):
    deploy_path(FAILING.parent / "process_fixed.bpmn")
    case = api.as_("recorder").post("/cases", {"process": "f15_timer_script_error", "data": RECORD}).get_json()
    supervisor = api.as_("supervisor")
    r = supervisor.post(f"/cases/{case['id']}/suspend", {"reason": "等待法院裁定"})
    assert r.status_code == 200, r.get_json()
    handler = api.as_("handler.fgw")
    task = handler.task_for(case["id"], "a_task")
    assert task["state"] == "suspended"
    r = handler.post(f"/tasks/{task['id']}/complete", {"data": {"progress": "已报送", "completed": False}})
    assert r.status_code == 409 and "已暂停" in r.get_json()["error"]["message"]
    tick(datetime(2026, 9, 17, 9, 0, tzinfo=LOCAL_TZ))  # the reminder is due, but the case is suspended
    assert "task.reminded" not in _kinds(case, "task.")
    assert _instance(case).next_timer_at is not None
    assert supervisor.post(f"/cases/{case['id']}/suspend", {"reason": "再停"}).status_code == 409

    due_before = datetime.fromisoformat(handler.task_for(case["id"], "a_task")["due_at"])
    assert supervisor.post(f"/cases/{case['id']}/resume", {"reason": "裁定已出"}).status_code == 200
    assert _instance(case).status == "running"
    # Suspended for 3 days (09-14 09:00 → 09-17 09:00): the unit could not act, so its deadline
    # and the reminder run again from where they stood, 3 days later (the issue-15 attack saw the
    # reminder, the overdue notice and a 督办 all arrive at the moment of resuming).
    suspended = timedelta(days=3)
    assert datetime.fromisoformat(handler.task_for(case["id"], "a_task")["due_at"]) == due_before + suspended
    assert _instance(case).next_timer_at == datetime(2026, 9, 17, tzinfo=LOCAL_TZ) + suspended
    assert "deadline.postponed" in _kinds(case, "deadline.")
    tick()
    assert "task.reminded" not in _kinds(case, "task.")
    tick(datetime(2026, 9, 20, 0, 0, 1, tzinfo=LOCAL_TZ))
    assert "task.reminded" in _kinds(case, "task.")  # the reminder, postponed by the suspension
    assert _case_operations(case) == ["case.suspended", "case.resumed"]
    assert any("已暂停" in t for t in _notes_to("handler.fgw"))  # the unit whose task waits is told
    handler.complete(case["id"], "a_task", {"progress": "已报送", "completed": False})


def test_resuming_a_blocked_case_that_was_suspended_leaves_it_blocked(api, tick):
    case, incident = _blocked_script_case(api, tick)
    admin = api.as_("admin")
    assert admin.post(f"/cases/{case['id']}/suspend", {"reason": "先停下"}).status_code == 200
    r = admin.post(f"/incidents/{incident.id}/retry", {"reason": "试试"})
    assert r.status_code == 409 and "先恢复" in r.get_json()["error"]["message"]
    assert admin.post(f"/cases/{case['id']}/resume", {"reason": "继续"}).status_code == 200
    assert _instance(case).status == "blocked"


def test_cancel_ends_the_tasks_the_timers_and_the_incident(api, tick):
    case, incident = _blocked_script_case(api, tick)
    r = api.as_("admin").post(f"/cases/{case['id']}/cancel", {"reason": "误登记"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "cancelled" and body["status_label"] == "已撤案" and body["closed_at"]
    instance = _instance(case)
    assert instance.status == "cancelled" and instance.next_timer_at is None
    assert db.session.scalars(select(HumanTask.status).where(HumanTask.case_id == case["id"])).all() == ["cancelled"]
    incident = db.session.get(Incident, incident.id)
    assert (incident.status, incident.resolution, incident.reason) == ("resolved", "cancelled", "误登记")
    assert _case_operations(case) == ["case.cancelled"] and "status.changed" in _kinds(case, "status.")
    assert any("已撤案" in t for t in _notes_to("recorder"))
    steps = [e["summary"] for e in api.as_("supervisor").get(f"/cases/{case['id']}?kind=human").get_json()["timeline"]]
    assert any("撤案" in s for s in steps)  # an operator's act is a person's step, not a system step
    audited = {e.action: e.actor.username for e in db.session.scalars(select(AuditEvent)) if e.actor}
    assert audited["case.cancelled"] == "admin" and audited["incident.cancelled"] == "admin"
    assert api.as_("admin").post(f"/cases/{case['id']}/cancel", {"reason": "再撤"}).status_code == 409


# --- scope and bad input ------------------------------------------------------------------------

@pytest.fixture()
def district_supervisor(ctx):
    return add_district_user("sup.pudong", "浦东督导员", "supervisor")


def test_operators_outside_the_case_scope_get_404_and_other_roles_403(api, tick, district_supervisor):
    case, incident = _blocked_script_case(api, tick)  # subject: 市发展改革委, a city unit
    other = api.as_("sup.pudong")
    assert other.get(f"/incidents/{incident.id}").status_code == 404
    assert other.post(f"/incidents/{incident.id}/retry", {"reason": "x"}).status_code == 404
    assert other.post(f"/cases/{case['id']}/suspend", {"reason": "x"}).status_code == 404
    assert other.get("/incidents").get_json()["items"] == []
    handler = api.as_("handler.fgw")  # sees the case, may not operate on it
    assert handler.get("/incidents").status_code == 403
    assert handler.post(f"/incidents/{incident.id}/retry", {"reason": "x"}).status_code == 403
    assert handler.post(f"/cases/{case['id']}/cancel", {"reason": "x"}).status_code == 403
    assert api.as_("handler.czj").post(f"/cases/{case['id']}/cancel", {"reason": "x"}).status_code == 404
    assert [i["id"] for i in api.as_("supervisor").get("/incidents").get_json()["items"]] == [incident.id]


@pytest.mark.parametrize("payload, message", [
    ({}, "“操作原因”为必填项"), ({"reason": "   "}, "“操作原因”为必填项"), ({"reason": "字" * 2001}, "不能超过 2000 个字"),
])
def test_a_reason_is_required_and_bounded(api, tick, payload, message):
    case, incident = _blocked_script_case(api, tick)
    admin = api.as_("admin")
    for url in (f"/incidents/{incident.id}/retry", f"/incidents/{incident.id}/skip", f"/cases/{case['id']}/suspend",
                f"/cases/{case['id']}/cancel"):
        r = admin.post(url, payload)
        assert r.status_code == 422, (url, r.get_json())
        assert message in r.get_json()["error"]["fields"]["reason"][0]
    assert admin.post(f"/incidents/{incident.id}/retry", {"reason": 5}).status_code == 422  # a wrong type breaks the schema (issue 13: 422)
    assert admin.get("/incidents?status=bogus").status_code == 422
    assert _instance(case).status == "blocked" and _case_operations(case) == []


# --- web ----------------------------------------------------------------------------------------

@pytest.fixture()
def supervisor_web(client):
    """Logged in before the test's app context is pushed (Flask-WTF keeps its token in `g`)."""
    assert login(client, "supervisor").status_code == 302
    return client


def test_incidents_page_lists_filters_and_operates(app, supervisor_web, api, tick):
    client = supervisor_web
    case, incident = _blocked_script_case(api, tick)
    page = client.get("/incidents").get_data(as_text=True)
    assert 'id="nav-incidents"' in page and f'id="incident-{incident.id}"' in page and case["number"] in page
    assert 'id="no-incidents"' in client.get("/incidents?status=resolved").get_data(as_text=True)
    detail = f"/incidents/{incident.id}"
    assert 'id="retry-form"' in client.get(detail).get_data(as_text=True)
    r = post(client, f"{detail}/retry", {"reason": ""}, page=detail)
    assert r.status_code == 422 and "“操作原因”为必填项" in r.get_data(as_text=True)
    r = post(client, f"{detail}/skip", {"reason": "提醒可以不发", "dry_run": "1"}, page=detail)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="skip-plan"' in html and "提醒（写错了任务 id）" in html
    assert post(client, f"{detail}/skip", {"reason": "提醒可以不发"}, page=detail).status_code == 302
    page = client.get("/incidents?status=resolved").get_data(as_text=True)
    assert f'id="incident-{incident.id}"' in page
    case_page = f"/cases/{case['id']}"
    r = post(client, f"/cases/{case['id']}/suspend", {"reason": "暂停看看", "next": case_page}, page=case_page)
    assert r.status_code == 302 and r.headers["Location"].endswith(case_page)
    assert 'data-hold="suspended"' in client.get(case_page).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(TimelineEvent.id)).where(TimelineEvent.kind == "case.suspended")) == 1


def test_the_incidents_page_is_for_admins_and_supervisors(client):
    assert login(client, "handler.fgw").status_code == 302
    assert client.get("/incidents").status_code == 403
    assert 'id="nav-incidents"' not in client.get("/tasks").get_data(as_text=True)


# --- upgrade of an old database ---------------------------------------------------------------

def test_upgrading_turns_an_instance_marked_error_into_a_blocked_case_with_an_open_incident(app, api):
    from flask_migrate import downgrade, upgrade

    case = api.as_("recorder").register()
    instance_id = db.session.get(Case, case["id"]).instance_id
    db.session.remove()
    migrations = str(Path(app.root_path).parent / "migrations")
    downgrade(directory=migrations, revision="0010_attachment_step")
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                       .values(status="error", error="流程执行出错：旧版本记录的错误"))
    db.session.commit()
    upgrade(directory=migrations)
    db.session.remove()
    assert db.session.get(ProcessInstance, instance_id).status == "blocked"
    (incident,) = db.session.scalars(select(Incident)).all()
    assert (incident.case_id, incident.status, incident.error, incident.failure_count) == \
        (case["id"], "open", "流程执行出错：旧版本记录的错误", 1)
    assert api.as_("reviewer").task_for(case["id"], "entry_review")["state"] == "blocked"


def test_a_failed_retry_leaves_the_timeline_chain_intact(api, tick):
    """A step that writes to the timeline (a script's action) and then fails: the retry's
    savepoint rolls both back, and the incident's own lines chain onto what is really there
    (the issue-15 attack saw a clean case reported as tampered with)."""
    xml = TWO_TIMERS.replace(
        b'<bpmn:sequenceFlow id="f1" sourceRef="wait1" targetRef="wait2" />',
        '<bpmn:scriptTask id="touch" name="改标题"><bpmn:script>correct_record({"title": case["title"] + "+"})'
        '</bpmn:script></bpmn:scriptTask><bpmn:sequenceFlow id="f1" sourceRef="wait1" targetRef="touch" />'
        '<bpmn:sequenceFlow id="f1b" sourceRef="touch" targetRef="wait2" />'.encode())
    deploy_bytes(xml, "two_timers.bpmn")
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ))
    case = api.as_("recorder").post("/cases", {"process": "two_timers", "data": RECORD}).get_json()
    tick(datetime(2026, 12, 3, 9, 0, tzinfo=LOCAL_TZ))
    incident = db.session.scalar(select(Incident).where(Incident.case_id == case["id"]))
    assert incident is not None
    admin = api.as_("admin")
    for _ in range(2):
        assert admin.post(f"/incidents/{incident.id}/retry", {"reason": "再试"}).status_code == 409
    assert admin.post(f"/incidents/{incident.id}/skip", {"reason": "看看", "dry_run": True}).status_code in (200, 409, 422)
    db.session.expire_all()
    assert verify_timeline(case["id"]) is None


def test_a_task_whose_deadline_needs_next_years_calendar_is_named_by_its_incident(api, tick):
    """The failing step is creating a task whose deadline reaches into a year not loaded: the
    incident names that task, not "自动环节" (issue-15 attack)."""
    xml = TWO_TIMERS.replace(b'<bpmn:sequenceFlow id="f1" sourceRef="wait1" targetRef="wait2" />',
                             b'<bpmn:sequenceFlow id="f1" sourceRef="wait1" targetRef="review" />')
    xml = xml.replace(b'<bpmn:sequenceFlow id="f2" sourceRef="wait2" targetRef="review" />', b"")
    xml = xml.replace(b'<bpmn:intermediateCatchEvent id="wait2" name="\xe7\xac\xac\xe4\xba\x8c\xe6\xae\xb5\xe7\xad\x89\xe5\xbe\x85">', b"<!--")
    xml = xml.replace(b"working_days_deadline(30)</bpmn:timeDate></bpmn:timerEventDefinition>\n    </bpmn:intermediateCatchEvent>", b"-->")
    xml = xml.replace(b'cx:form="plan_review" cx:due="3"', b'cx:form="plan_review" cx:due="5"')
    deploy_bytes(xml, "two_timers.bpmn")
    clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=LOCAL_TZ))
    case = api.as_("recorder").post("/cases", {"process": "two_timers", "data": RECORD}).get_json()
    tick(datetime(2026, 12, 30, 9, 0, tzinfo=LOCAL_TZ))
    incident = db.session.scalar(select(Incident).where(Incident.case_id == case["id"]))
    assert incident is not None and (incident.element_id, incident.element_name) == ("review", "审核")
    assert "2027 年的工作日历尚未导入" in incident.error
