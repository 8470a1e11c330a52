from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db
from app.core.i18n import N_

NOTIFICATION_KINDS = {
    "task.assigned": N_("新任务"),
    "task.reminder": N_("期限提醒"),
    "task.overdue": N_("逾期督办"),
    "case.decision": N_("办理结果"),
    "case.incident": N_("流程异常与处理"),
    "task.unstaffed": N_("任务无人可办"),
}
# What became of a mail: waiting (or retrying), sent, given up after its attempts, or not sent
# because no mail server is configured (MAIL_SERVER empty): resend once one is.
MAIL_STATUSES = {"pending": N_("待发送"), "sent": N_("已发送"), "failed": N_("发送失败"),
                 "unconfigured": N_("未配置邮件服务器")}
MAIL_KINDS = {"notification": N_("单条通知"), "digest": N_("每日汇总")}


class Notification(db.Model):
    __tablename__ = "notification"
    # By task: the notifications of a task that closed are marked read (issue 20).
    __table_args__ = (Index("ix_notification_unread", "user_id", "read_at"), Index("ix_notification_task", "task_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailOutbox(db.Model):
    """Mail waiting to be sent; retried with back-off, never lost when SMTP is down. A `digest`
    row covers one user's notifications of one day (`digest_day`, Asia/Shanghai): at most one per
    user and day."""

    __tablename__ = "email_outbox"
    __table_args__ = (UniqueConstraint("user_id", "digest_day", name="uq_email_outbox_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="notification", server_default="notification")
    digest_day: Mapped[date | None] = mapped_column(Date)
    to_address: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # a MAIL_STATUSES key
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
