"""An incident: a step of a case that failed in the engine (a script, a timer expression, a
missing calendar year). While one is open the case's instance is `blocked`: tick leaves it and
its tasks cannot be completed. One open incident per instance; a repeated failure counts on it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Case
from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.core.i18n import N_
from app.org.models import User

INCIDENT_STATUSES = {"open": N_("未处理"), "resolved": N_("已处理")}
RESOLUTIONS = {"retried": N_("重试成功"), "skipped": N_("已跳过"), "migrated": N_("迁移后重试成功"),
               "moved": N_("已移动到其他环节"),
               "cancelled": N_("案件已撤案")}


class Incident(db.Model):
    __tablename__ = "incident"
    __table_args__ = (
        # At most one open incident per instance: a second failure counts on the first.
        Index("uq_incident_open_instance", "instance_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_incident_listing", "status", "last_failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    element_id: Mapped[str | None] = mapped_column(String(100))  # the BPMN element that failed
    element_name: Mapped[str | None] = mapped_column(String(200))  # as the designer named it
    error: Mapped[str] = mapped_column(Text)
    # The failure's DomainError code, e.g. `calendar_not_loaded`: whose work a missing calendar
    # year blocks is read from it (app.incidents.service.calendar_blocked).
    error_code: Mapped[str | None] = mapped_column(String(40))
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    failure_count: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="open")
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # the resolver's reason

    case: Mapped[Case] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    @property
    def element_label(self) -> str:
        """“名称”（id） as the designer knows the element; empty when the engine named none."""
        if not self.element_id:
            return ""
        return f"“{self.element_name or self.element_id}”（{self.element_id}）"
