"""Appending to a case's timeline. The actor of system steps (timers, scripts) is None."""
from __future__ import annotations

from app.cases.models import Case, TimelineEvent
from app.clock import clock
from app.extensions import db


def record_event(case: Case, kind: str, summary: str, data: dict | None = None, actor_id: int | None = None) -> None:
    db.session.add(TimelineEvent(case_id=case.id, at=clock.now(), actor_id=actor_id, kind=kind,
                                 summary=summary[:400], data=data or {}))
