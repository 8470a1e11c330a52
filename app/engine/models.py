"""Process definitions, their immutable versions, and running instances."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db


class ProcessDefinition(db.Model):
    __tablename__ = "process_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)  # the BPMN process id
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    versions: Mapped[list[ProcessVersion]] = relationship(
        back_populates="definition", order_by="ProcessVersion.version"
    )


class ProcessVersion(db.Model):
    """One deployed version. The spec is stored here once; instances store only their state."""

    __tablename__ = "process_version"
    __table_args__ = (
        UniqueConstraint("definition_id", "version"),
        UniqueConstraint("definition_id", "content_hash", name="uq_process_version_content"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    # The two big columns load only when read: a step takes the spec from the in-memory cache.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    # Our attributes per element (form, due, lane role, ...), read from the XML at deploy time.
    task_meta_json: Mapped[str] = mapped_column(Text)
    start_form: Mapped[str | None] = mapped_column(String(100))
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    comment: Mapped[str] = mapped_column(Text, default="")
    # {"added": [...], "removed": [...], "changed": [...]} element ids against the previous version.
    change_summary_json: Mapped[str] = mapped_column(Text, default="{}")
    # {form key: form version} the process was deployed with: tasks validate against these.
    forms_json: Mapped[str] = mapped_column(Text, default="{}")

    definition: Mapped[ProcessDefinition] = relationship(back_populates="versions")
    deployed_by = relationship("User")


class ProcessDraft(db.Model):
    """A designer's work in progress for a process (one per process key), not yet deployed."""

    __tablename__ = "process_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by = relationship("User")


# An instance that has not ended: running, blocked by an incident (a failed step saved nothing, so
# it waits where it did before) or suspended by an operator. Only running ones take steps.
ACTIVE_STATUSES = ("running", "blocked", "suspended")


class ProcessInstance(db.Model):
    __tablename__ = "process_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    # Serialized workflow state WITHOUT the spec (the spec lives on the version).
    state_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)  # running/blocked/suspended/completed/cancelled
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    version: Mapped[ProcessVersion] = relationship()

    # Optimistic concurrency: every UPDATE checks the version it read. A concurrent writer that
    # got there first makes this one fail with StaleDataError (→ 409), never a lost update.
    __mapper_args__ = {"version_id_col": lock_version}
