"""Notification actions BPMN scripts may call (part of the engine's whitelist): reminders, overdue
notices, a decision's notice. They run inside the transaction of the step that called them. Also
the receiver that tells the units of a case's decision (`app.cases.signals.case_decided`)."""
from __future__ import annotations

from datetime import datetime

from app.cases.models import Case
from app.cases.signals import case_decided
from app.cases.timeline import record_event
from app.core.clock import LOCAL_TZ
from app.core.i18n import N_
from app.engine import ActionError, register_action
from app.notifications.service import case_decision, deadline_day, task_overdue, task_reminder
from app.tasks.actions import open_tasks, still_open


def _deadline(what, due) -> tuple[str | None, datetime | None]:
    """The label and instant of a deadline a script names beside the task's own (both or neither:
    an ISO instant such as `working_days_deadline(2)`); ActionError otherwise."""
    if what is None and due is None:
        return None, None
    if not isinstance(what, str) or not what.strip():
        raise ActionError("请写明是哪一个期限（如“转交数据提供单位核查”）")
    try:
        when = datetime.fromisoformat(str(due))
    except ValueError:
        raise ActionError(f"期限不是有效时间：{due!r}") from None
    return what.strip()[:60], when if when.tzinfo else when.replace(tzinfo=LOCAL_TZ)


def _which(tasks, what, due) -> tuple[str, dict]:
    """The timeline's words for the deadline and its data."""
    if what is None:
        return tasks[0].name, {}
    return f"{what}（{tasks[0].name}，期限 {deadline_day(due)}）", {"deadline": due.isoformat(), "what": what}


def remind_assignees(case: Case, element: str, what=None, due=None) -> None:
    """A deadline is near: remind whoever may act on the open task at `element` (ActionError when
    none waits) and note it on the timeline. The task's own deadline, or the one `what` (a label)
    and `due` (an ISO instant) name, e.g. the 2 working days to transfer an objection (Art. 36)."""
    what, due = _deadline(what, due)
    tasks = open_tasks(case, element)
    task_reminder(case, element, what=what, due=due)
    label, data = _which(tasks, what, due)
    record_event(case, "task.reminded", f"已提醒办理：{label}", {"element": element, **data})


def remind_if_open(case: Case, element: str, what=None, due=None) -> None:
    """A reminder before a moved deadline: only while the task still waits."""
    if still_open(case, element):
        remind_assignees(case, element, what, due)


def report_overdue(case: Case, element: str, what=None, due=None) -> None:
    """The deadline of the open task at `element` (or the one `what` and `due` name, as for
    `remind_assignees`) has passed (ActionError when none waits): tell the people on it and the
    supervisors over it, and note it on the timeline."""
    what, due = _deadline(what, due)
    tasks = open_tasks(case, element)
    task_overdue(case, element, what=what, due=due)
    label, data = _which(tasks, what, due)
    record_event(case, "task.overdue", f"任务逾期，已提请督办：{label}", {"element": element, **data})


def notify_decision(case: Case, message: str) -> None:
    """Tell the subject unit's handlers and the recording unit's recorders of `message` (zh-CN)."""
    case_decision(case, f"{case.number}：{message}", case.title)


def _tell_units_of_decision(case: Case, *, title: str, body: str) -> None:
    case_decision(case, title, body)


def register_actions() -> None:
    """Offer the notification actions to BPMN scripts and have the units told of every case
    decision (called once by the app factory; connecting twice is harmless)."""
    register_action("remind_assignees", remind_assignees, N_("提醒办理人"), ("element", "what", "due"))
    register_action("remind_if_open", remind_if_open, N_("任务仍未办理时提醒办理人"), ("element", "what", "due"))
    register_action("report_overdue", report_overdue, N_("逾期通知"), ("element", "what", "due"))
    register_action("notify_decision", notify_decision, N_("通知办理结果"), ("message",))
    case_decided.connect(_tell_units_of_decision)
