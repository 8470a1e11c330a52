from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Case
from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.core.i18n import N_
from app.org.models import CivilServant, Department

# What an implementing unit answers (落实反馈).
APPLY_OUTCOMES = {"applied": N_("已落实"), "not_applicable": N_("不适用")}
# A cell of the feedback matrix: where one measure stands at one implementing unit.
MEASURE_STATES = {
    "pending": N_("待落实"), "overdue": N_("逾期未反馈"), "applied": N_("已落实"), "not_applicable": N_("不适用"),
    "not_applied": N_("未落实即解除"), "lifting": N_("待解除"), "lifting_overdue": N_("解除逾期未反馈"),
    "lifted": N_("已解除"),
}
# Why measures are lifted: the record's publication ended (沪府发〔2017〕92号 §二(一)4; 条例第36、37条).
LIFT_REASONS = {"repair": N_("准予信用修复"), "expiry": N_("公开期满"), "revocation": N_("撤销记录"),
                "deletion": N_("删除记录")}
# The restriction a measure writes once applied (the rules' `restriction` column): "honours" —
# no honours / 评优评先 while it is in force.
RESTRICTIONS = {"honours": N_("限制评优评先、荣誉评选")}


class SanctionMeasure(db.Model):
    """One measure of a joint-sanctions case (联动奖惩) at one implementing unit (沪府发〔2017〕92号
    §二(一)2: the recording unit initiates, each implementing unit responds, results are fed back):
    planned from the rules (`sanction_measures`), answered by the unit (applied / not applicable,
    the day, an evidence note) and lifted when the record ends (the day, a note). A row of the
    feedback matrix the recording unit reads."""

    __tablename__ = "sanction_measure"
    __table_args__ = (UniqueConstraint("case_id", "measure", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)  # the joint-sanctions case
    # The dishonesty record the measure follows (the joint-sanctions case's source document number);
    # None only when the case was started without one (a process test).
    record_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    measure: Mapped[str] = mapped_column(String(40))  # the rules' measure code
    label: Mapped[str] = mapped_column(String(100))  # as the rules named it then
    restriction: Mapped[str | None] = mapped_column(String(20))  # a key of RESTRICTIONS, or None
    unit_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    until: Mapped[date] = mapped_column(Date)  # the last day the record is published: the measure's planned end
    # pending → applied | not_applicable, or not_applied when lifted first
    status: Mapped[str] = mapped_column(String(20), default="pending")
    answered_on: Mapped[date | None] = mapped_column(Date)  # the day the unit says it applied (or found it not applicable)
    answer_note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lift_reason: Mapped[str | None] = mapped_column(String(20))  # a key of LIFT_REASONS, once the record ended
    lift_requested_on: Mapped[date | None] = mapped_column(Date)
    lifted_on: Mapped[date | None] = mapped_column(Date)  # the day the unit says it lifted the measure
    lift_note: Mapped[str | None] = mapped_column(Text)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    unit: Mapped[Department] = relationship()
    record: Mapped[Case | None] = relationship(foreign_keys=[record_case_id])


class HonoursRestriction(db.Model):
    """A unit — or, with `civil_servant_id`, one civil servant — may not be put forward for honours
    (评优评先、荣誉评选) from `starts_on` to `ends_on` (both included, Asia/Shanghai days) unless
    lifted earlier (`lifted_on`: from that day on it no longer applies), because of `source_case`
    (policy §二(一)2: a unit that refuses or fails to rectify loses its honours eligibility; a
    civil servant with a dishonesty record is barred from 评优评先; §二(一)3 联动奖惩). Written by an
    escalation's confirmation, or when an implementing unit applies a joint sanction
    (`sanction_measure_id`); read by the eligibility check (`service.in_force`)."""

    __tablename__ = "honours_restriction"
    __table_args__ = (Index("ix_honours_restriction_unit_period", "department_id", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    civil_servant_id: Mapped[int | None] = mapped_column(ForeignKey("civil_servant.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    source_case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    measure: Mapped[str] = mapped_column(String(40), default="no_honours")
    sanction_measure_id: Mapped[int | None] = mapped_column(ForeignKey("sanction_measure.id"), index=True)
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lift_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    department: Mapped[Department] = relationship()
    civil_servant: Mapped[CivilServant | None] = relationship()
    source_case: Mapped[Case] = relationship()
    sanction_measure: Mapped[SanctionMeasure | None] = relationship()

    @property
    def last_day(self) -> date:
        """The last day it applies: `ends_on`, or the day before it was lifted."""
        return min(self.ends_on, self.lifted_on - timedelta(days=1)) if self.lifted_on else self.ends_on
