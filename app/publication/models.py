"""The publication register: one row per publication of a dishonesty record, with its scope (which
fields are public), its period and why it ended. The row also keeps the public view of the record
as published (`record`, already masked): the portal and the sharing feed read that, never the case,
so nothing outside the scope and nothing unmasked can reach them. `masking_version_id` names the
version of the masking rules that masked it: when another version comes into force the view is
masked again (app.publication.service.follow_masking_rules)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Case
from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.core.i18n import N_

END_REASONS = {
    "expiry": N_("公开期满"),
    "repair": N_("信用修复"),
    "revocation": N_("撤销记录"),
    "deletion": N_("删除记录"),
}


class Publication(db.Model):
    __tablename__ = "publication"
    # The portal lists what is published now, newest first.
    __table_args__ = (Index("ix_publication_current", "actual_end", "planned_end", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    scope: Mapped[list] = mapped_column(JSON, default=list)  # the public fields (PUBLIC_FIELDS at the time)
    start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)  # the first day it is no longer shown
    actual_end: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    # The public view, masked (app.publication.service.public_record), and what the portal searches.
    record: Mapped[dict] = mapped_column(JSON, default=dict)
    subject_name: Mapped[str] = mapped_column(String(300), default="")
    subject_type: Mapped[str] = mapped_column(String(20), default="department")
    key_area: Mapped[str | None] = mapped_column(String(40), index=True)
    tier: Mapped[str | None] = mapped_column(String(20))
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The masking_rules version the stored view (record, subject_name, search_text) was masked by;
    # None for rows stored before it was kept (masked again by the next tick).
    masking_version_id: Mapped[int | None] = mapped_column(ForeignKey("decision_version.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
