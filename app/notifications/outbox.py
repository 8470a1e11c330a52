"""The mail outbox for admins (issue 20): what was sent, what waits, what failed and why, and
resending — one row, or every failed and unconfigured one. Admins only (Forbidden otherwise): the
page shows addresses and mail servers' answers. Each resend is audited (`mail.resent`)."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import service as audit
from app.core.clock import clock
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.pagination import Total, count_capped
from app.core.transaction import unit_of_work
from app.notifications.models import MAIL_KINDS, MAIL_STATUSES, EmailOutbox
from app.org.models import User

RESENDABLE = ("pending", "failed", "unconfigured")
AUDIT_IDS_MAX = 50  # row ids named in one audit entry
Q_MAX = 120


def check_admin(user: User) -> None:
    if not user.has_role("admin"):
        raise Forbidden(_("只有系统管理员可以查看和重发邮件"))


def mail_configured() -> bool:
    """Whether a mail server is configured (MAIL_SERVER): without one nothing is sent."""
    return bool(current_app.config.get("MAIL_SERVER"))


def _bad(name: str, allowed) -> ValidationFailed:
    return ValidationFailed(_("参数有误"), {name: [_("%(name)s 必须是 %(values)s 之一", name=name,
                                                     values=" / ".join(allowed))]})


def list_mail(user: User, *, status: str | None = None, kind: str | None = None, q: str | None = None,
              page: int = 1, per_page: int = 20) -> tuple[list[EmailOutbox], Total]:
    """One page of outbox rows, newest first. Filters: `status` (a MAIL_STATUSES key), `kind`
    (notification / digest), `q` (part of the address or subject, ≤ 120 characters). Forbidden
    unless admin; ValidationFailed (422) naming a bad filter."""
    check_admin(user)
    if status and status not in MAIL_STATUSES:
        raise _bad("status", MAIL_STATUSES)
    if kind and kind not in MAIL_KINDS:
        raise _bad("kind", MAIL_KINDS)
    q = (q or "").strip()
    if len(q) > Q_MAX:
        raise ValidationFailed(_("参数有误"), {"q": [_("搜索词不能超过 %(n)s 个字", n=Q_MAX)]})
    query = select(EmailOutbox)
    if status:
        query = query.where(EmailOutbox.status == status)
    if kind:
        query = query.where(EmailOutbox.kind == kind)
    if q:
        query = query.where(EmailOutbox.to_address.icontains(q, autoescape=True)
                            | EmailOutbox.subject.icontains(q, autoescape=True))
    total = count_capped(query, page, per_page)
    items = db.session.scalars(query.order_by(EmailOutbox.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(items), total


def mail_counts(user: User) -> dict[str, int]:
    """{status: rows} for every MAIL_STATUSES key."""
    check_admin(user)
    counts = dict.fromkeys(MAIL_STATUSES, 0)
    for status, n in db.session.execute(select(EmailOutbox.status, func.count()).group_by(EmailOutbox.status)):
        counts[status] = n
    return counts


def _requeue(rows: list[EmailOutbox]) -> None:
    now = clock.now()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now


def resend_mail(user: User, row_id: int) -> EmailOutbox:
    """Queue one mail again for the next tick (pending, attempts from 0, due now; the last error
    kept until the next attempt). NotFound (404) for no such row, Conflict (409) for a sent one."""
    check_admin(user)
    with unit_of_work():
        row = db.session.scalar(select(EmailOutbox).where(EmailOutbox.id == row_id).with_for_update()
                                .execution_options(populate_existing=True))
        if row is None:
            raise NotFound(_("邮件不存在"))
        if row.status not in RESENDABLE:
            raise Conflict(_("该邮件已发送，不能重发"))
        _requeue([row])
        audit.record(user, "mail.resent", f"重发邮件 #{row.id}（{row.to_address}）", {"rows": [row.id]})
    return row


def resend_failed_mail(user: User) -> list[EmailOutbox]:
    """Queue every failed and unconfigured mail again; returns them. One audit entry."""
    check_admin(user)
    with unit_of_work():
        rows = list(db.session.scalars(select(EmailOutbox).where(EmailOutbox.status.in_(("failed", "unconfigured")))
                                       .order_by(EmailOutbox.id).with_for_update()))
        if rows:
            _requeue(rows)
            audit.record(user, "mail.resent", f"重发全部失败或未发送的邮件（{len(rows)} 封）",
                         {"rows": [r.id for r in rows[:AUDIT_IDS_MAX]], "count": len(rows)})
    return rows
