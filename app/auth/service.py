"""Login and bearer tokens. Services own their transactions."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import joinedload

from app.auth.models import ApiToken, LoginFailure
from app.clock import clock
from app.errors import AuthError, Throttled
from app.extensions import db
from app.org.models import User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(username: str, password: str, remote_addr: str | None = None) -> User:
    """Check a password, with throttling after repeated failures. Raises AuthError/Throttled."""
    cfg = current_app.config
    window_start = clock.now() - timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    failures = db.session.scalar(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at >= window_start)
    )
    if failures >= cfg["LOGIN_MAX_FAILURES"]:
        raise Throttled(_("登录失败次数过多，请 %(n)s 分钟后再试", n=cfg["LOGIN_LOCK_MINUTES"]))
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        db.session.add(LoginFailure(username=username, remote_addr=remote_addr))
        db.session.commit()
        raise AuthError(_("用户名或密码错误"))
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    db.session.commit()
    return user


def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    hours = current_app.config["API_TOKEN_HOURS"]
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash(token), expires_at=clock.now() + timedelta(hours=hours)))
    db.session.commit()
    return token


# Built once: every API request runs it, and building a statement with eager loading costs more
# than running it.
_TOKEN_USER = (
    select(User).join(ApiToken, ApiToken.user_id == User.id).options(joinedload(User.role_rows))
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.expires_at > bindparam("now"),
           User.active.is_(True))
)


def user_for_token(token: str) -> User | None:
    """The active user an unexpired token belongs to, with their roles: one query."""
    return db.session.scalars(_TOKEN_USER, {"token_hash": _hash(token), "now": clock.now()}).unique().first()
