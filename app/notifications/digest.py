"""The daily digest (issue 20): a user who chose "digest" gets one mail a day listing the day's
notifications (Asia/Shanghai day, 00:00–24:00), queued in the mail outbox by `tick` once the day
is over and `MAIL_DIGEST_HOUR` (local hour, default 7) of the next day has come.

At most one digest per user and day, however many tickers run: a user's days are claimed by one
conditional UPDATE of `user.digest_through` (the last day covered), and the outbox's unique
(user_id, digest_day) refuses a second row anyway. A day without notifications sends nothing. A
ticker that did not run for a while catches up at most `CATCH_UP_DAYS` days."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.core.clock import LOCAL_TZ, clock, local_day_start
from app.core.errors import Busy, Conflict
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.notifications.models import NOTIFICATION_KINDS, EmailOutbox, Notification
from app.notifications.service import link_path, locale_of, site_path
from app.org.models import User

CATCH_UP_DAYS = 7
TITLE_MAX = 200


def last_digest_day() -> date:
    """The latest local day whose digest is due now: yesterday once MAIL_DIGEST_HOUR has come,
    else the day before."""
    now = clock.now().astimezone(LOCAL_TZ)
    hour = int(current_app.config.get("MAIL_DIGEST_HOUR", 7))
    return now.date() - timedelta(days=1 if now.hour >= hour else 2)


def _body(user: User, day: date, notes: list[Notification]) -> tuple[str, str]:
    """(subject, body) of one digest, in the user's language."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    with force_locale(locale_of(user)):
        subject = _("每日通知汇总：%(day)s（%(n)s 条）", day=day.isoformat(), n=len(notes))[:TITLE_MAX]
        lines = [_("%(name)s，您好：%(day)s 共有 %(n)s 条通知。", name=user.full_name, day=day.isoformat(), n=len(notes)), ""]
        for number, note in enumerate(notes, start=1):
            kind = NOTIFICATION_KINDS.get(note.kind)
            at = note.created_at.astimezone(LOCAL_TZ).strftime("%H:%M")
            lines.append(f"{number}. [{_(kind) if kind else note.kind}] {at} {note.title}")
            path = link_path(note.case_id, note.task_id)
            if path:
                lines.append("   " + base + path)
        lines += ["", _("在系统中查看全部通知：%(link)s", link=base + site_path("notifications.index")),
                  _("更改通知方式：%(link)s", link=base + site_path("notifications.settings"))]
    return subject, "\n".join(lines)


def _queue_for(user_id: int, through: date) -> int:
    """Claim the user's days up to `through` and queue one digest per day with notifications.
    Returns the mails queued; 0 when another ticker claimed the days first."""
    try:
        with unit_of_work():
            user = db.session.get(User, user_id, populate_existing=True)
            if user is None or user.mail_preference != "digest" or not user.email:
                return 0
            before = user.digest_through
            if before is not None and before >= through:
                return 0
            first = max(before + timedelta(days=1) if before else through, through - timedelta(days=CATCH_UP_DAYS - 1))
            claimed = db.session.execute(
                update(User).where(User.id == user.id, User.digest_through.is_(None) if before is None
                                   else User.digest_through == before)
                .values(digest_through=through).execution_options(synchronize_session=False)).rowcount
            if not claimed:
                return 0
            by_day: dict[date, list[Notification]] = defaultdict(list)
            for note in db.session.scalars(select(Notification).where(
                    Notification.user_id == user.id, Notification.created_at >= local_day_start(first),
                    Notification.created_at < local_day_start(through + timedelta(days=1)))
                    .order_by(Notification.created_at, Notification.id)):
                by_day[note.created_at.astimezone(LOCAL_TZ).date()].append(note)
            now = clock.now()
            for day, notes in sorted(by_day.items()):
                subject, body = _body(user, day, notes)
                db.session.add(EmailOutbox(user_id=user.id, kind="digest", digest_day=day, to_address=user.email,
                                           subject=subject, body=body, status="pending", attempts=0,
                                           next_attempt_at=now, created_at=now))
            return len(by_day)
    except (Conflict, Busy):
        return 0  # another ticker queued it (the unique digest day) or the database stayed busy


def queue_digests() -> int:
    """Queue the daily digests that are due (see the module). Returns how many mails were queued."""
    through = last_digest_day()
    user_ids = list(db.session.scalars(select(User.id).where(
        User.active.is_(True), User.mail_preference == "digest", User.email.is_not(None), User.email != "",
        or_(User.digest_through.is_(None), User.digest_through < through)).order_by(User.id)))
    db.session.rollback()  # end the read: each user's digest is its own transaction
    return sum(_queue_for(user_id, through) for user_id in user_ids)
