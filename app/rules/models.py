"""Decision definitions and their versions. A version is a draft until a rule approver publishes
it with the (Asia/Shanghai) calendar day it comes into force; published versions never change."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db

DRAFT, PUBLISHED = "draft", "published"


class DecisionDefinition(db.Model):
    __tablename__ = "decision_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)  # the DMN decision id
    name: Mapped[str] = mapped_column(String(200))

    versions: Mapped[list[DecisionVersion]] = relationship(back_populates="definition",
                                                           order_by="DecisionVersion.version")


class DecisionVersion(db.Model):
    __tablename__ = "decision_version"
    __table_args__ = (UniqueConstraint("definition_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("decision_definition.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    xml: Mapped[str] = mapped_column(Text, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)  # draft | published
    effective_from: Mapped[date | None] = mapped_column(Date)  # Asia/Shanghai day; None while a draft
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publish_note: Mapped[str] = mapped_column(Text, default="")

    definition: Mapped[DecisionDefinition] = relationship(back_populates="versions")
    created_by = relationship("User", foreign_keys=[created_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])

    @property
    def key(self) -> str:
        return self.definition.key
