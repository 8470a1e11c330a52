"""Migration 0020_escalated_from (issue 18): a record an escalation created names the warning it
came from (`case.escalated_from_id`); records escalated before it get the warning from their
`escalated_from` link, others stay empty; it downgrades and upgrades again."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.config import TestConfig
from app.core.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
CASE = ("INSERT INTO \"case\" (id, number, process_key, title, subject_type, subject_department_id, "
        "recording_department_id, facts, record_status, punishment_level, created_at, updated_at) VALUES "
        "(:id, :number, :process, 'T', 'department', 1, 1, '', 'in_review', 'normal', '2026-09-14 01:00:00', "
        "'2026-09-14 01:00:00')")


def _columns(engine) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns("case")}


def test_escalated_records_get_their_warning_and_the_migration_goes_down_and_up(tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'migrate.db'}"
        UPLOAD_DIR = str(tmp_path / "uploads")

    other = create_app(Config)
    with other.app_context():
        upgrade(directory=MIGRATIONS, revision="0019_record_remedies")
        assert "escalated_from_id" not in _columns(db.engine)
        with db.engine.begin() as conn:  # foreign keys are not enforced here
            for id_, number, process in ((1, "YJ-2026-000001", "warning_rectification"),
                                         (2, "ZX-2026-000001", "dishonesty_record"),
                                         (3, "ZX-2026-000002", "dishonesty_record")):
                conn.execute(sa.text(CASE), {"id": id_, "number": number, "process": process})
            conn.execute(sa.text(
                "INSERT INTO case_link (case_id, linked_case_id, relation, created_at) VALUES "
                "(1, 2, 'escalated_to', '2026-09-14 01:00:00'), (2, 1, 'escalated_from', '2026-09-14 01:00:00')"))
        upgrade(directory=MIGRATIONS, revision="0020_escalated_from")
        with db.engine.connect() as conn:
            rows = dict(conn.execute(sa.text('SELECT id, escalated_from_id FROM "case" ORDER BY id')).all())
        assert rows == {1: None, 2: 1, 3: None}
        downgrade(directory=MIGRATIONS, revision="0019_record_remedies")
        assert "escalated_from_id" not in _columns(db.engine)
        upgrade(directory=MIGRATIONS)
        assert "escalated_from_id" in _columns(db.engine)
        db.session.remove()
