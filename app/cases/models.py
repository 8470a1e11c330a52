from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import LOCAL_TZ, clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.core.i18n import N_
from app.org.models import CivilServant, Department, User

RECORD_STATUSES = {
    "draft": N_("草稿"),
    "in_review": N_("审核中"),
    "returned": N_("退回补正"),
    "notified": N_("已告知"),
    "under_objection": N_("异议处理中"),
    "confirmed": N_("已确认"),
    "published": N_("公开中"),
    "repaired": N_("已修复"),
    "revoked": N_("已撤销"),
    "exempted": N_("免责不予记录"),
    "expired": N_("公开期满"),
    "withdrawn": N_("已撤回公开（待删除）"),
    "deleted": N_("已删除"),
}
# The punishment a record carries into the sanction step (免责容错: 从轻 / 免于惩戒, policy §二(一)4).
PUNISHMENT_LEVELS = {"normal": N_("依规惩戒"), "lighter": N_("从轻惩戒"), "none": N_("免于惩戒")}
SOURCE_TYPES = {
    "court_judgment": N_("司法判决"),
    "administrative_penalty": N_("行政处罚"),
    "disciplinary_sanction": N_("纪律处分"),
    "accountability_decision": N_("问责处理"),
    "judgment_debtor": N_("失信被执行人"),
    "contract_breach": N_("违约毁约"),
    "statistical_fraud": N_("统计造假"),
}
KEY_AREAS = [
    N_("政府采购"), N_("政府和社会资本合作"), N_("招标投标"), N_("招商引资"), N_("地方政府债务管理"), N_("河道治理"),
    N_("城市综合管理问题治理"), N_("环境保护"), N_("综合交通管理"), N_("公共安全管理"), N_("互联网+政务服务"), N_("行政审批"),
    N_("市民服务"), N_("企业服务"), N_("统计"), N_("审计"),
]
WARNING_STAGES = {
    "warning_issued": N_("已预警"),
    "explaining": N_("书面说明"),
    "planning": N_("整改方案"),
    "tracking": N_("整改跟踪"),
    "verifying": N_("整改核验"),
    "escalation_pending": N_("待确认升级"),
    "closed": N_("整改完成"),
    "escalated": N_("已通报并记录失信"),
    "record_withdrawn": N_("记录已撤销，整改终止"),
}
# Where a joint-sanctions case (联动奖惩, policy §二(一)2) stands.
SANCTION_STAGES = {
    "sanctioning": N_("惩戒措施落实中"),
    "sanctioned": N_("惩戒措施执行中"),
    "lifting": N_("惩戒措施解除中"),
    "lifted": N_("惩戒措施已解除"),
    "no_sanction": N_("免于惩戒"),
}
# Every status a case can show (records, warnings and joint sanctions share the status column); a
# case opened in error is cancelled (撤案) by an admin or supervisor, whatever its process.
CASE_STATUSES = {**RECORD_STATUSES, **WARNING_STAGES, **SANCTION_STAGES, "cancelled": N_("已撤案")}
# How a linked case relates to this one (CaseLink.relation), as the case page names it.
CASE_RELATIONS = {
    "escalated_to": N_("升级为失信记录"),
    "escalated_from": N_("来源预警"),
    "rectification_opened": N_("书面说明和限期整改"),
    "rectification_of": N_("来源失信记录"),
    "sanctions_opened": N_("联动奖惩"),
    "sanctions_of": N_("来源失信记录（联动奖惩）"),
}
TIERS = {"minor": N_("轻微"), "general": N_("一般"), "serious": N_("严重")}
SUBJECT_TYPES = {"department": N_("单位"), "civil_servant": N_("公务员")}


class CaseSequence(db.Model):
    """Per-year counter behind readable case numbers (ZX-2026-000123)."""

    __tablename__ = "case_sequence"
    __table_args__ = (UniqueConstraint("prefix", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Case(db.Model):
    __tablename__ = "case"
    # A unit's case list (handler: its own unit as subject; recorder: the unit that recorded) is
    # read newest first: these find a unit's newest cases without sorting or skipping others'.
    __table_args__ = (
        Index("ix_case_subject_listing", "subject_department_id", "created_at", "id"),
        Index("ix_case_recording_listing", "recording_department_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    subject_type: Mapped[str] = mapped_column(String(20))
    # The responsible unit: the department itself, or the civil servant's department.
    subject_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    civil_servant_id: Mapped[int | None] = mapped_column(ForeignKey("civil_servant.id"))
    recording_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    source_type: Mapped[str | None] = mapped_column(String(40))
    document_number: Mapped[str | None] = mapped_column(String(80))
    key_area: Mapped[str | None] = mapped_column(String(40), index=True)
    tier: Mapped[str | None] = mapped_column(String(20))
    facts: Mapped[str] = mapped_column(Text, default="")
    record_status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    publication_start: Mapped[date | None] = mapped_column(Date)
    publication_end: Mapped[date | None] = mapped_column(Date)
    repairable_from: Mapped[date | None] = mapped_column(Date)
    # The day the source decision (judgment, penalty, sanction) was made: publication counts from it.
    source_decided_on: Mapped[date | None] = mapped_column(Date)
    punishment_level: Mapped[str] = mapped_column(String(10), default="normal", server_default="normal")
    # A record an escalation created (policy §二(一)2): the warning it came from. The same fact as the
    # `escalated_from` CaseLink, kept on the row because the process reads it at every step (the
    # case's bindings) and a link lookup there would cost a statement per expression.
    escalated_from_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    # Warnings: the agreed rectification deadline (from the accepted plan).
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # None for cases the system raised itself (a monitoring rule, an escalation).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subject_department: Mapped[Department] = relationship(foreign_keys=[subject_department_id])
    recording_department: Mapped[Department] = relationship(foreign_keys=[recording_department_id])
    civil_servant: Mapped[CivilServant | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    escalated_from: Mapped[Case | None] = relationship(remote_side=[id], foreign_keys=[escalated_from_id])

    @property
    def subject_name(self) -> str:
        if self.civil_servant is not None:
            return f"{self.civil_servant.name}（{self.subject_department.name}）"
        return self.subject_department.name

    def form_context(self) -> dict:
        """The case's fields a task form's `x-required-when` rules may test, and the dates its
        `case:NAME` date bounds read (ISO dates; `registered_on` in Asia/Shanghai)."""
        return {"tier": self.tier, "record_status": self.record_status, "source_type": self.source_type,
                "key_area": self.key_area, "subject_type": self.subject_type,
                "source_decided_on": self.source_decided_on.isoformat() if self.source_decided_on else None,
                "registered_on": self.created_at.astimezone(LOCAL_TZ).date().isoformat() if self.created_at else None}

    @property
    def district_id(self) -> int | None:
        return self.subject_department.district_root_id

    @property
    def district_code(self) -> str:
        """The code of the subject's district ("" for a municipal unit): the `district` input of the
        rule tables (workflows/rules), whose district rows override the municipal default."""
        unit = self.subject_department
        if unit.kind == "district":
            return unit.code
        return unit.district.code if unit.district is not None else ""


class TimelineEvent(db.Model):
    """Append-only audit trail of a case: who did what, when, and what data changed."""

    __tablename__ = "timeline_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the system (timers, scripts)
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(400))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # Chains the case's events (app.core.hashchain): covers `content()` and the previous event's hash.
    hash: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()

    def content(self) -> dict:
        """What the hash covers."""
        return {"case": self.case_id, "at": self.at, "actor": self.actor_id, "kind": self.kind,
                "summary": self.summary, "data": self.data}


@event.listens_for(TimelineEvent, "before_update")
@event.listens_for(TimelineEvent, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("timeline events are append-only")


class CaseLink(db.Model):
    """A link between two cases, e.g. a warning escalated into a dishonesty record."""

    __tablename__ = "case_link"
    __table_args__ = (UniqueConstraint("case_id", "linked_case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    linked_case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    relation: Mapped[str] = mapped_column(String(30))  # a key of CASE_RELATIONS
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    linked_case: Mapped[Case] = relationship(foreign_keys=[linked_case_id])


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The step the file came with: its task (None for the start form, or the recording unit
    # adding a file outside any task) and the step's name as shown then (None: outside a step).
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    step: Mapped[str | None] = mapped_column(String(200))

    uploaded_by: Mapped[User] = relationship()


class Decision(db.Model):
    """A decision taken on a case (issue 14): by a person completing a decision step (its form
    declares `x-decision`), or by the system (an escalation, the end of publication). What the
    outcome meant is stored as shown then (`outcome_label`), so a later form edit changes nothing."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))  # None: a system decision
    step: Mapped[str | None] = mapped_column(String(200))  # the task's name as shown then
    kind: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(64))
    outcome_label: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the system
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    actor: Mapped[User | None] = relationship()


class CaseNote(db.Model):
    """An internal note (批注) by staff on a case: never on public pages or in documents."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship()


@event.listens_for(Decision, "before_update")
@event.listens_for(Decision, "before_delete")
@event.listens_for(CaseNote, "before_update")
@event.listens_for(CaseNote, "before_delete")
def _on_record(mapper, connection, target):
    raise RuntimeError("decisions and notes are part of the case file: append-only")
