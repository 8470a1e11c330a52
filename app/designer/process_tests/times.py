"""Times and durations in a process-test file: ISO times (Shanghai when no offset), dates and
ISO-8601 durations whose years and months are calendar months."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from app.core.clock import LOCAL_TZ

_DURATION = re.compile(r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_time(value) -> datetime | None:
    """An ISO time of a test file (Asia/Shanghai when it names no offset); None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=LOCAL_TZ)


def parse_date(value: str) -> date | None:
    """A YYYY-MM-DD date; None when it is not one."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def parse_duration(value) -> tuple[int, timedelta] | None:
    """(calendar months, the rest) of an ISO-8601 duration; None when it is not one."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    years, months, weeks, days, hours, minutes, seconds = match.groups()
    return (int(years or 0) * 12 + int(months or 0),
            timedelta(weeks=int(weeks or 0), days=int(days or 0), hours=int(hours or 0),
                      minutes=int(minutes or 0), seconds=float(seconds or 0)))


def add_months(when: datetime, months: int) -> datetime:
    """`when` moved by calendar months in Shanghai time (Jan 31 + 1 month = Feb 28/29), in UTC."""
    if not months:
        return when
    local = when.astimezone(LOCAL_TZ)
    month0 = local.month - 1 + months
    year, month = local.year + month0 // 12, month0 % 12 + 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return local.replace(year=year, month=month, day=min(local.day, last_day)).astimezone(UTC)

