"""The embedded SQLite database is shared by several processes: it runs in WAL mode and a user
action takes the write lock with its first statement. PostgreSQL is left as it is."""
from sqlalchemy import event, select, text

from app.core.extensions import db
from app.org.models import User
from app.core.transaction import unit_of_work


def _statements_of_a_user_action() -> list[str]:
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    db.session.scalar(select(User).where(User.username == "reviewer"))  # a read before, as auth does
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with unit_of_work():
            user = db.session.scalar(select(User).where(User.username == "reviewer"))
            user.locale = "en"
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    user.locale = "zh_CN"
    db.session.commit()
    return seen


def test_sqlite_uses_wal_and_user_actions_begin_immediate_postgresql_unchanged(app):
    with app.app_context():
        seen = _statements_of_a_user_action()
        assert seen[-1].startswith("UPDATE")
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert seen[0] == "BEGIN IMMEDIATE", seen  # before the action's first read
        else:
            assert db.engine.dialect.name == "postgresql"
            assert not any(s.startswith("BEGIN") for s in seen), seen
        db.session.remove()
