"""The development clock (开发时钟): set or move the product clock for a whole development
installation — web app, `tick` and CLI alike — so a demo can walk a case through a year in an
afternoon (issue 15). Off in production (`DEV_CLOCK = False` there): every entry point answers
404 / refuses. The offset lives in `instance/dev-clock.json` (app.core.clock.OffsetFile); every change
is an administrative action in the audit log."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _

from app.audit import service as audit
from app.core.clock import LOCAL_TZ, DevelopmentClockStatus, clock
from app.core.errors import NotFound, ValidationFailed
from app.org.models import User
from app.core.transaction import after_commit, unit_of_work

MAX_OFFSET_DAYS = 3660  # ten years either way: enough for any publication period


def enabled() -> bool:
    return bool(current_app.config.get("DEV_CLOCK"))


def require_enabled() -> None:
    """Raises NotFound (with its Chinese message) when the development clock is off."""
    if not enabled():
        raise NotFound(_("开发时钟只在开发环境中可用"))


def status() -> DevelopmentClockStatus:
    return clock.development_status(enabled())


def _checked(offset: timedelta) -> timedelta:
    if abs(offset) > timedelta(days=MAX_OFFSET_DAYS):
        raise ValidationFailed(_("开发时钟最多只能与真实时间相差 %(n)s 天", n=MAX_OFFSET_DAYS),
                               {"when": [_("开发时钟最多只能与真实时间相差 %(n)s 天", n=MAX_OFFSET_DAYS)]})
    return offset


def set_time(actor: User | None, when: str) -> DevelopmentClockStatus:
    """Set product time to `when` (ISO date or date-time; no offset = Asia/Shanghai). Raises
    NotFound when the development clock is off, ValidationFailed naming `when`."""
    require_enabled()
    try:
        moment = datetime.fromisoformat((when or "").strip())
    except ValueError:
        raise ValidationFailed(_("请填写日期时间，例如 2027-03-01T09:00"),
                               {"when": [_("请填写日期时间，例如 2027-03-01T09:00")]}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    _checked(moment - datetime.now(timezone.utc))
    return _apply(actor, moment, f"将开发时钟设为 {moment.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}")


def advance(actor: User | None, days) -> DevelopmentClockStatus:
    """Move product time forward by `days` (1–3660 whole days). Raises as `set_time`, naming `days`."""
    require_enabled()
    try:
        n = int(str(days).strip())
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_OFFSET_DAYS:
        raise ValidationFailed(_("请填写 1–%(max)s 之间的天数", max=MAX_OFFSET_DAYS),
                               {"days": [_("请填写 1–%(max)s 之间的天数", max=MAX_OFFSET_DAYS)]})
    target = clock.now() + timedelta(days=n)
    _checked(target - datetime.now(timezone.utc))
    return _apply(actor, target, f"将开发时钟拨快 {n} 天")


def reset(actor: User | None) -> DevelopmentClockStatus:
    require_enabled()
    return _apply(actor, None, "开发时钟恢复为真实时间")


def _apply(actor: User | None, target: datetime | None, summary: str) -> DevelopmentClockStatus:
    """Audit the change, then move the clock once that is committed (target None: real time)."""
    with unit_of_work():
        audit.record(actor, "dev_clock.changed", summary,
                     {"from": clock.now().isoformat(), "to": (target or datetime.now(timezone.utc)).isoformat()})
        after_commit(clock.reset_development_time if target is None else lambda: clock.set_development_time(target))
    return status()
