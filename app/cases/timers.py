"""Firing due timers: instances store their next due time (indexed), so `tick` reads only the
due ones. Each instance is its own transaction; a failing one is blocked with an incident
(app/incidents) and the rest go on; blocked and suspended instances are not fired.
Several tickers may run at once (Celery beat, `flask tick` on several nodes): each instance is
locked with SKIP LOCKED and re-checked, and its version column refuses a second writer, so every
due timer fires exactly once."""
from __future__ import annotations

import logging

from sqlalchemy import select

from app import engine
from app.cases.models import Case
from app.core.clock import clock
from app.core.errors import Busy, Conflict, DomainError
from app.core.extensions import db
from app.incidents import service as incidents
from app.tasks.deadlines import report_missed_deadlines
from app.tasks.sync import apply_step, bindings_for
from app.core.transaction import unit_of_work

log = logging.getLogger(__name__)


def due_instance_ids(limit: int = 500) -> list[int]:
    return list(db.session.scalars(
        select(engine.ProcessInstance.id)
        .where(engine.ProcessInstance.status == "running", engine.ProcessInstance.next_timer_at <= clock.now())
        .order_by(engine.ProcessInstance.next_timer_at).limit(limit)))


def fire_due_timers() -> dict[str, int]:
    fired = failed = 0
    for instance_id in due_instance_ids():
        try:
            with unit_of_work():
                # SKIP LOCKED: with several tickers, an instance another one is firing is left to it.
                instance = db.session.scalar(
                    select(engine.ProcessInstance).where(engine.ProcessInstance.id == instance_id)
                    .with_for_update(skip_locked=True).execution_options(populate_existing=True))
                if instance is None or instance.status != "running" or instance.next_timer_at is None \
                        or instance.next_timer_at > clock.now():
                    continue  # another ticker got there first
                case = db.session.scalar(select(Case).where(Case.instance_id == instance.id))
                result = engine.fire_timers(instance, bindings_for(case))
                apply_step(case, instance, result)
            fired += 1
        except (Conflict, Busy):
            continue  # another ticker fired it, or a writer held the database: the next tick fires it
        except DomainError as exc:
            failed += 1
            log.error("timer of instance %s failed: %s", instance_id, exc.message)
            try:
                incidents.record_failure(instance_id, exc)
            except (Conflict, Busy):
                continue  # another ticker recorded it, or the database stayed busy: the next tick tries again
    try:
        missed = report_missed_deadlines()
    except (Conflict, Busy):
        missed = 0  # a task changed meanwhile, or the database stayed busy: the next tick reports it
    return {"fired": fired, "failed": failed, "missed": missed}
