"""Every deadline the model sets bites (issue 15): a task with a deadline (`cx:due`) and no overdue
timer of its own — the entry review, say — is reported overdue by `tick` once its deadline has
passed: a notice to its people and their supervisors and a timeline line, once per deadline."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.cases.models import TimelineEvent
from app.core.extensions import db
from app.notifications.models import Notification
from tests.test_warning_lifecycle import after, raise_warning


def _lines(case_id: int, kind: str) -> list[str]:
    return list(db.session.scalars(select(TimelineEvent.summary).where(
        TimelineEvent.case_id == case_id, TimelineEvent.kind == kind)))


def _notices(case_id: int) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification.title).where(
        Notification.case_id == case_id, Notification.kind == "task.overdue")))


def test_an_entry_review_past_its_deadline_is_reported_once(api, tick):
    case = api.as_("recorder").register()  # Monday 09-14: entry review due in 5 working days
    due = datetime.fromisoformat(api.as_("reviewer").task_for(case["id"], "entry_review")["due_at"])
    tick(due - timedelta(minutes=1))
    assert _notices(case["id"]) == [] and _lines(case["id"], "deadline.missed") == []
    tick(due)
    assert len(_lines(case["id"], "deadline.missed")) == 1 and "录入审核" in _lines(case["id"], "deadline.missed")[0]
    notices = _notices(case["id"])
    assert notices and all("录入审核" in n for n in notices)
    tick()
    assert len(_lines(case["id"], "deadline.missed")) == 1 and _notices(case["id"]) == notices


def test_a_task_with_its_own_overdue_timer_is_left_to_the_model(api, tick):
    """Same kind, the other side: the warning's explanation has a boundary overdue timer, so the
    model's own 督办 handles it and tick adds no second report."""
    case_id = raise_warning(api)
    tick(after(5))
    assert _lines(case_id, "deadline.missed") == [] and _lines(case_id, "task.overdue")
