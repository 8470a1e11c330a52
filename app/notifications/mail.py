"""The outbox sender: mails queued by the notification service (and the daily digests of
app.notifications.digest) are sent here over SMTP, later and apart from the step that queued them,
with retries and back-off (attempt n waits 2**n minutes), then `failed` with the last error kept.

Without `MAIL_SERVER` nothing is sent: the due rows are marked `unconfigured` with that reason
(the admin outbox page shows them; resend once a server is configured) and the log says so. Each
row's outcome is committed on its own, so one bad address does not hold up the rest. `tick` runs
it (app/scheduler.py; needs an app context)."""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import select, update

from app.core.clock import clock
from app.core.errors import Busy, Conflict
from app.core.extensions import db
from app.notifications.models import EmailOutbox
from app.core.transaction import unit_of_work

log = logging.getLogger("chengxin.mail")

SMTP_TIMEOUT_SECONDS = 10
LEASE = timedelta(minutes=10)  # a row being sent is hidden from other senders this long
ERROR_MAX = 2000


def _message(row: EmailOutbox, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg.set_content(row.body)
    return msg


def _send_smtp(row: EmailOutbox, config) -> None:
    msg = _message(row, config["MAIL_FROM"])
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)


def _lease(row_id: int, now) -> EmailOutbox | None:
    """Take the row for this run (another sender running at the same time skips it): the row, or
    None when another sender has it or a writer held the database past its busy timeout."""
    try:
        with unit_of_work():
            taken = db.session.execute(
                update(EmailOutbox)
                .where(EmailOutbox.id == row_id, EmailOutbox.status == "pending", EmailOutbox.next_attempt_at <= now)
                .values(next_attempt_at=now + LEASE).execution_options(synchronize_session=False)).rowcount
            row = db.session.get(EmailOutbox, row_id) if taken else None
    except (Conflict, Busy):
        return None  # still pending: the next run takes it
    return row


def _record(row: EmailOutbox, error: Exception | None, now, max_attempts: int) -> str:
    """Store one send's outcome in its own transaction; returns "sent", "retried" or "failed"."""
    with unit_of_work():
        if error is None:
            row.status, row.sent_at = "sent", clock.now()
            return "sent"
        row.attempts = (row.attempts or 0) + 1
        row.last_error = (str(error) or type(error).__name__)[:ERROR_MAX]
        if row.attempts >= max_attempts:
            row.status = "failed"
            log.error("mail %s to %s failed after %s attempts: %s", row.id, row.to_address, row.attempts, error)
            return "failed"
        row.next_attempt_at = now + timedelta(minutes=2 ** row.attempts)
        log.warning("mail %s to %s failed (attempt %s), retrying at %s: %s", row.id, row.to_address,
                    row.attempts, row.next_attempt_at.isoformat(), error)
        return "retried"


UNCONFIGURED = "未配置邮件服务器（MAIL_SERVER 为空），邮件未发送；配置后可在“系统管理 › 邮件”重发"


def _mark_unconfigured(ids: list[int]) -> int:
    """No mail server: these due pending rows are marked `unconfigured` (not sent), in one statement."""
    with unit_of_work():
        marked = db.session.execute(
            update(EmailOutbox).where(EmailOutbox.id.in_(ids), EmailOutbox.status == "pending")
            .values(status="unconfigured", last_error=UNCONFIGURED)
            .execution_options(synchronize_session=False)).rowcount or 0
    if marked:
        log.warning("%s mail(s) not sent: MAIL_SERVER is not configured", marked)
    return marked


def deliver_outbox(limit: int = 100) -> dict[str, int]:
    """Send the pending mails that are due. Returns {"sent", "retried", "failed", "unconfigured"}
    for this run ("unconfigured": rows not sent because MAIL_SERVER is empty)."""
    config = current_app.config
    now = clock.now()
    counts = {"sent": 0, "retried": 0, "failed": 0, "unconfigured": 0}
    ids = list(db.session.scalars(
        select(EmailOutbox.id).where(EmailOutbox.status == "pending", EmailOutbox.next_attempt_at <= now)
        .order_by(EmailOutbox.next_attempt_at, EmailOutbox.id).limit(limit)))
    if not ids:
        return counts  # nothing due: no write transaction at all
    if not config.get("MAIL_SERVER"):
        counts["unconfigured"] = _mark_unconfigured(ids)
        return counts
    max_attempts = max(1, int(config.get("MAIL_MAX_ATTEMPTS", 5)))
    for row_id in ids:
        row = _lease(row_id, now)
        if row is None:
            continue
        error = None
        try:  # outside any transaction: SMTP may take seconds, the database is not held meanwhile
            _send_smtp(row, config)
        except Exception as exc:  # noqa: BLE001 — any failure is this row's, never the batch's
            error = exc
        counts[_record(row, error, now, max_attempts)] += 1
    return counts
