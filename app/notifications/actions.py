"""Notification actions BPMN scripts may call (part of the engine's whitelist): reminders, overdue
notices, a decision's notice. They run inside the transaction of the step that called them. Also
the receiver that tells the units of a case's decision (`app.cases.signals.case_decided`)."""
from __future__ import annotations

from app.cases.models import Case
from app.cases.signals import case_decided
from app.cases.timeline import record_event
from app.core.i18n import N_
from app.engine import register_action
from app.notifications.service import case_decision, task_overdue, task_reminder
from app.tasks.actions import open_tasks, still_open


def remind_assignees(case: Case, element: str) -> None:
    """A deadline is near: remind whoever may act on the open task at `element` (ActionError when
    none waits) and note it on the timeline."""
    tasks = open_tasks(case, element)
    task_reminder(case, element)
    record_event(case, "task.reminded", f"已提醒办理：{tasks[0].name}", {"element": element})


def remind_if_open(case: Case, element: str) -> None:
    """A reminder before a moved deadline: only while the task still waits."""
    if still_open(case, element):
        remind_assignees(case, element)


def report_overdue(case: Case, element: str) -> None:
    """The deadline of the open task at `element` has passed (ActionError when none waits): tell
    the people on it and the supervisors over it, and note it on the timeline."""
    tasks = open_tasks(case, element)
    task_overdue(case, element)
    record_event(case, "task.overdue", f"任务逾期，已提请督办：{tasks[0].name}", {"element": element})


def notify_decision(case: Case, message: str) -> None:
    """Tell the subject unit's handlers and the recording unit's recorders of `message` (zh-CN)."""
    case_decision(case, f"{case.number}：{message}", case.title)


def _tell_units_of_decision(case: Case, *, title: str, body: str) -> None:
    case_decision(case, title, body)


def register_actions() -> None:
    """Offer the notification actions to BPMN scripts and have the units told of every case
    decision (called once by the app factory; connecting twice is harmless)."""
    register_action("remind_assignees", remind_assignees, N_("提醒办理人"), ("element",))
    register_action("remind_if_open", remind_if_open, N_("任务仍未办理时提醒办理人"), ("element",))
    register_action("report_overdue", report_overdue, N_("逾期通知"), ("element",))
    register_action("notify_decision", notify_decision, N_("通知办理结果"), ("message",))
    case_decided.connect(_tell_units_of_decision)
