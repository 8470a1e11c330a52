from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Case
from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.org.models import Department


class HonoursRestriction(db.Model):
    """A unit may not be put forward for honours (评优评先、荣誉评选) from `starts_on` to `ends_on`
    (both included, Asia/Shanghai days), because of `source_case` (policy §二(一)2: a unit that
    refuses or fails to rectify is publicly criticised; §二(一)3 联动奖惩). Written by the process
    step that confirms an escalation; read by the eligibility check of the honours process."""

    __tablename__ = "honours_restriction"
    __table_args__ = (Index("ix_honours_restriction_unit_period", "department_id", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    source_case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    measure: Mapped[str] = mapped_column(String(40), default="no_honours")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    department: Mapped[Department] = relationship()
    source_case: Mapped[Case] = relationship()
