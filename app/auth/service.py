"""Sign-in, web sessions and bearer tokens, login throttling, revocation. Every write is one
`unit_of_work`.

Credentials. A web session or an API token is a random secret of which only the SHA-256 is kept
(app/auth/models.py). It is valid while unexpired and while it carries its user's current
`auth_version`. A new password and any change of `active` bump that version: every credential
issued before stops working — also one being issued by a sign-in that checked the old password a
moment earlier, because the sign-in stamps the version it read together with the password hash —
and reactivating a user revives none. Rows that can no longer be valid are deleted as well.

Throttling. Before a password is checked, one attempt is reserved, atomically and in its own short
transaction, against two counters: this user name from this address (LOGIN_MAX_FAILURES) and this
address across all user names (LOGIN_MAX_FAILURES_PER_ADDRESS); an IPv6 address counts as its /64.
Parallel guesses therefore check at most the limit of passwords, and a stranger at another address
cannot lock a user out. A
successful sign-in gives its reservation back. Unknown and inactive users cost the same password
check and get the same answer as a wrong password (no user enumeration by answer or by time)."""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import ApiToken, Credential, LoginThrottle, WebSession
from app.auth.passwords import password_problems, personal_words
from app.core.clock import clock
from app.core.errors import AuthError, DomainError, Throttled, ValidationFailed
from app.core.extensions import db
from app.core.rate_limits import client_network
from app.org.models import User
from app.core.transaction import unit_of_work

_PRUNE_BATCH = 100  # expired throttle rows removed per attempt: bounded work, the table stays small


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _storable(text: str) -> str:
    """`text` as every database accepts it: lone surrogates and NUL replaced."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


@functools.cache
def _dummy_hash() -> str:
    """A hash made the way `User.set_password` makes one (same method and cost), of a password
    nobody knows: checking against it costs what checking a real user's password costs."""
    return generate_password_hash(secrets.token_urlsafe(24))


# ---------------------------------------------------------------- throttling

def _throttle_keys(username: str, remote_addr: str | None) -> list[tuple[str, int]]:
    cfg, addr = current_app.config, client_network(remote_addr)
    return [(f"addr {addr}", cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
            (f"user {addr} {username[:60]}", cfg["LOGIN_MAX_FAILURES"])]


def _upsert(model):
    """INSERT … ON CONFLICT for the database in use (SQLite and PostgreSQL spell it alike)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def _reserve_attempt(keys: list[tuple[str, int]]) -> None:
    """Count one attempt against each (key, limit), or raise Throttled and count nothing.
    One statement per key decides and counts: concurrent attempts cannot both take the last one."""
    now = clock.now()
    window = timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    started_before = now - window
    expired = LoginThrottle.window_start < started_before
    with unit_of_work():
        # SKIP LOCKED: pruning never waits for, nor deadlocks with, an attempt counting on a row.
        stale = (select(LoginThrottle.key).where(expired).limit(_PRUNE_BATCH)
                 .with_for_update(skip_locked=True).scalar_subquery())
        db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(stale)),
                           execution_options={"synchronize_session": False})
        for key, limit in keys:
            counted = db.session.execute(
                _upsert(LoginThrottle).values(key=key, failures=1, window_start=now)
                .on_conflict_do_update(
                    index_elements=[LoginThrottle.key],
                    set_={"failures": case((expired, 1), else_=LoginThrottle.failures + 1),
                          "window_start": case((expired, now), else_=LoginThrottle.window_start)},
                    where=or_(expired, LoginThrottle.failures < limit))
                .returning(LoginThrottle.failures)).first()
            if counted is None:
                raise Throttled(_("登录失败次数过多，请 %(n)s 分钟后再试", n=int(window.total_seconds() // 60)),
                                retry_after_seconds=int(window.total_seconds()))


def _give_back(keys: list[tuple[str, int]]) -> None:
    """A successful sign-in: this user name's failures from this address are forgotten and the
    address gets its attempt back. Runs inside the caller's unit of work."""
    (addr_key, _limit), (user_key, _limit) = keys
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == user_key),
                       execution_options={"synchronize_session": False})
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key == addr_key, LoginThrottle.failures > 0)
                       .values(failures=LoginThrottle.failures - 1),
                       execution_options={"synchronize_session": False})


def _checked_user(username: str, password: str, keys: list[tuple[str, int]]) -> User:
    """The active user with this password, after reserving the attempt. Raises Throttled, or
    AuthError with one message for an unknown user, an inactive one and a wrong password."""
    _reserve_attempt(keys)
    user = db.session.scalar(select(User).where(User.username == username))
    password = _storable(password)
    if user is None:
        check_password_hash(_dummy_hash(), password)
    elif user.check_password(password) and user.active:
        return user
    raise AuthError(_("用户名或密码错误"))


# ---------------------------------------------------------------- credentials

def _new_credential(model: type[Credential], user: User) -> str:
    """Add a credential for `user` stamped with the auth version read with its password hash;
    expired ones of every user go. Runs inside the caller's unit of work. Returns the secret."""
    now = model.now()
    db.session.execute(delete(model).where(model.expires_at <= now), execution_options={"synchronize_session": False})
    secret = secrets.token_urlsafe(32)
    hours = current_app.config[model.LIFETIME_SETTING]
    db.session.add(model(user_id=user.id, token_hash=_digest(secret), version=user.auth_version,
                         created_at=now, expires_at=now + timedelta(hours=hours)))
    return secret


def _sign_in(model: type[Credential], username: str, password: str, remote_addr: str | None) -> tuple[User, str]:
    username = _storable(username)
    keys = _throttle_keys(username, remote_addr)
    user = _checked_user(username, password, keys)
    with unit_of_work():
        _give_back(keys)
        secret = _new_credential(model, user)
    return user, secret


def log_in(username: str, password: str, remote_addr: str | None) -> tuple[User, str]:
    """Web sign-in: (user, session secret for the signed cookie). Raises AuthError or Throttled."""
    return _sign_in(WebSession, username, password, remote_addr)


def request_token(username: str, password: str, remote_addr: str | None) -> str:
    """API sign-in: a bearer token valid API_TOKEN_HOURS. Raises AuthError or Throttled."""
    return _sign_in(ApiToken, username, password, remote_addr)[1]


def token_lifetime_seconds() -> int:
    """How long a new API token stays valid, in seconds (API_TOKEN_HOURS)."""
    return int(current_app.config[ApiToken.LIFETIME_SETTING]) * 3600


def issue_token(user: User) -> str:
    """A bearer token for a user already known (no password check): for tools and tests."""
    with unit_of_work():
        return _new_credential(ApiToken, user)


def _end(model: type[Credential], secret: str) -> None:
    with unit_of_work():
        db.session.execute(delete(model).where(model.token_hash == _digest(secret)),
                           execution_options={"synchronize_session": False})


def log_out(session_secret: str) -> None:
    """End this web session (other browsers of the same user stay logged in)."""
    _end(WebSession, session_secret)


def revoke_token(token: str) -> None:
    """End this bearer token (other tokens of the same user stay valid)."""
    _end(ApiToken, token)


def revoke_credentials(user: User, keep_session: str | None = None) -> None:
    """Revoke every web session and token of `user`, except the web session `keep_session` (the
    browser changing its own password). Runs inside the caller's unit of work."""
    version = db.session.execute(update(User).where(User.id == user.id)
                                 .values(auth_version=User.auth_version + 1).returning(User.auth_version)).scalar_one()
    keep = _digest(keep_session) if keep_session else ""
    for model in (ApiToken, WebSession):
        db.session.execute(delete(model).where(model.user_id == user.id, model.token_hash != keep),
                           execution_options={"synchronize_session": False})
    if keep:
        db.session.execute(update(WebSession).where(WebSession.token_hash == keep).values(version=version),
                           execution_options={"synchronize_session": False})


def _user_by(model: type[Credential]):
    # Built once: every request runs it, and building a statement with eager loading costs more
    # than running it.
    return (select(User).join(model, model.user_id == User.id).options(joinedload(User.role_rows))
            .where(model.token_hash == bindparam("token_hash"), model.expires_at > bindparam("now"),
                   model.version == User.auth_version, User.active.is_(True)))


_TOKEN_USER = _user_by(ApiToken)
_SESSION_USER = _user_by(WebSession).where(User.id == bindparam("user_id"))


def user_for_token(token: str) -> User | None:
    """The active user a valid bearer token belongs to, with their roles: one query."""
    return db.session.scalars(_TOKEN_USER, {"token_hash": _digest(token), "now": ApiToken.now()}).unique().first()


def user_for_session(user_id: str, session_secret: str | None) -> User | None:
    """The active user of a valid web session (`user_id` as Flask-Login keeps it), with roles."""
    if not session_secret or not user_id.isascii() or not user_id.isdigit():
        return None
    return db.session.scalars(_SESSION_USER, {"token_hash": _digest(session_secret), "now": WebSession.now(),
                                              "user_id": int(user_id)}).unique().first()


# ---------------------------------------------------------------- the user's own account

def change_password(user: User, session_secret: str, *, current: str, new: str, confirm: str,
                    remote_addr: str | None) -> None:
    """The signed-in user chooses a new password. The current one is checked (and throttled like
    a sign-in); every other web session and every token of the user is revoked, this session stays.
    Raises ValidationFailed with fields current/new/confirm (or Throttled under `current`)."""
    errors = {"new": password_problems(new, user.username, personal_words(user.full_name, user.department))}
    if new != confirm:
        errors["confirm"] = [_("两次输入的新密码不一致")]
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationFailed(_("表单填写有误，请按提示修改"), errors)
    keys = _throttle_keys(user.username, remote_addr)
    try:
        _checked_user(user.username, current, keys)
    except AuthError:
        raise ValidationFailed(_("当前密码不正确"), {"current": [_("当前密码不正确")]}) from None
    except DomainError as exc:
        raise ValidationFailed(exc.message, {"current": [exc.message]}) from None
    with unit_of_work():
        _give_back(keys)
        user.set_password(new)
        revoke_credentials(user, keep_session=session_secret)


def set_locale(user: User, locale: str) -> None:
    """Store the user's language choice (a code from LANGUAGES)."""
    with unit_of_work():
        user.locale = locale


def set_language(user: User, lang: str) -> None:
    """The user's language choice, checked: ValidationFailed naming `lang` unless it is one of
    the configured LANGUAGES."""
    languages = current_app.config["LANGUAGES"]
    if lang not in languages:
        message = _("语言应为以下之一：%(codes)s", codes="、".join(languages))
        raise ValidationFailed(message, {"lang": [message]})
    set_locale(user, lang)
