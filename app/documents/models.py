from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Case
from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.org.models import Department, User


class DocumentSequence(db.Model):
    """The last number issued by a unit in a year; locked while a number is taken (no gaps)."""

    __tablename__ = "document_sequence"
    __table_args__ = (UniqueConstraint("issuer_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Document(db.Model):
    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("number", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(40))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(100))
    addressee: Mapped[str] = mapped_column(String(120))
    # None while a background worker has not rendered it yet (status "pending").
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="rendered", server_default="rendered")
    pages: Mapped[int] = mapped_column(Integer, default=1)
    verification_code: Mapped[str] = mapped_column(String(20), unique=True)
    context: Mapped[dict] = mapped_column(JSON, default=dict)  # what was rendered, for re-rendering and audit
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    case: Mapped[Case] = relationship()
    issuer: Mapped[Department] = relationship()
    issued_by: Mapped[User | None] = relationship()


@event.listens_for(Document, "before_update")
def _immutable(mapper, connection, target):
    # The one change allowed: a pending document gets its rendered PDF, once.
    state = inspect(target)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    was_pending = state.attrs.status.history.deleted == ["pending"] or (
        target.status == "pending" and "status" not in changed)
    if not (was_pending and changed <= {"sha256", "size", "pages", "status"}):
        raise RuntimeError("issued documents are immutable; issue a corrected version instead")


@event.listens_for(Document, "before_delete")
def _undeletable(mapper, connection, target):
    raise RuntimeError("issued documents are immutable; issue a corrected version instead")
