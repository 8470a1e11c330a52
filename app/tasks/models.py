from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from app.cases.models import Case
from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.engine.models import ProcessInstance
from app.core.extensions import db
from app.core.i18n import N_
from app.org.models import User

SAVED_FILTER_NAME_MAX, SAVED_FILTER_QUERY_MAX = 40, 1000
TASK_STATUSES = {"open": N_("待办"), "completed": N_("已办结"), "cancelled": N_("已取消")}
# An open task of an instance that takes no step now: shown so, and not completable.
TASK_HOLDS = {"blocked": N_("已阻塞"), "suspended": N_("已暂停")}


class HumanTask(db.Model):
    """A READY user task, written after every engine step. The inbox reads only this table."""

    __tablename__ = "human_task"
    # The "available" inbox: unclaimed open tasks of a role (and unit or district), in deadline
    # order. Partial indexes on the unclaimed rows serve the filter and the sort together.
    __table_args__ = (
        Index("ix_human_task_inbox", "status", "role", "department_id"),
        Index("ix_human_task_district", "status", "role", "district_id"),
        *(Index(name, "status", "role", *scope, text("(due_at IS NULL)"), "due_at", "id",
                sqlite_where=text("claimed_by_id IS NULL"), postgresql_where=text("claimed_by_id IS NULL"))
          for name, scope in (("ix_human_task_available", ()), ("ix_human_task_unit_available", ("department_id",)),
                              ("ix_human_task_district_available", ("district_id",)))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # the lane
    # The unit that must act (handler: the subject's unit; recorder: the recording unit); None: any.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    form_key: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The deadline (due_at) whose passing was reported for a task the model gives no overdue timer
    # (app.tasks.deadlines.report_missed_deadlines); a moved deadline is reported again.
    overdue_reported_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    case: Mapped[Case] = relationship()
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    instance: Mapped[ProcessInstance] = relationship()

    @property
    def hold(self) -> str | None:
        """'blocked' or 'suspended' for an open task whose instance waits on an operator, else None."""
        if self.status != "open":
            return None
        status = self.instance.status
        return status if status in TASK_HOLDS else None

    __mapper_args__ = {"version_id_col": row_version}


def with_instance_status():
    """Query option: load each task's instance status in the same statement (for `hold`), not its state."""
    return joinedload(HumanTask.instance).load_only(ProcessInstance.status, ProcessInstance.error,
                                                     ProcessInstance.lock_version)


class SavedFilter(db.Model):
    """A user's named search of the inbox or the case list (保存的筛选): the page and its query
    string, applied by opening the page with it. Private to the user."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "page", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    page: Mapped[str] = mapped_column(String(20))  # app.tasks.saved_filters.PAGES
    name: Mapped[str] = mapped_column(String(SAVED_FILTER_NAME_MAX))
    query: Mapped[str] = mapped_column(String(SAVED_FILTER_QUERY_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
