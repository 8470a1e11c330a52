"""Working-day arithmetic (DOMAIN.md "Working days"): weekends and statutory holidays excluded,
make-up working days included; the start day is not counted; a deadline that would fall on a
holiday moves to the next working day. A year with no schedule loaded raises CalendarNotLoaded
instead of guessing."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from uuid import uuid4

from sqlalchemy import delete, select

from app.calendar.models import DAY_KINDS, DAY_NAME_MAX, CalendarDay, CalendarYear
from app.core.clock import LOCAL_TZ, clock, local_day_start, local_midnight_after
from app.core.errors import DomainError, ValidationFailed
from app.core.extensions import db
from app.core.transaction import unit_of_work

MAX_WORKING_DAYS = 2000  # ~8 years: any deadline beyond is a modelling error


class CalendarNotLoaded(DomainError):
    status, code = 409, "calendar_not_loaded"
    sandbox_passthrough = True  # surfaces unchanged from BPMN expressions

    def __init__(self, year: int):
        super().__init__(f"{year} 年的工作日历尚未导入，无法计算工作日期限；请管理员导入国务院办公厅公布的 {year} 年节假日安排")
        self.year = year


class _Year:
    __slots__ = ("holidays", "workdays")

    def __init__(self, holidays: set[date], workdays: set[date]):
        self.holidays, self.workdays = holidays, workdays


# {year: (revision, schedule)} shared by the requests of this process; a year is re-read when its
# revision in the database differs (every change writes a new one), so an edit by an administrator
# in another process is seen by the next deadline computed here.
_years: dict[int, tuple[str, _Year]] = {}


def _checked() -> dict[int, _Year]:
    """Years this session (one request) already checked against the database: a step computing
    two deadlines asks once. Changing a year here forgets them (`_changed`)."""
    return db.session.info.setdefault("calendar_years", {})


def _changed() -> None:
    db.session.info.pop("calendar_years", None)


def _load_year(year: int) -> _Year:
    """One year's schedule, checked against the database once per request."""
    checked = _checked()
    if year not in checked:
        revision = db.session.scalar(select(CalendarYear.revision).where(CalendarYear.year == year))
        if revision is None:
            raise CalendarNotLoaded(year)
        known = _years.get(year)
        if known is None or known[0] != revision:
            rows = db.session.execute(
                select(CalendarDay.day, CalendarDay.kind)
                .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
            ).all()
            known = (revision, _Year(frozenset(d for d, k in rows if k == "holiday"),
                                     frozenset(d for d, k in rows if k == "workday")))
            _years[year] = known
        checked[year] = known[1]
    return checked[year]


def is_working_day(day: date) -> bool:
    year = _load_year(day.year)
    if day in year.holidays:
        return False
    if day in year.workdays:
        return True
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start not counted). n == 0 gives `start` itself when it
    is a working day, else the next working day."""
    if not 0 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}, got {n}")
    day = start
    if n == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_day_before(day: date, n: int) -> date:
    """The n-th working day before `day` (day not counted); n == 0 gives `day` itself."""
    if not 0 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}, got {n}")
    counted = 0
    while counted < n:
        day -= timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def working_days_elapsed(start: datetime, end: datetime) -> float:
    """The working time between two instants (aware datetimes), in working days: for each
    Asia/Shanghai day they span, the share of that day's 24 hours between them, counted when the
    day is a working day. Friday 10:00 → Monday 10:00 is 1.0; a step done within one working day
    is below 1. Never negative: 0.0 when `end` is not after `start` (e.g. the development clock
    moved back between them). Raises CalendarNotLoaded when a day falls in a year without a
    schedule."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(LOCAL_TZ).date()
    while True:
        day_start, day_end = local_day_start(day), local_midnight_after(day)
        if day_start >= end:
            return total
        if is_working_day(day):
            total += (min(end, day_end) - max(start, day_start)).total_seconds() / 86400
        day += timedelta(days=1)


def loaded_years() -> list[int]:
    return list(db.session.scalars(select(CalendarYear.year).order_by(CalendarYear.year)))


def missing_years(around: date | None = None) -> list[int]:
    """Years a deadline may reach soon (this year and next) that have no schedule: shown as a warning."""
    today = around or clock.today()
    have = set(loaded_years())
    return [y for y in (today.year, today.year + 1) if y not in have]


def replace_year(year: int, days: list[tuple[date, str, str]], source: str) -> None:
    """Replace one year's schedule in the current transaction (caller commits)."""
    for d, kind, _ in days:
        if d.year != year:
            raise ValidationFailed(f"{d.isoformat()} 不属于 {year} 年")
        if kind not in DAY_KINDS:
            raise ValidationFailed(f"{d.isoformat()}: 类型必须是 holiday 或 workday，而不是 {kind!r}")
    db.session.execute(delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))
    db.session.merge(CalendarYear(year=year, source=source, loaded_at=clock.now(), revision=uuid4().hex))
    _changed()
    db.session.add_all(CalendarDay(day=d, kind=k, name=name) for d, k, name in days)


def parse_schedule_csv(text: str) -> dict[int, list[tuple[date, str, str]]]:
    """Parse a schedule file: one line per exceptional day, `date,kind,name`
    (e.g. `2027-01-01,holiday,元旦`; kind is holiday or workday; `#` starts a comment).
    Errors name the line."""
    years: dict[int, list[tuple[date, str, str]]] = {}
    errors: list[str] = []
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        if lineno == 1 and row[0].strip().lower() == "date":
            continue
        if len(row) < 2:
            errors.append(f"第 {lineno} 行：至少需要日期和类型两列")
            continue
        try:
            d = date.fromisoformat(row[0].strip())
        except ValueError:
            errors.append(f"第 {lineno} 行：日期 {row[0].strip()!r} 不是 YYYY-MM-DD 格式")
            continue
        kind = row[1].strip()
        if kind not in DAY_KINDS:
            errors.append(f"第 {lineno} 行：类型必须是 holiday 或 workday，而不是 {kind!r}")
            continue
        name = row[2].strip() if len(row) > 2 else ""
        if len(name) > DAY_NAME_MAX:
            errors.append(f"第 {lineno} 行：名称过长（{len(name)} 个字符），最多 {DAY_NAME_MAX} 个")
            continue
        years.setdefault(d.year, []).append((d, kind, name))
    if errors:
        raise ValidationFailed("日历文件有错误：" + "；".join(errors), {"file": errors})
    if not years:
        raise ValidationFailed("日历文件中没有任何日期")
    return years


def import_schedule(text: str, source: str) -> list[int]:
    """Import a schedule file; every year in it is replaced whole, in one transaction."""
    years = parse_schedule_csv(text)
    with unit_of_work():
        for year, days in sorted(years.items()):
            replace_year(year, days, source)
    return sorted(years)


def seed_from_package(first_year: int = 2024) -> list[int]:
    """Seed every year the `chinesecalendar` package knows (from `first_year`), skipping years
    already loaded, so an admin's edits are never overwritten."""
    import chinese_calendar
    from chinese_calendar.constants import holidays, workdays

    known = sorted({d.year for d in holidays} | {d.year for d in workdays})
    seeded = []
    with unit_of_work():
        have = set(loaded_years())
        for year in known:
            if year < first_year or year in have:
                continue
            days = [(d, "holiday", _holiday_name(chinese_calendar, d)) for d in holidays if d.year == year]
            days += [(d, "workday", "调休上班") for d in workdays if d.year == year]
            replace_year(year, days, source=f"chinesecalendar {chinese_calendar.__version__}")
            seeded.append(year)
    return seeded


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(chinese_calendar, day: date) -> str:
    _, name = chinese_calendar.get_holiday_detail(day)
    return _HOLIDAY_NAMES.get(name, name or "")


def year_days(year: int) -> dict[date, CalendarDay]:
    """The exceptional days (holidays and make-up working days) of one year, by date."""
    rows = db.session.scalars(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                        CalendarDay.day <= date(year, 12, 31)))
    return {row.day: row for row in rows}


def set_day(day: date, kind: str | None, name: str = "") -> None:
    """Make one day a holiday, a make-up working day, or (kind None) an ordinary day, in the
    current transaction (caller commits). Only a day of a loaded year can be changed."""
    if kind is not None and kind not in DAY_KINDS:
        raise ValidationFailed(f"{day.isoformat()}: 类型必须是 holiday 或 workday，而不是 {kind!r}")
    year = db.session.get(CalendarYear, day.year)
    if year is None:
        raise CalendarNotLoaded(day.year)
    year.revision = uuid4().hex  # every process re-reads the year before its next deadline
    _changed()
    row = db.session.get(CalendarDay, day)
    if kind is None:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        db.session.add(CalendarDay(day=day, kind=kind, name=name))
    else:
        row.kind, row.name = kind, name
