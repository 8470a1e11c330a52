"""Authentication: web sessions and API tokens (revocable credentials), login throttling."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import clock
from app.core.db_types import UTCDateTime
from app.core.extensions import db


class Credential:
    """A sign-in a client holds as a random secret; only the secret's SHA-256 is stored. It is
    valid until `expires_at` and while `version` equals the user's `auth_version` (see
    app/auth/service.py: a password change or deactivation bumps that version)."""

    LIFETIME_SETTING: ClassVar[str]  # the config key giving its lifetime in hours

    @staticmethod
    def now() -> datetime:
        """The time its lifetime is measured in: the application clock (tests move it)."""
        return clock.now()

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ApiToken(Credential, db.Model):
    """A bearer token of the JSON API."""

    __tablename__ = "api_token"
    LIFETIME_SETTING = "API_TOKEN_HOURS"


class WebSession(Credential, db.Model):
    """One browser's login; the signed session cookie carries its secret. Logging out deletes it,
    so a copy of the cookie is worthless afterwards, and the user's other browsers stay logged in."""

    __tablename__ = "web_session"
    LIFETIME_SETTING = "SESSION_MAX_HOURS"

    @staticmethod
    def now() -> datetime:
        """Wall-clock time, like the cookie's own inactivity timeout (PERMANENT_SESSION_LIFETIME):
        moving the application clock (process tests, timers in tests) logs nobody out."""
        return datetime.now(timezone.utc)


class LoginThrottle(db.Model):
    """Sign-in attempts counted against one limit within a window of LOGIN_LOCK_MINUTES. `key` is
    ``addr <address>`` (every user name from one address; an IPv6 address as its /64) or
    ``user <address> <user name>``."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(140), primary_key=True)
    failures: Mapped[int]
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
