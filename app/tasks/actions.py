"""Task actions BPMN scripts may call (part of the engine's whitelist): whether a task still waits,
its current deadline, an extension. Each acts on the open human tasks of the case the instance
belongs to, inside the transaction of the step that called it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.calendar.service import add_working_days
from app.cases.models import Case
from app.cases.timeline import record_event
from app.core.clock import LOCAL_TZ, clock, local_midnight_after
from app.core.extensions import db
from app.core.i18n import N_, sentence
from app.engine import ActionError, register_action
from app.tasks.models import HumanTask


def still_open(case: Case, element: str) -> list[HumanTask]:
    """The open tasks of `case` at BPMN element `element` (possibly none)."""
    return list(db.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.bpmn_id == element, HumanTask.status == "open")))


def open_tasks(case: Case, element: str) -> list[HumanTask]:
    """The open tasks of `case` at `element`; ActionError when none waits."""
    tasks = still_open(case, element)
    if not tasks:
        raise ActionError(f"没有待办的任务“{element}”")
    return tasks


def task_open(case: Case, element: str) -> bool:
    """Whether the task at `element` still waits (a gateway after a supervision deadline)."""
    return bool(still_open(case, element))


def task_deadline(case: Case, element: str) -> str:
    """The current deadline (ISO instant) of the open task at `element` — after a supervision
    letter or an extension moved it — or now when it is done, so a timer waiting on it goes on."""
    due = [t.due_at for t in still_open(case, element) if t.due_at is not None]
    return (min(due) if due else clock.now()).isoformat()


def move_deadline(case: Case, element: str, working_days, kind: str, summary: str, reason: str) -> None:
    """Give the open tasks at `element` a new deadline `working_days` (an int, 1..60, else
    ActionError) working days away — from today, or for `kind` "task.extended" from the current
    deadline day — and record a `kind` timeline event saying `summary` (a catalogue label, N_) and
    `reason`."""
    if isinstance(working_days, bool) or not isinstance(working_days, int) or not 1 <= working_days <= 60:
        raise ActionError(f"工作日数应为 1 到 60 的整数，而不是 {working_days!r}")
    for task in open_tasks(case, element):
        old = task.due_at
        # An extension adds to the current deadline day (the due instant is the end of that day).
        deadline_day = (old - timedelta(seconds=1)).astimezone(LOCAL_TZ).date() if old else clock.today()
        base = max(clock.today(), deadline_day) if kind == "task.extended" else clock.today()
        task.due_at = local_midnight_after(add_working_days(base, working_days))
        record_event(case, kind, sentence(N_("%(what)s：%(task)s，新期限 %(day)s"), what=summary, task=task.name,
                                         day=add_working_days(base, working_days).isoformat(), labels=("what", "task")),
                     {"element": element, "from": old.isoformat() if old else None, "to": task.due_at.isoformat(),
                      "reason": reason})


def extend_task(case: Case, element: str, working_days, reason: str) -> None:
    """An extension granted: the open task at `element` is due `working_days` working days after
    its current deadline day (or today, if that is later)."""
    move_deadline(case, element, working_days, "task.extended", N_("同意延期"), reason)


def register_actions() -> None:
    """Offer the task actions to BPMN scripts (called once by the app factory)."""
    register_action("task_open", task_open, N_("任务是否仍待办理"), ("element",))
    register_action("task_deadline", task_deadline, N_("任务当前期限"), ("element",))
    register_action("extend_task", extend_task, N_("延长任务期限"), ("element", "working_days", "reason"))
