"""Read-only figures for supervisors, always within their scope (and the page's district and key
area filters): open warnings by unit and stage, overdue tasks, working days per step, blocked
cases, units without an active handler, rectifications due this week, and monthly trends.

Durations are working days (app.calendar: weekends and holidays excluded, Asia/Shanghai days) from
a task's creation to its completion, never negative: a development clock moved back between the
two counts the step as 0, not as minus a month (issue 20)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select

from app.calendar.service import CalendarNotLoaded, working_days_elapsed
from app.cases.models import Case
from app.core.clock import LOCAL_TZ, clock, local_day_start
from app.core.extensions import db
from app.incidents.models import Incident
from app.org.models import Department, User, UserRole
from app.tasks.models import HumanTask
from app.tasks.routing import case_filter

OPEN_STAGES = ("warning_issued", "explaining", "planning", "tracking", "verifying", "escalation_pending")
TREND_MONTHS = 12


@dataclass(frozen=True)
class StepTime:
    """One process step's completions over the period: `average_days` in working days (None when
    none could be measured), `unmeasured` completions spanning a year without a calendar."""

    process: str
    step: str
    completed: int
    average_days: float | None
    unmeasured: int = 0


@dataclass(frozen=True)
class StepDuration:
    process: str
    step: str
    completed_at: datetime
    working_days: float | None  # None: a day of it falls in a year without a calendar
    late: bool  # completed after its deadline


@dataclass(frozen=True)
class UnstaffedUnit:
    """An active unit with no active handler account: `waiting` open handler tasks of it that
    nobody may act on, the earliest of their deadlines."""

    id: int
    name: str
    waiting: int
    earliest_due: datetime | None


@dataclass(frozen=True)
class Trends:
    """Monthly figures (Asia/Shanghai months, oldest first) for the charts: cases opened by
    kind, cases closed, tasks completed and completed late, average working days per step."""

    months: list[str]
    records_opened: list[int]
    warnings_opened: list[int]
    closed: list[int]
    tasks_completed: list[int]
    tasks_late: list[int]
    average_step_days: list[float | None]


def districts() -> list[Department]:
    """The districts the supervision view filters by (units of kind `district`, by id)."""
    return list(db.session.scalars(select(Department).where(Department.kind == "district").order_by(Department.id)))


def _district_units(district_id: int):
    return select(Department.id).where(or_(Department.id == district_id, Department.district_id == district_id))


def _scoped(query, user: User, district_id: int | None, area: str | None):
    query = query.where(case_filter(user))
    if district_id:
        query = query.where(Case.subject_department_id.in_(_district_units(district_id)))
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


def step_durations(user: User, *, district_id=None, area=None, since: datetime) -> list[StepDuration]:
    """Each task completed since `since` in scope: its process, step name, completion instant, its
    working days from creation to completion (≥ 0; None across a year without a calendar) and
    whether it was completed after its deadline."""
    query = _scoped(select(Case.process_key, HumanTask.name, HumanTask.created_at, HumanTask.completed_at,
                           HumanTask.due_at)
                    .join(Case, Case.id == HumanTask.case_id)
                    .where(HumanTask.status == "completed", HumanTask.completed_at >= since), user, district_id, area)
    durations = []
    for process, step, created, completed, due in db.session.execute(query):
        try:
            days = working_days_elapsed(created, completed)
        except CalendarNotLoaded:
            days = None
        durations.append(StepDuration(process, step, completed, days, due is not None and completed > due))
    return durations


def _average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def step_times(user: User, *, district_id=None, area=None, days: int = 365) -> list[StepTime]:
    """Average working days from a task's creation to its completion, per process step, over the
    last `days` days (see the module: never negative)."""
    by_step: dict[tuple[str, str], list[StepDuration]] = defaultdict(list)
    for d in step_durations(user, district_id=district_id, area=area, since=clock.now() - timedelta(days=days)):
        by_step[(d.process, d.step)].append(d)
    times = []
    for (process, step), done in sorted(by_step.items()):
        measured = [d.working_days for d in done if d.working_days is not None]
        times.append(StepTime(process, step, len(done), _average(measured), len(done) - len(measured)))
    return times


def blocked_cases(user: User, *, district_id=None, area=None, limit: int = 100) -> list[Incident]:
    """Open incidents (a failed step blocks the case) in scope, the longest-blocked first."""
    query = _scoped(select(Incident).join(Case, Case.id == Incident.case_id).where(Incident.status == "open"),
                    user, district_id, area)
    return list(db.session.scalars(query.order_by(Incident.first_failed_at, Incident.id).limit(limit)))


def unstaffed_units(user: User, *, district_id=None) -> list[UnstaffedUnit]:
    """Active units in the supervisor's district scope (and the district filter) without an active
    handler account — a task or warning against one reaches nobody — those with tasks waiting
    first (most waiting, then by name)."""
    staffed = (select(User.department_id).join(UserRole, UserRole.user_id == User.id)
               .where(User.active.is_(True), UserRole.role == "handler"))
    query = select(Department.id, Department.name).where(Department.active.is_(True), Department.id.not_in(staffed))
    for scope in {user.scope_district_id, district_id} - {None}:
        query = query.where(Department.id.in_(_district_units(scope)))
    units = dict(db.session.execute(query).all())
    waiting = {unit: (n, due) for unit, n, due in db.session.execute(
        select(HumanTask.department_id, func.count(HumanTask.id), func.min(HumanTask.due_at))
        .where(HumanTask.status == "open", HumanTask.role == "handler", HumanTask.department_id.in_(list(units)))
        .group_by(HumanTask.department_id))} if units else {}
    found = [UnstaffedUnit(unit, name, *waiting.get(unit, (0, None))) for unit, name in units.items()]
    return sorted(found, key=lambda u: (-u.waiting, u.name))


def _months(today: date) -> list[date]:
    """The first days of the last TREND_MONTHS months, oldest first, this month last."""
    firsts, month = [], today.replace(day=1)
    for _ in range(TREND_MONTHS):
        firsts.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return firsts[::-1]


def _month(at: datetime) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m")


def trends(user: User, *, district_id=None, area=None) -> Trends:
    """The last 12 months (see Trends), within the supervisor's scope and the filters."""
    firsts = _months(clock.today())
    labels = [m.strftime("%Y-%m") for m in firsts]
    start = local_day_start(firsts[0])
    index = {label: i for i, label in enumerate(labels)}

    def counter() -> list[int]:
        return [0] * len(labels)

    records, warnings, closed = counter(), counter(), counter()
    opened = _scoped(select(Case.process_key, Case.created_at).where(Case.created_at >= start), user, district_id, area)
    for process, created in db.session.execute(opened):
        i = index.get(_month(created))
        if i is not None:
            (warnings if process == "warning_rectification" else records)[i] += 1
    ended = _scoped(select(Case.closed_at).where(Case.closed_at >= start), user, district_id, area)
    for (closed_at,) in db.session.execute(ended):
        i = index.get(_month(closed_at))
        if i is not None:
            closed[i] += 1
    completed, late = counter(), counter()
    days: list[list[float]] = [[] for _ in labels]
    for d in step_durations(user, district_id=district_id, area=area, since=start):
        i = index.get(_month(d.completed_at))
        if i is None:
            continue
        completed[i] += 1
        late[i] += d.late
        if d.working_days is not None:
            days[i].append(d.working_days)
    return Trends(labels, records, warnings, closed, completed, late, [_average(v) for v in days])


def due_this_week(user: User, *, district_id=None, area=None) -> list[Case]:
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    query = _scoped(select(Case).where(Case.process_key == "warning_rectification", Case.record_status.in_(OPEN_STAGES),
                                       Case.due_on >= monday, Case.due_on <= monday + timedelta(days=6)),
                    user, district_id, area)
    return list(db.session.scalars(query.order_by(Case.due_on)))
