"""One transaction per user action: services run their work inside `unit_of_work()`."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.core.errors import Busy, Conflict, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_
from app.core.sqlite import write_transaction

CONCURRENT_CHANGE = N_("该案件刚刚被其他人更新，本次操作未保存，请刷新后重试")
BUSY = N_("系统繁忙，本次操作未保存，请稍后重试")
VALUE_TOO_LONG = N_("有一项内容超过了可保存的长度，未保存任何内容；请缩短后重试")
_AFTER_COMMIT = "chengxin.after_commit"
_STRING_TOO_LONG = "22001"  # PostgreSQL string_data_right_truncation (SQLite stores any length)


def too_long(exc: DataError) -> ValidationFailed | None:
    """The safety net behind every input's own length check: a database "value too long for type
    character varying(n)" as a 422 `validation_failed` (fields.body), nothing saved; None for
    another DataError. The database does not say which field, so the input checks come first."""
    if getattr(exc.orig, "sqlstate", None) != _STRING_TOO_LONG:  # psycopg 3
        return None
    message = _(VALUE_TOO_LONG)
    return ValidationFailed(message, {"body": [message]})


def after_commit(callback: Callable[[], object]) -> None:
    """Run `callback` (no arguments) once the current unit of work has committed, outside its
    transaction — never if it rolls back. For slow work that must not hold the write lock (a PDF
    render); the callback handles its own failures, the committed work stands either way."""
    db.session().info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_rollback")
def _forget_after_commit(session):
    # Work rolled back (a failed step, a process test's sandbox) must not leave callbacks behind.
    session.info.pop(_AFTER_COMMIT, None)


@contextmanager
def unit_of_work():
    """Commit the block's work as one transaction, or nothing of it. Objects keep their committed
    values after the commit (the response is built from them without reloading each one)."""
    session = db.session()
    try:
        with write_transaction(session):
            yield
            expire, session.expire_on_commit = session.expire_on_commit, False
            try:
                session.commit()
            finally:
                session.expire_on_commit = expire
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        if isinstance(exc, IntegrityError) and "unique" not in str(exc.orig).lower():
            raise
        raise Conflict(_(CONCURRENT_CHANGE)) from exc
    except DataError as exc:
        db.session.rollback()
        refusal = too_long(exc)
        if refusal is None:
            raise
        raise refusal from exc
    except OperationalError as exc:
        db.session.rollback()
        reason = str(exc.orig).lower()
        if "deadlock" in reason:  # PostgreSQL chose this transaction to give way to another
            raise Conflict(_(CONCURRENT_CHANGE)) from exc
        if "locked" in reason:  # SQLite: another writer held the database past the busy timeout
            raise Busy(_(BUSY)) from exc
        raise
    except BaseException:
        db.session.rollback()
        raise
    finally:
        callbacks = session.info.pop(_AFTER_COMMIT, [])
    for callback in callbacks:
        callback()


def insert_if_missing(model, **values) -> None:
    """INSERT a row unless one with the same unique key exists (INSERT … ON CONFLICT DO NOTHING on
    PostgreSQL and SQLite): the first row of a counter that two writers may create at the same
    moment — the loser finds the winner's row instead of a unique violation reported as a
    conflict. Call it before the UPDATE … RETURNING or SELECT … FOR UPDATE that takes the row."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())
