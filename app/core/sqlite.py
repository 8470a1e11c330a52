"""SQLite, the embedded default, set up for several processes at once (gunicorn workers, the
ticker, the CLI) on one database file:

* WAL journal: readers never block the writer nor the writer the readers, and a commit writes
  (and syncs) one log instead of rewriting a rollback journal;
* a busy timeout: a writer waits for the one ahead of it instead of failing at once;
* a user action's transaction (`unit_of_work`) starts with ``BEGIN IMMEDIATE``. SQLite allows one writer: a transaction that
  began as a reader and wants to write after another process committed cannot wait its turn — it
  fails (``SQLITE_BUSY_SNAPSHOT``), which users would see as a false "someone else changed this".
  `unit_of_work` therefore ends the request's read-only transaction and starts its own with the
  write lock taken up front; its reads then see the latest data and its writes cannot be refused.

PostgreSQL needs none of this (row locks and MVCC); `configure` leaves other databases alone."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=False)
_WROTE = "chengxin.wrote"


def configure(engine: Engine, *, synchronous: str = "FULL", busy_timeout_ms: int = 10_000) -> None:
    if engine.dialect.name != "sqlite":
        return
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # Otherwise the driver's own rule stands: reads run on their own, and it opens a
        # (deferred) transaction before the first write.
        if _immediate.get():
            conn.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(Session, "after_flush")
def _mark_written(session, _flush_context):
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _clear_written(session, transaction):
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def has_written(session: Session) -> bool:
    """Whether the session's transaction holds changes (flushed or not)."""
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


@contextmanager
def write_transaction(session: Session):
    """Run the block in a transaction that holds SQLite's write lock from its first statement.
    A read-only transaction already open (authentication, a permission check) is ended first —
    without expiring what it loaded. On other databases, or with changes already pending, the
    block runs in the current transaction unchanged."""
    if session.get_bind().dialect.name != "sqlite" or _immediate.get():
        yield
        return
    if session.in_transaction():
        if has_written(session):
            yield
            return
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()  # ends a read: nothing to write, nothing expired
        finally:
            session.expire_on_commit = expire
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)
