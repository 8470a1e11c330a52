"""Every path of lifecycle 2 (DOMAIN.md): warning → explanation → plan → tracking → verification,
with reminders, overdue supervision (letter, extension, escalation) and escalation into a linked
dishonesty record. The clock is moved and timers fired by `tick`."""
import io
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.calendar.service import add_working_days
from app.cases.models import CaseLink
from app.core.clock import LOCAL_TZ, clock, local_midnight_after
from app.core.extensions import db
from app.notifications.models import Notification
from app.org.models import User
from app.tasks.models import HumanTask
from tests.support import elements

WARNING = {"subject_department": "fgw", "title": "企业服务投诉集中", "trigger": "supervision", "key_area": "企业服务",
           "reason": "2026年8月企业服务平台涉及市发展改革委的投诉 12 件，办理超期 7 件。"}
PLAN = {"measures": "建立投诉办理台账，逐件限期办结", "responsible_person": "王强（副主任）", "rectification_deadline": "2026-10-30"}
PDF = b"%PDF-1.7\n%%EOF\n"


def after(n: int, day: date | None = None) -> datetime:
    """Just after a deadline of n working days from `day` (default: the clock's today)."""
    return local_midnight_after(add_working_days(day or clock.today(), n)) + timedelta(minutes=1)


def raise_warning(api, **overrides) -> int:
    r = api.as_("supervisor").post("/cases", {"process": "warning_rectification", "data": {**WARNING, **overrides}})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["number"].startswith("YJ-2026-") and body["status"] == "explaining"
    return body["id"]


def stage(api, case_id) -> str:
    return api.as_("supervisor").case(case_id)["status"]


def explained_and_planned(api, case_id, plan=PLAN):
    handler, supervisor = api.as_("handler.fgw"), api.as_("supervisor")
    handler.complete(case_id, "explain", {"explanation": "人手不足，流程衔接不畅", "will_rectify": "yes"})
    assert stage(api, case_id) == "planning"
    handler.complete(case_id, "submit_plan", plan)
    supervisor.complete(case_id, "review_plan", {"plan_decision": "accept", "plan_opinion": "同意"})


def report(api, case_id, completed: bool):
    handler = api.as_("handler.fgw")
    data = {"progress": "已办结 9 件" if not completed else "全部办结并建立长效机制", "completed": completed}
    if completed:
        upload = handler.client.post(f"/api/v1/cases/{case_id}/attachments", headers=handler._headers(),
                                     data={"file": (io.BytesIO(PDF), "整改报告.pdf")}, content_type="multipart/form-data")
        data["progress_files"] = [upload.get_json()["id"]]
    handler.complete(case_id, "report_progress", data)


def test_explanation_accepted_tracking_with_two_reports_then_closed(api, tick):
    case_id = raise_warning(api)
    handler = api.as_("handler.fgw")
    task = handler.task_for(case_id, "explain")
    assert datetime.fromisoformat(task["due_at"]).astimezone(LOCAL_TZ) == datetime(2026, 9, 21, tzinfo=LOCAL_TZ)
    explained_and_planned(api, case_id)
    case = api.as_("supervisor").case(case_id)
    assert case["status"] == "tracking" and elements(case) == []  # waiting for the first report period
    tick(after(10))
    assert elements(handler.case(case_id)) == ["report_progress"]
    report(api, case_id, completed=False)
    assert stage(api, case_id) == "tracking" and elements(handler.case(case_id)) == []
    tick(after(10))
    report(api, case_id, completed=True)
    assert stage(api, case_id) == "verifying"
    api.as_("reviewer").complete(case_id, "verify", {"verification": "accept", "verification_opinion": "整改到位"})
    case = api.as_("supervisor").case(case_id)
    assert case["status"] == "closed" and case["closed_at"] and elements(case) == []
    reports = [e for e in case["timeline"] if e["kind"] == "task.completed" and e["data"]["element"] == "report_progress"]
    assert len(reports) == 2


def test_plan_returned_then_accepted(api):
    case_id = raise_warning(api)
    handler, supervisor = api.as_("handler.fgw"), api.as_("supervisor")
    handler.complete(case_id, "explain", {"explanation": "说明", "will_rectify": "yes"})
    handler.complete(case_id, "submit_plan", PLAN)
    supervisor.complete(case_id, "review_plan", {"plan_decision": "return", "plan_opinion": "措施不具体"})
    assert elements(handler.case(case_id)) == ["submit_plan"]
    handler.complete(case_id, "submit_plan", {**PLAN, "measures": "逐件限期办结，每周通报"})
    supervisor.complete(case_id, "review_plan", {"plan_decision": "accept", "plan_opinion": "同意"})
    case = supervisor.case(case_id)
    assert case["status"] == "tracking"
    assert [e for e in case["timeline"] if e["kind"] == "rectification.deadline"][0]["data"]["due_on"] == "2026-10-30"


def test_verification_rejected_then_accepted(api, tick):
    case_id = raise_warning(api)
    explained_and_planned(api, case_id)
    tick(after(10))
    report(api, case_id, completed=True)
    reviewer = api.as_("reviewer")
    reviewer.complete(case_id, "verify", {"verification": "reject", "verification_opinion": "台账不完整"})
    assert stage(api, case_id) == "tracking"
    tick(after(10))
    report(api, case_id, completed=True)
    reviewer.complete(case_id, "verify", {"verification": "accept", "verification_opinion": "到位"})
    assert stage(api, case_id) == "closed"


def test_completion_report_needs_evidence(api, tick):
    case_id = raise_warning(api)
    explained_and_planned(api, case_id)
    tick(after(10))
    handler = api.as_("handler.fgw")
    task = handler.task_for(case_id, "report_progress")
    r = handler.post(f"/tasks/{task['id']}/complete", {"data": {"progress": "完成", "completed": True}})
    assert r.status_code == 422 and "progress_files" in r.get_json()["error"]["fields"]


def reminders(case_id) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.case_id == case_id, Notification.kind == "task.reminder"))


def test_reminder_is_sent_exactly_once_before_the_deadline(api, tick):
    """Raised Monday 09-14, due in 5 working days: the end of Monday 09-21. "1 working day before"
    is Friday 09-18 — the reminder arrives as that day begins, not on the due day (issue 15)."""
    case_id = raise_warning(api)
    assert reminders(case_id) == 0
    tick(after(3) - timedelta(minutes=2))
    assert reminders(case_id) == 0
    tick(after(3))  # 00:01 on Friday 09-18, one working day before the due day
    assert reminders(case_id) == 1  # the one handler of 市发展改革委
    tick(timedelta(hours=6))
    tick(timedelta(minutes=1))
    assert reminders(case_id) == 1
    kinds = [e["kind"] for e in api.as_("supervisor").case(case_id)["timeline"]]
    assert kinds.count("task.reminded") == 1


def overdue(api, tick, case_id):
    tick(after(5))
    case = api.as_("supervisor").case(case_id)
    assert sorted(elements(case)) == ["explain", "supervise_explain"]  # the handler's task goes on
    assert any(e["kind"] == "task.overdue" for e in case["timeline"])


def test_overdue_raises_a_supervision_task_and_an_extension_moves_the_deadline(api, tick):
    case_id = raise_warning(api)
    overdue(api, tick, case_id)
    supervisor = api.as_("supervisor")
    supervisor.complete(case_id, "supervise_explain", {"supervision_action": "extend", "supervision_reason": "涉及多部门协调",
                                                      "extension_days": 3})
    task = api.as_("handler.fgw").task_for(case_id, "explain")
    # The deadline had passed (end of 09-20); three working days are counted from today, 09-21.
    assert datetime.fromisoformat(task["due_at"]).astimezone(LOCAL_TZ) == after(3, date(2026, 9, 21)) - timedelta(minutes=1)
    assert elements(supervisor.case(case_id)) == ["explain"]
    explained_and_planned(api, case_id)
    assert stage(api, case_id) == "tracking"


def test_overdue_supervision_letter_sets_a_short_new_deadline(api, tick):
    case_id = raise_warning(api)
    overdue(api, tick, case_id)
    api.as_("supervisor").complete(case_id, "supervise_explain", {"supervision_action": "letter",
                                                                 "supervision_reason": "请于3个工作日内书面说明"})
    case = api.as_("supervisor").case(case_id)
    assert any(e["kind"] == "supervision.letter" for e in case["timeline"]) and elements(case) == ["explain"]


def linked_record(case):
    link = db.session.scalar(select(CaseLink).where(CaseLink.case_id == case["id"], CaseLink.relation == "escalated_to"))
    assert link is not None
    return link.linked_case_id


CONFIRM = {"escalation_decision": "confirm", "escalation_opinion": "经督办仍不履行", "record_title": "拒不说明原因",
           "record_tier": "general", "record_source_type": "accountability_decision", "record_facts": "逾期未说明，经督办仍未说明。"}


def confirm_escalation(api, case_id, **data):
    """The supervisor confirms the pending escalation (确认升级处理)."""
    assert stage(api, case_id) == "escalation_pending"
    api.as_("supervisor").complete(case_id, "confirm_escalation", {**CONFIRM, **data})


def test_overdue_escalation_records_criticism_and_starts_a_linked_record(api, tick):
    case_id = raise_warning(api)
    overdue(api, tick, case_id)
    supervisor = api.as_("supervisor")
    supervisor.complete(case_id, "supervise_explain", {"supervision_action": "escalate", "supervision_reason": "拒不说明"})
    assert elements(supervisor.case(case_id)) == ["confirm_escalation"]
    confirm_escalation(api, case_id)
    case = supervisor.case(case_id)
    assert case["status"] == "escalated" and elements(case) == ["accountability"]
    assert any(e["kind"] == "public.criticism" for e in case["timeline"])
    criticism = next(d for d in case["documents"] if d["type"] == "public_criticism")
    record_id = linked_record(case)
    record = api.as_("reviewer").case(record_id)
    assert record["process"] == "dishonesty_record" and record["status"] == "in_review"
    # the supervisor gave no document number: the record's source document is the 通报批评 just issued
    assert record["subject_department"] == "fgw" and record["document_number"] == criticism["number"]
    assert record["tier"] == "general" and record["source_type"] == "accountability_decision"
    assert elements(record) == ["entry_review"]
    back = db.session.scalar(select(CaseLink).where(CaseLink.case_id == record_id))
    assert back.linked_case_id == case_id and back.relation == "escalated_from"


def test_refusing_to_rectify_escalates_once_a_supervisor_confirms(api):
    case_id = raise_warning(api)
    api.as_("handler.fgw").complete(case_id, "explain", {"explanation": "不认可", "will_rectify": "no"})
    case = api.as_("supervisor").case(case_id)
    assert case["status"] == "escalation_pending" and elements(case) == ["confirm_escalation"]
    assert not db.session.scalar(select(func.count()).select_from(CaseLink).where(CaseLink.case_id == case_id))
    confirm_escalation(api, case_id, record_tier="serious", record_source_type="disciplinary_sanction")
    case = api.as_("supervisor").case(case_id)
    assert case["status"] == "escalated"
    linked_record(case)


def test_rectification_overdue_past_the_grace_period_escalates(api, tick):
    case_id = raise_warning(api)
    explained_and_planned(api, case_id, {**PLAN, "rectification_deadline": "2026-09-30"})
    tick(after(10))
    assert "report_progress" in elements(api.as_("handler.fgw").case(case_id))
    grace_end = after(5, date(2026, 9, 30))
    tick(grace_end - timedelta(minutes=2))
    assert stage(api, case_id) == "tracking"
    tick(grace_end)
    case = api.as_("supervisor").case(case_id)
    assert case["status"] == "escalation_pending" and elements(case) == ["confirm_escalation"]
    confirm_escalation(api, case_id)
    linked_record(api.as_("supervisor").case(case_id))


def test_only_supervisors_raise_warnings_and_handlers_see_their_own(api):
    r = api.as_("recorder").post("/cases", {"process": "warning_rectification", "data": WARNING})
    assert r.status_code == 403
    case_id = raise_warning(api)
    assert api.as_("handler.czj").get(f"/cases/{case_id}").status_code == 404
    assert [p["key"] for p in api.as_("supervisor").get("/processes").get_json()["items"]] == ["warning_rectification"]
    assert api.as_("handler.fgw").task_for(case_id, "explain")["role"] == "handler"


def test_assignment_reminder_overdue_and_decision_feed_the_notification_centre(api, tick):
    case_id = raise_warning(api)
    tick(after(5))  # past the reminder (4 days) and the deadline (5 days)
    api.as_("supervisor").complete(case_id, "supervise_explain", {"supervision_action": "escalate",
                                                                 "supervision_reason": "拒不说明"})
    confirm_escalation(api, case_id)
    db.session.expire_all()
    rows = db.session.execute(select(User.username, Notification.kind).join(User, User.id == Notification.user_id)
                              .where(Notification.case_id == case_id)).all()
    handler = sorted(kind for user, kind in rows if user == "handler.fgw")
    # decisions: the warning itself, then the escalation
    assert handler == ["case.decision", "case.decision", "task.assigned", "task.overdue", "task.reminder"]
    assert ("supervisor", "task.assigned") in rows and ("supervisor", "task.overdue") in rows


# --- deadlines that bite (issue 15): a supervision letter's or an extension's new deadline gets a
# reminder and overdue handling like the original -------------------------------------------------

def overdue_events(api, case_id) -> int:
    return sum(e["kind"] == "task.overdue" for e in api.as_("supervisor").case(case_id)["timeline"])


def test_a_supervision_letters_deadline_reminds_then_raises_a_second_supervision(api, tick):
    """Overdue at the start of Monday 09-21 (Sunday 09-20 is a make-up working day); the letter
    gives 3 working days: the end of Thursday 09-24. Reminder as Wednesday 09-23 begins; still
    unexplained when Thursday ends, it is overdue again: a second 督办, which may escalate."""
    case_id = raise_warning(api)
    overdue(api, tick, case_id)
    api.as_("supervisor").complete(case_id, "supervise_explain", {"supervision_action": "letter",
                                                                 "supervision_reason": "请于3个工作日内书面说明"})
    task = api.as_("handler.fgw").task_for(case_id, "explain")
    assert datetime.fromisoformat(task["due_at"]).astimezone(LOCAL_TZ) == datetime(2026, 9, 25, tzinfo=LOCAL_TZ)
    before = reminders(case_id)
    tick(datetime(2026, 9, 22, 23, 59, tzinfo=LOCAL_TZ))
    assert reminders(case_id) == before
    tick(datetime(2026, 9, 23, 0, 1, tzinfo=LOCAL_TZ))  # the working day before the letter's due day
    assert reminders(case_id) == before + 1
    tick(datetime(2026, 9, 24, 23, 59, tzinfo=LOCAL_TZ))
    assert overdue_events(api, case_id) == 1 and elements(api.as_("supervisor").case(case_id)) == ["explain"]
    tick(datetime(2026, 9, 25, 0, 1, tzinfo=LOCAL_TZ))  # the letter's deadline has passed, nothing explained
    case = api.as_("supervisor").case(case_id)
    assert overdue_events(api, case_id) == 2 and sorted(elements(case)) == ["explain", "supervise_explain"]
    assert reminders(case_id) == before + 1  # no reminder after the deadline
    overdue_notices = db.session.scalars(select(Notification.title).where(
        Notification.case_id == case_id, Notification.kind == "task.overdue")).all()
    assert any("2026年09月24日" in t or "2026-09-24" in t for t in overdue_notices), overdue_notices  # the letter's deadline
    api.as_("supervisor").complete(case_id, "supervise_explain", {"supervision_action": "escalate",
                                                                 "supervision_reason": "督办后仍不说明"})
    confirm_escalation(api, case_id)
    case = api.as_("supervisor").case(case_id)
    assert case["status"] == "escalated"
    linked_record(case)


def test_a_letter_answered_in_time_raises_nothing_more(api, tick):
    case_id = raise_warning(api)
    overdue(api, tick, case_id)
    api.as_("supervisor").complete(case_id, "supervise_explain", {"supervision_action": "letter",
                                                                 "supervision_reason": "请于3个工作日内书面说明"})
    explained_and_planned(api, case_id)
    tick(datetime(2026, 9, 25, 0, 1, tzinfo=LOCAL_TZ))
    case = api.as_("supervisor").case(case_id)
    assert overdue_events(api, case_id) == 1 and "supervise_explain" not in elements(case)
    assert stage(api, case_id) == "tracking"


def test_an_extensions_deadline_bites_too(api, tick):
    """Same kind, the other supervision choice: an extension of 2 working days from Monday 09-21
    ends with Wednesday 09-23; still unexplained, it is overdue again."""
    case_id = raise_warning(api)
    overdue(api, tick, case_id)
    api.as_("supervisor").complete(case_id, "supervise_explain", {"supervision_action": "extend", "supervision_reason": "协调中",
                                                                 "extension_days": 2})
    tick(datetime(2026, 9, 23, 23, 59, tzinfo=LOCAL_TZ))
    assert overdue_events(api, case_id) == 1
    tick(datetime(2026, 9, 24, 0, 1, tzinfo=LOCAL_TZ))
    assert overdue_events(api, case_id) == 2
    assert "supervise_explain" in elements(api.as_("supervisor").case(case_id))


def test_a_pending_supervision_is_withdrawn_when_the_supervised_step_is_done(api, tick):
    """A supervision task (督办) opened by the overdue timer is withdrawn once the unit explains
    after all: nobody is left with a decision whose letter or extension would fail."""
    case_id = raise_warning(api)
    overdue(api, tick, case_id)
    explained_and_planned(api, case_id)
    case = api.as_("supervisor").case(case_id)
    assert "supervise_explain" not in elements(case) and stage(api, case_id) == "tracking"
    withdrawn = db.session.scalars(select(HumanTask.status).where(HumanTask.case_id == case_id,
                                                                  HumanTask.bpmn_id == "supervise_explain")).all()
    assert withdrawn == ["cancelled"]


def test_a_report_done_after_its_supervision_opened_withdraws_it_too(api, tick):
    """Same kind, the tracking loop: a progress report overdue, supervision opened, then the report
    comes in — the supervision is withdrawn and tracking goes on."""
    case_id = raise_warning(api)
    explained_and_planned(api, case_id)
    tick(after(10))
    assert "report_progress" in elements(api.as_("handler.fgw").case(case_id))
    tick(after(5))
    assert "supervise_report_progress" in elements(api.as_("supervisor").case(case_id))
    report(api, case_id, completed=False)
    assert "supervise_report_progress" not in elements(api.as_("supervisor").case(case_id))
