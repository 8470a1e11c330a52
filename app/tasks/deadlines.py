"""Re-planning deadlines when the working-day calendar is corrected (a day declared a holiday or a
make-up working day, a year imported again). Task deadlines (`human_task.due_at`, from the
model's `cx:due` in working days) and the timers waiting on working-day deadlines were computed
under the old calendar; after a correction they are computed again from when each began, and
each case that moved gets a timeline line (issue 15, "calendar corrections re-plan").

Use it around the change, inside the caller's unit of work:

    with unit_of_work(), deadlines_replanned(since=day, actor=user):
        calendar.set_day(day, "holiday", "…")
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from app import engine
from app.calendar.service import add_working_days, working_days_between
from app.cases.models import Case
from app.cases.timeline import record_event
from app.core.clock import LOCAL_TZ, clock, local_midnight_after
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.i18n import N_, sentence
from app.notifications.service import task_overdue
from app.org.models import User
from app.tasks.models import HumanTask
from app.tasks.sync import bindings_for
from app.core.transaction import unit_of_work


@dataclass
class Replanned:
    """What one correction moved: case numbers, and per case the lines written to its timeline."""

    cases: dict[str, list[str]] = field(default_factory=dict)

    def add(self, case: Case, line: str) -> None:
        self.cases.setdefault(case.number, []).append(line)


_ONE_SECOND = timedelta(seconds=1)


def _local_day(when: datetime) -> date:
    return when.astimezone(LOCAL_TZ).date()


def _since(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), LOCAL_TZ)


@contextmanager
def deadlines_replanned(since: date, actor: User | None) -> Iterator[Replanned]:
    """Snapshot the open deadlines that fall on or after `since` (a local date: the first day
    the correction touches) in working days under the current calendar, let the caller change
    the calendar, then compute them again. A case whose timers cannot be planned again (e.g. a
    calendar year not loaded) keeps them and gets a timeline line saying why."""
    open_tasks = list(db.session.scalars(select(HumanTask).where(
        HumanTask.status == "open", HumanTask.due_at.is_not(None), HumanTask.due_at >= _since(since))))
    spans = {t.id: working_days_between(_local_day(t.created_at), _local_day(t.due_at - _ONE_SECOND))
             for t in open_tasks}
    result = Replanned()
    yield result
    db.session.flush()
    for task in open_tasks:
        new = local_midnight_after(add_working_days(_local_day(task.created_at), spans[task.id]))
        if new != task.due_at:
            line = sentence(N_("日历调整，“%(task)s”的办理期限由 %(old)s 改为 %(new)s"), task=task.name,
                           old=_day(task.due_at), new=_day(new), labels=("task",))
            task.due_at = new
            record_event(task.case, "deadline.replanned", line, {"task_id": task.id, "due_at": new.isoformat()},
                         actor_id=actor.id if actor else None)
            result.add(task.case, line.text())
    _replan_timers(actor, result)


def _moment(when: datetime) -> str:
    """When a timer fires, local time (a reminder at 00:00 of a day is that day, not the one before)."""
    return when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _day(when: datetime) -> str:
    """A deadline instant (end of a local day) shown as that day."""
    return _local_day(when - _ONE_SECOND).isoformat()


def _replan_timers(actor: User | None, result: Replanned) -> None:
    instances = db.session.scalars(select(engine.ProcessInstance).where(
        engine.ProcessInstance.status.in_(engine.ACTIVE_STATUSES),  # a suspended case's timers wait, replanned
        engine.ProcessInstance.next_timer_at.is_not(None)))  # a timer is pending
    for instance in instances:
        case = db.session.scalar(select(Case).where(Case.instance_id == instance.id))
        if case is None:
            continue
        started = {t.task_guid: t.created_at for t in db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open"))}
        try:
            moved = engine.replan_timers(instance, bindings_for(case), started)
        except DomainError as exc:  # e.g. a year not loaded: this case keeps its timers, the edit stands
            line = sentence(N_("日历调整后未能重算定时：%(error)s"), error=exc.message)
            record_event(case, "timer.replan_failed", line, {"error": exc.message}, actor_id=actor.id if actor else None)
            result.add(case, line.text())
            continue
        for timer in moved:
            line = sentence(N_("日历调整，定时“%(timer)s”由 %(old)s 改为 %(new)s"), timer=timer.element,
                           old=_moment(timer.old), new=_moment(timer.new))
            record_event(case, "timer.replanned", line, {"element": timer.element, "at": timer.new.isoformat()},
                         actor_id=actor.id if actor else None)
            result.add(case, line.text())


def report_missed_deadlines(limit: int = 500) -> int:
    """Every deadline the model sets bites (issue 15): an open task past its `due_at` whose model
    gives it no boundary timer of its own (e.g. entry review, plan review: `cx:due` alone) gets an
    overdue notice to its people and their supervisors, and a timeline line — once per deadline
    (a moved deadline is reported again). Tasks with their own overdue timer are left to the
    model. One transaction; run by `tick`. Returns how many tasks were reported."""
    with unit_of_work():
        rows = db.session.execute(select(HumanTask, engine.ProcessInstance).join(engine.ProcessInstance,
                                                          engine.ProcessInstance.id == HumanTask.instance_id)
                                   .where(HumanTask.status == "open", HumanTask.due_at <= clock.now(),
                                          engine.ProcessInstance.status == "running",
                                          or_(HumanTask.overdue_reported_for.is_(None),
                                              HumanTask.overdue_reported_for != HumanTask.due_at))
                                   .order_by(HumanTask.due_at).limit(limit)
                                   # an instance a ticker is firing is left to it (as firing does)
                                   .with_for_update(skip_locked=True, of=engine.ProcessInstance)).all()
        reported = 0
        for task, instance in rows:
            task.overdue_reported_for = task.due_at
            if engine.has_deadline_timer(instance.version, task.bpmn_id):
                continue
            task_overdue(task.case, task.bpmn_id)
            record_event(task.case, "deadline.missed", sentence(N_("已超过办理期限：%(task)s（%(day)s）"), task=task.name,
                                                               day=_day(task.due_at), labels=("task",)),
                         {"task_id": task.id, "element": task.bpmn_id, "due_at": task.due_at.isoformat()})
            reported += 1
    return reported
