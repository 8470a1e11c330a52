"""The sharing outbox: one row per (event, endpoint). An event is one change of a publication
(publish / update / withdraw) announced by `app.publication.signals.publication_changed`; each
configured credit platform gets its own row, delivered, retried and acknowledged on its own."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Case
from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.core.i18n import N_

KINDS = {"publish": N_("公开"), "update": N_("更新"), "withdraw": N_("撤下")}
STATUSES = {"pending": N_("待发送"), "sending": N_("发送中"), "acknowledged": N_("已确认接收"), "failed": N_("失败")}
# The platforms policy §二(一)1–2 names; an endpoint's `name` is one of these keys.
PLATFORMS = {"national": N_("全国信用信息共享平台"), "creditchina": N_("信用中国"), "shanghai": N_("上海诚信网")}


class SharingEvent(db.Model):
    """One event for one endpoint. `event_id` (a UUID) is the same for every endpoint of one event
    and never changes, resends included: the receiver's idempotency key. `sequence` numbers the
    events of one case (1, 2, …) in the order they happened; a row is sent only after every earlier
    row of its case for the same endpoint was acknowledged."""

    __tablename__ = "sharing_event"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint", name="uq_sharing_event_endpoint"),
        Index("ix_sharing_due", "status", "next_attempt_at"),
        # One event per place in a case's order: two publication changes of one case racing each
        # other (they cannot, a case's steps take turns) would be a conflict, never a tie.
        UniqueConstraint("case_id", "endpoint", "sequence", name="uq_sharing_case_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # publish / update / withdraw
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    publication_id: Mapped[int] = mapped_column(Integer)  # the publication register's row
    sequence: Mapped[int] = mapped_column(Integer)  # per case, from 1, shared by the endpoints
    payload: Mapped[dict] = mapped_column(JSON)  # the record as the portal shows it, already masked
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    endpoint: Mapped[str] = mapped_column(String(30))  # a PLATFORMS key
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # while `sending`
    last_http_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)  # "HTTP 503: <body excerpt>" or the connection error
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()

    def body(self) -> dict:
        """The JSON document sent to the endpoint (docs/sharing.md): identical on every attempt."""
        return {"event_id": self.event_id, "kind": self.kind, "sequence": self.sequence, "case_id": self.case_id,
                "publication_id": self.publication_id,
                "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"), "record": self.payload}
