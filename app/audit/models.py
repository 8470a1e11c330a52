from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.org.models import User


class ChainHead(db.Model):
    """The last hash of each chain ("audit", "case:<id>"). Appending locks this row, so writers
    of one chain take turns and the chain never forks; a record removed from the end no longer
    matches it."""

    __tablename__ = "chain_head"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(db.Model):
    """An administrative action (users, roles, calendar, deployments, incidents): append-only,
    hash-chained in id order."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: a command-line run
    action: Mapped[str] = mapped_column(String(60), index=True)
    summary: Mapped[str] = mapped_column(String(400))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()

    def content(self) -> dict:
        """What the hash covers."""
        return {"at": self.at, "actor": self.actor_id, "action": self.action, "summary": self.summary,
                "data": self.data}


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("audit events are append-only")
