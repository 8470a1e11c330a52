"""How the publication register follows the processes: receivers of the case domain's signals
(`app.cases.signals`), connected once by the app factory. The BPMN scripts call the case actions
(`set_publication` in `publish`, `end_publication` in `grant_repair` and `expire`,
`correct_record`); the register follows in the same step's transaction."""
from __future__ import annotations

from app.cases.models import Case
from app.cases.signals import publication_ended, publication_set, record_corrected
from app.publication import service


def _on_publication_set(case: Case, *, start, end, **_):
    service.open_publication(case, start, end)


def _on_publication_ended(case: Case, *, reason, on, **_):
    service.end_publication(case, reason, on)


def _on_record_corrected(case: Case, **_):
    service.refresh(case)


def register_actions() -> None:
    """Connect the register to the case signals (called once by the app factory)."""
    publication_set.connect(_on_publication_set)
    publication_ended.connect(_on_publication_ended)
    record_corrected.connect(_on_record_corrected)
