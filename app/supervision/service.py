"""Read-only figures for supervisors, always within their scope."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from app.cases.models import Case
from app.core.clock import clock
from app.core.extensions import db
from app.org.models import Department, User
from app.tasks.models import HumanTask
from app.tasks.routing import case_filter

OPEN_STAGES = ("warning_issued", "explaining", "planning", "tracking", "verifying", "escalation_pending")


@dataclass(frozen=True)
class StepTime:
    process: str
    step: str
    completed: int
    average_days: float


def districts() -> list[Department]:
    """The districts the supervision view filters by (units of kind `district`, by id)."""
    return list(db.session.scalars(select(Department).where(Department.kind == "district").order_by(Department.id)))


def _scoped(query, user: User, district_id: int | None, area: str | None):
    query = query.where(case_filter(user))
    if district_id:
        units = select(Department.id).where(or_(Department.id == district_id, Department.district_id == district_id))
        query = query.where(Case.subject_department_id.in_(units))
    if area:
        query = query.where(Case.key_area == area)
    return query


def warnings_by_unit(user: User, *, district_id=None, area=None) -> dict[str, dict[str, int]]:
    """{unit name: {stage: open warnings}} for warnings still being handled."""
    query = _scoped(select(Case).where(Case.process_key == "warning_rectification",
                                       Case.record_status.in_(OPEN_STAGES)), user, district_id, area)
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case in db.session.scalars(query):
        table[case.subject_department.name][case.record_status] += 1
    return {unit: dict(stages) for unit, stages in sorted(table.items())}


def overdue_tasks(user: User, *, district_id=None, area=None, limit: int = 100) -> list[HumanTask]:
    query = _scoped(select(HumanTask).join(Case, Case.id == HumanTask.case_id)
                    .where(HumanTask.status == "open", HumanTask.due_at <= clock.now()), user, district_id, area)
    return list(db.session.scalars(query.order_by(HumanTask.due_at).limit(limit)))


def step_times(user: User, *, district_id=None, area=None, days: int = 365) -> list[StepTime]:
    """Average calendar days from a task's creation to its completion, per process step."""
    since = clock.now() - timedelta(days=days)
    query = _scoped(select(Case.process_key, HumanTask.name, HumanTask.created_at, HumanTask.completed_at)
                    .join(Case, Case.id == HumanTask.case_id)
                    .where(HumanTask.status == "completed", HumanTask.completed_at >= since), user, district_id, area)
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for process, step, created, completed in db.session.execute(query):
        totals[(process, step)].append((completed - created).total_seconds() / 86400)
    return [StepTime(p, s, len(v), round(sum(v) / len(v), 1)) for (p, s), v in sorted(totals.items())]


def due_this_week(user: User, *, district_id=None, area=None) -> list[Case]:
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    query = _scoped(select(Case).where(Case.process_key == "warning_rectification", Case.record_status.in_(OPEN_STAGES),
                                       Case.due_on >= monday, Case.due_on <= monday + timedelta(days=6)),
                    user, district_id, area)
    return list(db.session.scalars(query.order_by(Case.due_on)))
