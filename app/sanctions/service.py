"""Reading and writing the sanctions a case imposed (app/sanctions/models.py)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.cases.models import Case
from app.cases.timeline import record_event
from app.core.clock import clock
from app.core.extensions import db
from app.engine.helpers import add_months
from app.sanctions.models import HonoursRestriction


def withdraw_honours(case: Case, months: int, reason: str) -> HonoursRestriction:
    """Withdraw the honours eligibility of the case's subject unit for `months` calendar months
    from today (Asia/Shanghai), in the caller's transaction: from today to the day before the same
    day `months` later. `months` comes from the rules (warning_deadlines.honours_withdrawal_months);
    ValueError when it is not a positive integer."""
    if isinstance(months, bool) or not isinstance(months, int) or months <= 0:
        raise ValueError(f"取消荣誉评选资格的期间必须是正整数（月），实际为 {months!r}")
    start = clock.today()
    end = date.fromisoformat(add_months(start, months)) - timedelta(days=1)
    restriction = HonoursRestriction(department_id=case.subject_department_id, starts_on=start, ends_on=end,
                                     reason=reason, source_case_id=case.id, created_at=clock.now())
    db.session.add(restriction)
    db.session.flush()
    record_event(case, "honours.withdrawn",
                 f"取消{case.subject_department.name}荣誉评选资格：{start.isoformat()} 至 {end.isoformat()}",
                 {"restriction_id": restriction.id, "department_id": case.subject_department_id,
                  "from": start.isoformat(), "until": end.isoformat(), "months": months})
    return restriction


def for_case(case: Case) -> list[HonoursRestriction]:
    """The restrictions a case imposed, oldest first."""
    return list(db.session.scalars(select(HonoursRestriction).where(HonoursRestriction.source_case_id == case.id)
                                   .order_by(HonoursRestriction.id)))


def in_force(department_id: int, on: date | None = None) -> list[HonoursRestriction]:
    """The restrictions on a unit's honours eligibility in force on `on` (default today,
    Asia/Shanghai): what the eligibility check of an honours process reads."""
    day = on or clock.today()
    return list(db.session.scalars(select(HonoursRestriction).where(
        HonoursRestriction.department_id == department_id, HonoursRestriction.starts_on <= day,
        HonoursRestriction.ends_on >= day).order_by(HonoursRestriction.starts_on, HonoursRestriction.id)))
