"""Engine cases (issue 15): small models of faults other BPMN engines' users hit, kept as tests in
tests/engine/cases/ (copied from the issue's ../shared/cases/engine/). Each case is a kind; each
kind has one more test beside the given case."""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.designer import process_tests
from app.calendar.models import CalendarDay
from app.calendar.service import set_day
from app.cases.models import Case, TimelineEvent
from app.core.clock import LOCAL_TZ, clock
from app.designer import service as designer_service
from app.engine import ProcessInstance
from app.core.extensions import db
from app.incidents.models import Incident
from app.notifications.models import Notification
from app.org.models import User
from app.tasks.models import HumanTask
from tests.support import RECORD, Api, elements
from tests.web_support import login, post
from app.engine import DeployRefused
from app.designer.deployment import deploy_bytes, deploy_path

CASES = Path(__file__).parent / "cases"


def run_case_folder(name: str) -> list[process_tests.CaseResult]:
    """Deploy the folder's process.bpmn and run its test.json with the product's process-test runner."""
    folder = CASES / name
    deploy_path(folder / "process.bpmn")
    return process_tests.run_file(folder / "test.json")


def failures(results) -> dict[str, list[str]]:
    return {r.name: r.failures for r in results if not r.passed}


# --- stale case fields: `case[...]` shows the case as it is now, within one step too ----------

def test_a_gateway_after_a_script_reads_the_fields_the_script_just_set(ctx):
    results = run_case_folder("stale-case-fields")
    assert results and failures(results) == {}


def test_a_script_after_a_sub_process_reads_the_fields_the_sub_process_set(ctx):
    results = run_case_folder("stale-case-fields-subprocess")
    assert results and failures(results) == {}


# --- timers: every timer on the product clock, scheduled for tick ---------------------------

def test_event_based_gateway_timers_run_on_the_product_clock(ctx):
    results = run_case_folder("event-gateway-timers")
    assert len(results) == 4 and failures(results) == {}


def test_a_timer_date_without_offset_means_shanghai(ctx):
    results = run_case_folder("timer-date-without-offset")
    assert len(results) == 2 and failures(results) == {}


# --- constructs the engine cannot run are refused at deploy, in the designer's words ----------

def test_an_error_end_in_a_multi_instance_sub_process_is_refused_at_deploy(ctx):
    with pytest.raises(DeployRefused) as refused:
        deploy_path(CASES / "error-end-in-multi-instance" / "process.bpmn")
    # the error end, and the interrupting boundary on the multi-instance sub-process (the palette sweep)
    problem, boundary = refused.value.problems
    assert problem.element_id == "err_end" and "多实例子流程“两项核查”" in problem.message
    assert boundary.element_id == "sub_failed" and "多实例子流程上的中断边界事件" in boundary.message
    assert "排他网关" in problem.message  # says what to do instead


def test_an_error_thrown_deeper_inside_a_multi_instance_sub_process_is_refused_too(ctx):
    """Same kind, another placement: the error end sits in a plain sub-process nested in the
    multi-instance one."""
    xml = (CASES / "error-end-in-multi-instance" / "process.bpmn").read_text()
    xml = xml.replace('<bpmn:endEvent id="err_end" name="核查失败"><bpmn:errorEventDefinition errorRef="err_fail" /></bpmn:endEvent>',
                      '<bpmn:subProcess id="inner" name="内层"><bpmn:startEvent id="i_start" />'
                      '<bpmn:endEvent id="err_end" name="核查失败"><bpmn:errorEventDefinition errorRef="err_fail" /></bpmn:endEvent>'
                      '<bpmn:sequenceFlow id="fi" sourceRef="i_start" targetRef="err_end" /></bpmn:subProcess>')
    xml = xml.replace('targetRef="err_end" />\n', 'targetRef="inner" />\n', 1)
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(xml.encode(), "nested.bpmn")
    assert [p.element_id for p in refused.value.problems] == ["err_end", "sub_failed"]


def test_an_error_end_in_a_plain_sub_process_still_deploys_and_runs(ctx):
    xml = (CASES / "error-end-in-multi-instance" / "process.bpmn").read_text()
    xml = xml.replace("<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>", "")
    deploy_bytes(xml.encode(), "plain.bpmn")
    doc = json.loads((CASES / "error-end-in-multi-instance" / "test.json").read_text())
    first = doc["cases"][0]
    first["steps"][0]["expect"]["open_tasks"] = ["b_task"]
    assert failures(process_tests.run_tests({**doc, "cases": [first]})) == {}


# --- migration that tells the truth -----------------------------------------------------------

MIGRATION = CASES / "migration-adds-timer"


def _migrate_case_waiting_on_a_task(api, designer_service, tick, *, started_days_ago: int):
    """A v1 case waits at a_task (started `started_days_ago` working days before the move); v2
    adds a non-interrupting reminder 2 working days after the task began."""
    deploy_path(MIGRATION / "v1.bpmn")
    case = api.as_("recorder").post("/cases", {"process": "f07_migrate_timer", "data": RECORD}).get_json()
    if started_days_ago:
        tick(timedelta(days=started_days_ago))
    deploy_path(MIGRATION / "v2.bpmn")
    (plan,) = [p for _, p in designer_service.migration_plan("f07_migrate_timer", 1, 2)]
    assert plan.possible and plan.added == ["“单位报送”上的边界事件“到期前提醒”"]
    assert plan.waiting_names == ["“单位报送”（a_task）"]  # the designer's words on the dry-run page
    guid = db.session.scalar(select(HumanTask.task_guid).where(HumanTask.case_id == case["id"], HumanTask.status == "open"))
    designer = db.session.scalar(select(User).where(User.username == "designer"))
    assert designer_service.migrate(designer, "f07_migrate_timer", 1, 2) == ([case["number"]], [])
    db.session.expire_all()
    task = db.session.scalar(select(HumanTask).where(HumanTask.case_id == case["id"], HumanTask.status == "open"))
    assert task.task_guid == guid  # the same task: nobody's claim or deadline is lost
    return case, db.session.get(ProcessInstance, db.session.get(Case, case["id"]).instance_id)


def test_a_move_that_adds_a_boundary_timer_creates_it_timed_from_when_the_task_began(api, tick):
    case, instance = _migrate_case_waiting_on_a_task(api, designer_service, tick, started_days_ago=0)
    # Registered Monday 2026-09-14: the reminder is due at the end of Wednesday 09-16 (2 working days).
    assert instance.next_timer_at == datetime(2026, 9, 17, 0, 0, tzinfo=LOCAL_TZ)
    tick(datetime(2026, 9, 16, 23, 0, tzinfo=LOCAL_TZ))
    assert api.as_("recorder").case(case["id"])["title"] == RECORD["title"]
    tick(datetime(2026, 9, 17, 0, 0, 1, tzinfo=LOCAL_TZ))
    assert api.as_("recorder").case(case["id"])["title"] == RECORD["title"] + "+R"  # the reminder ran
    api.as_("handler.fgw").complete(case["id"], "a_task", {"progress": "已报送", "completed": False})
    assert elements(api.as_("reviewer").case(case["id"])) == ["c_task"]


def test_a_move_after_the_reminder_was_due_reminds_at_the_next_tick(api, tick):
    """Same kind, the other timing: the task began 3 calendar days (2+ working days) before the
    move, so a case started on v2 would already have been reminded."""
    case, instance = _migrate_case_waiting_on_a_task(api, designer_service, tick, started_days_ago=3)
    assert instance.next_timer_at <= clock.now()
    tick()
    assert api.as_("recorder").case(case["id"])["title"] == RECORD["title"] + "+R"


def test_moving_back_is_refused_in_the_designers_words(api, tick):
    deploy_path(MIGRATION / "v2.bpmn")
    api.as_("recorder").post("/cases", {"process": "f07_migrate_timer", "data": RECORD})
    deploy_path(MIGRATION / "v1.bpmn")
    (plan,) = [p for _, p in designer_service.migration_plan("f07_migrate_timer", 1, 2)]
    assert not plan.possible
    text = "；".join(plan.reasons)
    assert "“到期前提醒”（a_remind）" in text and "BoundaryEvent" not in text and "a_task." not in text


# --- calendar corrections re-plan open deadlines and waiting timers ----------------------------

def _register_on_calendar_case(api):
    deploy_path(CASES / "calendar-corrected" / "process.bpmn")
    return api.as_("recorder").post("/cases", {"process": "f17_calendar_edit", "data": RECORD}).get_json()


def _open_task(case_id: int) -> HumanTask:
    db.session.expire_all()
    return db.session.scalar(select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.status == "open"))


def _overdue_events(case_id: int) -> int:
    return len(db.session.scalars(select(TimelineEvent).where(
        TimelineEvent.case_id == case_id, TimelineEvent.kind == "task.overdue")).all())


@contextmanager
def _calendar_restored(*days: date):
    """Calendar days are reference data kept between tests: put back what a test changed."""
    saved = {d: db.session.get(CalendarDay, d) for d in days}
    saved = {d: (row.kind, row.name) if row else (None,) for d, row in saved.items()}
    try:
        yield
    finally:
        for day, values in saved.items():
            set_day(day, *values)
        db.session.commit()


@pytest.fixture()
def admin(client):
    assert login(client, "admin").status_code == 302
    return client


def test_a_holiday_declared_inside_a_deadline_moves_the_deadline_and_its_overdue_timer(app, admin, ctx, tick):
    """Registered Monday 2026-09-14, due in 3 working days: end of Thursday 09-17. The admin then
    declares Wednesday 09-16 a holiday: the deadline becomes the end of Friday 09-18, for the
    case registered before the edit exactly as for one registered after it."""
    api = Api(app.test_client())
    before = _register_on_calendar_case(api)
    assert _open_task(before["id"]).due_at == datetime(2026, 9, 18, 0, 0, tzinfo=LOCAL_TZ)
    with _calendar_restored(date(2026, 9, 16)):
        r = post(admin, "/admin/calendar/day", {"day": "2026-09-16", "kind": "holiday", "name": "测试假日"}, page="/admin/calendar")
        assert r.status_code == 302, r.get_data(as_text=True)
        after = _register_on_calendar_case(api)
        _assert_moved(before, after)
        tick(datetime(2026, 9, 18, 0, 0, 1, tzinfo=LOCAL_TZ))
        assert _overdue_events(before["id"]) == 0  # not declared overdue a day early
        tick(datetime(2026, 9, 19, 0, 0, 1, tzinfo=LOCAL_TZ))
        assert _overdue_events(before["id"]) == 1


def _assert_moved(before, after):
    for case in (before, after):
        assert _open_task(case["id"]).due_at == datetime(2026, 9, 19, 0, 0, tzinfo=LOCAL_TZ)
        assert db.session.get(ProcessInstance, db.session.get(Case, case["id"]).instance_id).next_timer_at \
            == datetime(2026, 9, 19, 0, 0, tzinfo=LOCAL_TZ)
    lines = [e.summary for e in db.session.scalars(select(TimelineEvent).where(
        TimelineEvent.case_id == before["id"], TimelineEvent.kind.in_(["deadline.replanned", "timer.replanned"])))]
    assert lines == ["日历调整，“单位报送”的办理期限由 2026-09-17 改为 2026-09-18",
                     "日历调整，定时“逾期”由 2026-09-18 00:00 改为 2026-09-19 00:00"]


def test_a_make_up_working_day_brings_a_deadline_forward(app, admin, ctx, tick):
    """Same kind, the other direction: registered Thursday 10-15, due in 3 working days = end of
    Tuesday 10-20; Saturday 10-17 declared a make-up working day makes it the end of Monday 10-19."""
    clock.set(datetime(2026, 10, 15, 9, 0, tzinfo=LOCAL_TZ))
    api = Api(app.test_client())
    case = _register_on_calendar_case(api)
    assert _open_task(case["id"]).due_at == datetime(2026, 10, 21, 0, 0, tzinfo=LOCAL_TZ)
    with _calendar_restored(date(2026, 10, 17)):
        r = post(admin, "/admin/calendar/day", {"day": "2026-10-17", "kind": "workday", "name": ""}, page="/admin/calendar")
        assert r.status_code == 302
        assert _open_task(case["id"]).due_at == datetime(2026, 10, 20, 0, 0, tzinfo=LOCAL_TZ)
        tick(datetime(2026, 10, 20, 0, 0, 1, tzinfo=LOCAL_TZ))
        assert _overdue_events(case["id"]) == 1


# --- a failed step is an incident: the case is blocked, visible and recoverable ---------------

FAILING = CASES / "failing-script-on-timer"


def _incident_lines(case_id: int) -> list[str]:
    return [e.kind for e in db.session.scalars(select(TimelineEvent).where(
        TimelineEvent.case_id == case_id, TimelineEvent.kind.startswith("incident.")).order_by(TimelineEvent.id))]


def _incident_notes() -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "case.incident"))


def test_a_failing_timer_script_blocks_the_case_as_an_incident_and_a_move_to_the_fixed_version_retries_it(api, tick, client):
    deploy_path(FAILING / "process.bpmn")
    case = api.as_("recorder").post("/cases", {"process": "f15_timer_script_error", "data": RECORD}).get_json()
    # Registered Monday 09-14: the reminder falls due at the end of Wednesday 09-16; its script names a wrong task.
    assert "失败 1 个" in tick(datetime(2026, 9, 17, 9, 0, tzinfo=LOCAL_TZ))
    instance = db.session.get(ProcessInstance, db.session.get(Case, case["id"]).instance_id)
    assert instance.status == "blocked"
    (incident,) = db.session.scalars(select(Incident)).all()
    assert (incident.status, incident.element_id, incident.element_name, incident.failure_count) == \
        ("open", "remind", "提醒（写错了任务 id）", 1)
    assert "a_tsak" in incident.error and incident.first_failed_at == clock.now()
    assert "ActionError" not in incident.error  # the action's own words, not the class name
    assert _incident_lines(case["id"]) == ["incident.opened"]
    notes = _incident_notes()
    assert notes >= 2  # the city-wide supervisor and the admin

    # The handler's task is shown blocked, with the error, and cannot be completed.
    handler = api.as_("handler.fgw")
    task = handler.task_for(case["id"], "a_task")
    assert task["state"] == "blocked" and "a_tsak" in task["hold_reason"]
    r = handler.post(f"/tasks/{task['id']}/complete", {"data": {"progress": "已报送", "completed": False}})
    assert r.status_code == 409
    message = r.get_json()["error"]["message"]
    assert f"异常 #{incident.id}" in message and "“提醒（写错了任务 id）”（remind）" in message and "已结束" not in message
    assert login(client, "handler.fgw").status_code == 302
    page = client.get("/tasks?tab=available").get_data(as_text=True)
    assert 'data-hold="blocked"' in page and "已阻塞" in page
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'id="task-hold"' in page and 'id="task-form"' not in page

    # Ticking on does not fire a blocked case again, nor repeat the line or the notifications.
    tick(timedelta(days=1))
    db.session.expire_all()
    assert _incident_lines(case["id"]) == ["incident.opened"] and _incident_notes() == notes
    assert db.session.get(Incident, incident.id).failure_count == 1

    # The designer deploys the fix; the dry run lists the blocked case, the move retries it.
    deploy_path(FAILING / "process_fixed.bpmn")
    (plan,) = [p for _, p in designer_service.migration_plan("f15_timer_script_error", 1, 2)]
    assert plan.possible and plan.status == "blocked"
    designer = db.session.scalar(select(User).where(User.username == "designer"))
    assert designer_service.migrate(designer, "f15_timer_script_error", 1, 2) == ([case["number"]], [])
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert (incident.status, incident.resolution) == ("resolved", "migrated")
    assert db.session.get(ProcessInstance, instance.id).status == "running"
    assert _incident_lines(case["id"]) == ["incident.opened", "incident.migrated"]
    kinds = [e.kind for e in db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case["id"]))]
    assert "task.reminded" in kinds  # the corrected reminder ran
    handler.complete(case["id"], "a_task", {"progress": "已报送", "completed": False})
    assert elements(api.as_("reviewer").case(case["id"])) == ["c_task"]


# --- a repeating timer after an outage fires once, not once per missed cycle --------------------

CYCLE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cx="https://chengxin.example.org/schema/bpmn/1.0" id="d" targetNamespace="https://t">
  <bpmn:process id="hourly_nudge" name="每小时提醒" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l_rec" name="recorder"><bpmn:flowNodeRef>begin</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="l_rev" name="reviewer"><bpmn:flowNodeRef>a_task</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="begin" name="登记" cx:form="record_register" />
    <bpmn:userTask id="a_task" name="审核" cx:form="plan_review" />
    <bpmn:boundaryEvent id="nudge" name="每小时" attachedToRef="a_task" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">'R/PT1H'</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="count" name="计数"><bpmn:script>correct_record({'title': case['title'] + 'C'})</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="counted" name="已计" />
    <bpmn:endEvent id="done" name="结束" />
    <bpmn:sequenceFlow id="f0" sourceRef="begin" targetRef="a_task" />
    <bpmn:sequenceFlow id="f1" sourceRef="nudge" targetRef="count" />
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="counted" />
    <bpmn:sequenceFlow id="f3" sourceRef="a_task" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_cycle_missed_for_days_fires_once_at_the_next_tick_then_keeps_its_rhythm(api, tick):
    deploy_bytes(CYCLE.encode(), "hourly.bpmn")
    case = api.as_("recorder").post("/cases", {"process": "hourly_nudge", "data": RECORD}).get_json()
    title = RECORD["title"]
    tick(timedelta(days=10))  # nothing ticked for ten days: 240 cycles were due
    assert api.as_("recorder").case(case["id"])["title"] == title + "C"
    tick(timedelta(minutes=30))
    assert api.as_("recorder").case(case["id"])["title"] == title + "C"
    tick(timedelta(minutes=31))  # the next hour
    assert api.as_("recorder").case(case["id"])["title"] == title + "CC"
