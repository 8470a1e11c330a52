"""Sanction actions BPMN steps may call (part of the engine's whitelist), in the transaction of
the step that called them."""
from __future__ import annotations

from app.cases.models import Case
from app.core.i18n import N_
from app.engine import ActionError, register_action
from app.sanctions import service


def withdraw_honours_eligibility(case: Case, months, reason: str) -> None:
    """取消荣誉评选资格: the case's subject unit may not be put forward for honours for `months`
    months from today (the period from the rules: warning_deadlines.honours_withdrawal_months).
    A period that is not a positive integer refuses the step (ActionError)."""
    try:
        service.withdraw_honours(case, months, str(reason or "")[:2000])
    except ValueError as exc:
        raise ActionError(str(exc)) from None


def register_actions() -> None:
    """Offer the sanction actions to BPMN steps (called once by the app factory)."""
    register_action("withdraw_honours_eligibility", withdraw_honours_eligibility, N_("取消荣誉评选资格"),
                    ("months", "reason"))
