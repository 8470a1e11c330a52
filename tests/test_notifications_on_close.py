"""Issue 20: a reviewer had 19 unread notifications of tasks long finished. A task's notifications
are marked read once the task is no longer theirs: completed (by anyone), cancelled by the engine
(a boundary timer) or by an operator (撤案), claimed by a colleague or reassigned away. And a task
nobody may act on (a unit without an active handler) is reported to the supervisors and admins at
once, not left unseen until its overdue notice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from app.notifications import service
from app.notifications.models import Notification
from app.org.models import User
from app.tasks.models import HumanTask
from tests.test_notifications import make_user, notes, open_task, user  # noqa: F401  (make_user: a fixture)

APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}


def unread(username: str, task_id: int | None = None) -> list[Notification]:
    return [n for n in notes(username) if n.read_at is None and (task_id is None or n.task_id == task_id)]


def test_completing_tasks_clears_the_reviewers_unread_notifications_of_them(api):
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    cases = [recorder.register(title=f"拖欠合同款 {n}") for n in range(3)]
    tasks = [open_task(c["id"], "entry_review") for c in cases]
    assert {n.task_id for n in unread("reviewer")} == {t.id for t in tasks}
    assert service.unread_count(user("reviewer")) == 3

    reviewer.complete(cases[0]["id"], "entry_review", APPROVE)
    reviewer.complete(cases[1]["id"], "entry_review", APPROVE)
    db.session.expire_all()
    assert [n.task_id for n in unread("reviewer")] == [tasks[2].id]  # only the task still waiting
    done = [n for n in notes("reviewer") if n.task_id == tasks[0].id]
    assert done and all(n.read_at == clock.now() for n in done)
    # The next task (the handler's response) is new and unread; the case's decision stays unread too.
    handler_task = open_task(cases[0]["id"], "respond_notice")
    assert [n.kind for n in unread("handler.fgw", handler_task.id)] == ["task.assigned"]
    assert service.unread_count(user("reviewer")) == 1
    assert api.as_("reviewer").get("/notifications/unread-count").get_json() == {"unread": 1}


def test_a_task_the_engine_cancels_leaves_no_unread_notification(api, tick):
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", APPROVE)
    task = open_task(case["id"], "respond_notice")
    service.task_reminder(task.case, "respond_notice")
    db.session.commit()
    assert sorted(n.kind for n in unread("handler.fgw", task.id)) == ["task.assigned", "task.reminder"]
    tick(datetime(2026, 9, 21, 0, 0, 1, tzinfo=LOCAL_TZ))  # the objection window closes: the task is cancelled
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "cancelled"
    assert unread("handler.fgw", task.id) == []
    assert all(n.read_at is not None for n in notes("handler.fgw") if n.task_id == task.id)


def test_an_operators_cancellation_marks_the_tasks_notifications_read(api):
    case = api.as_("recorder").register()
    task = open_task(case["id"], "entry_review")
    assert unread("reviewer", task.id)
    r = api.as_("admin").post(f"/cases/{case['id']}/cancel", {"reason": "误登记"})
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    assert unread("reviewer", task.id) == []


def test_a_claim_takes_the_task_from_the_colleagues_and_a_reassignment_from_the_claimant(api, make_user):
    make_user("notif.fgw2", "fgw", ["handler"])
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", APPROVE)
    task = open_task(case["id"], "respond_notice")
    assert unread("handler.fgw", task.id) and unread("notif.fgw2", task.id)

    assert api.as_("handler.fgw").post(f"/tasks/{task.id}/claim").status_code == 200
    db.session.expire_all()
    assert unread("notif.fgw2", task.id) == []  # the colleague's "new task" is no longer theirs
    assert [n.kind for n in unread("handler.fgw", task.id)] == ["task.assigned"]  # the claimant keeps it

    colleague = db.session.scalar(select(User.id).where(User.username == "notif.fgw2"))
    r = api.as_("supervisor").post(f"/tasks/{task.id}/reassign", {"assignee_id": colleague})
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    assert unread("handler.fgw", task.id) == []  # reassigned away
    [told] = unread("notif.fgw2", task.id)  # told again, although the first notice was read at the claim
    assert told.title == f"改派给您的任务：异议或确认（{case['number']}）" and "改派人：督导员" in told.body


def test_a_task_nobody_may_act_on_is_reported_at_once_to_the_supervisors_and_admins(api, make_user):
    """An automatic warning against a unit without a handler (市财政局's only handler deactivated)
    went to nobody until it was overdue: the supervisors over the case and the admins hear of it
    when the task opens, with the unit, the role and what to do."""
    make_user("notif.sup.pudong", "pudong", ["supervisor"], scope="pudong")  # not over 市财政局's cases
    handler = db.session.scalar(select(User).where(User.username == "handler.czj"))
    handler.active = False
    db.session.commit()
    try:
        case = api.as_("recorder").register(subject_department="czj", title="未按期兑现政策承诺")
        api.as_("reviewer").complete(case["id"], "entry_review", APPROVE)
    finally:
        handler.active = True
        db.session.commit()
    task = open_task(case["id"], "respond_notice")
    told = [n for n in db.session.scalars(select(Notification).where(Notification.task_id == task.id))]
    assert sorted(db.session.get(User, n.user_id).username for n in told) == ["admin", "supervisor"]
    assert {n.kind for n in told} == {"task.unstaffed"}
    note = told[0]
    assert note.title == f"任务无人可办：异议或确认（{case['number']}）"
    assert note.body.startswith("市财政局没有在用的“经办人”账号\n请系统管理员为其开通账号")
