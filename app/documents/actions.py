"""Document actions BPMN scripts may call (part of the engine's whitelist): issuing an official
document (文书) in the transaction of the step that called it."""
from __future__ import annotations

from app.cases.models import Case
from app.core.errors import ValidationFailed
from app.core.i18n import N_
from app.documents.service import issue
from app.engine import ActionError, register_action


def issue_document(case: Case, doc_type: str, data: dict | None = None) -> str:
    """Issue an official document (PDF, numbered, verifiable) in this step's transaction and
    return its number (e.g. 沪信〔2026〕12号), which a script may keep (`n = issue_document(…)`).
    A refused type or field (ValidationFailed) becomes the step's ActionError."""
    if data is not None and not isinstance(data, dict):
        raise ActionError("issue_document 的第二个参数必须是字段字典")
    try:
        return issue(case, doc_type, data).number
    except ValidationFailed as exc:
        raise ActionError(exc.message) from None


def register_actions() -> None:
    """Offer the document actions to BPMN scripts (called once by the app factory)."""
    register_action("issue_document", issue_document, N_("出具文书（告知书、决定书、通知书、督办函）"), ("doc_type", "data"))
