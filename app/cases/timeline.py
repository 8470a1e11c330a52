"""Appending to a case's timeline, and checking it. The actor of system steps (timers, scripts)
is None. Each case's timeline is a hash chain (app.hashchain): every event's hash covers the
previous one, so an edited, removed or inserted row is found by `verify_timeline` (issue 15)."""
from __future__ import annotations

from sqlalchemy import select

from app import hashchain
from app.audit.service import append, case_chain, head
from app.cases.models import Case, TimelineEvent
from app.clock import clock
from app.extensions import db


def record_event(case: Case, kind: str, summary: str, data: dict | None = None, actor_id: int | None = None) -> None:
    event = TimelineEvent(case_id=case.id, at=clock.now(), actor_id=actor_id, kind=kind, summary=summary[:400],
                          data=data or {})
    event.hash = append(case_chain(case.id), event.content())
    db.session.add(event)


def verify_timeline(case_id: int, events: list[TimelineEvent] | None = None) -> hashchain.Break | None:
    """The first break in a case's timeline chain, or None when every event verifies. `events`:
    the case's events in id order when the caller already has them (the case page)."""
    if events is None:
        events = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case_id)
                                    .order_by(TimelineEvent.id)).yield_per(500)
    return hashchain.verify(((e.id, e.hash, e.content()) for e in events), head(case_chain(case_id)))
