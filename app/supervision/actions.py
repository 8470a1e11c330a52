"""Supervision actions BPMN scripts may call (part of the engine's whitelist): the supervision
letter (督办函), in the transaction of the step that called it."""
from __future__ import annotations

from app.cases.models import Case
from app.core.i18n import N_
from app.documents.actions import issue_document
from app.engine import register_action
from app.notifications.service import case_decision
from app.tasks.actions import move_deadline, open_tasks


def send_supervision_letter(case: Case, element: str, working_days, reason: str) -> None:
    """督办函: the unit is told in writing to finish within a new, short deadline."""
    move_deadline(case, element, working_days, "supervision.letter", "已发送督办函，限期办理", reason)
    task = open_tasks(case, element)[0]
    issue_document(case, "supervision_letter", {"overdue_task": task.name, "supervision_reason": reason,
                                                "deadline": task.due_at.isoformat()})
    case_decision(case, f"{case.number} 督办函：请限期办理", reason)


def register_actions() -> None:
    """Offer the supervision actions to BPMN scripts (called once by the app factory)."""
    register_action("send_supervision_letter", send_supervision_letter, N_("发送督办函"), ("element", "working_days", "reason"))
