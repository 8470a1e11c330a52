"""Migration 0019_record_remedies (issue 18): the case gets the source decision's date and the
punishment level (default `normal` for every existing row); it downgrades and upgrades again."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.config import TestConfig
from app.core.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def _columns(engine) -> dict[str, dict]:
    return {c["name"]: c for c in sa.inspect(engine).get_columns("case")}


def test_the_test_database_has_the_new_columns(app, ctx):
    columns = _columns(db.engine)
    assert isinstance(columns["source_decided_on"]["type"], sa.Date) and columns["source_decided_on"]["nullable"]
    assert not columns["punishment_level"]["nullable"] and "normal" in str(columns["punishment_level"]["default"])


def test_existing_cases_get_normal_and_the_migration_goes_down_and_up(tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'migrate.db'}"
        UPLOAD_DIR = str(tmp_path / "uploads")

    other = create_app(Config)
    with other.app_context():
        upgrade(directory=MIGRATIONS, revision="0018_escalation")
        assert "punishment_level" not in _columns(db.engine)
        with db.engine.begin() as conn:  # a case row as 0015 knew it (foreign keys are not enforced here)
            conn.execute(sa.text(
                "INSERT INTO \"case\" (id, number, process_key, title, subject_type, subject_department_id, "
                "recording_department_id, facts, record_status, created_at, updated_at) VALUES "
                "(1, 'ZX-2026-000001', 'dishonesty_record', 'T', 'department', 1, 1, '', 'published', "
                "'2026-09-14 01:00:00', '2026-09-14 01:00:00')"))
        upgrade(directory=MIGRATIONS, revision="0019_record_remedies")
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT punishment_level, source_decided_on FROM \"case\" WHERE id = 1")).one()
        assert tuple(row) == ("normal", None)
        downgrade(directory=MIGRATIONS, revision="0018_escalation")
        assert {"punishment_level", "source_decided_on"}.isdisjoint(_columns(db.engine))
        upgrade(directory=MIGRATIONS)
        assert {"punishment_level", "source_decided_on"} <= set(_columns(db.engine))
        db.session.remove()
        db.engine.dispose()
