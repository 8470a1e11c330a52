"""incidents: a failed step blocks its case as an open incident (issue 15)

Instances an older version marked `error` become `blocked`, each with an open incident carrying
its stored error, so they appear on the incidents page and can be retried, skipped or moved.

Revision ID: 0012_incidents
Revises: 0011_decisions_notes
"""
from alembic import op
import sqlalchemy as sa

from app.core.db_types import UTCDateTime

revision = "0012_incidents"
down_revision = "0011_decisions_notes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=100), nullable=True),
        sa.Column("element_name", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("first_failed_at", UTCDateTime(), nullable=False),
        sa.Column("last_failed_at", UTCDateTime(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_incident_case_id_case")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_incident_instance_id_process_instance")),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["user.id"], name=op.f("fk_incident_resolved_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    op.create_index(op.f("ix_incident_case_id"), "incident", ["case_id"])
    op.create_index(op.f("ix_incident_instance_id"), "incident", ["instance_id"])
    op.create_index("ix_incident_listing", "incident", ["status", "last_failed_at"])
    op.create_index("uq_incident_open_instance", "incident", ["instance_id"], unique=True,
                    sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    # Upgrade of an old database: every instance marked `error` becomes blocked with an open incident.
    op.execute(
        "INSERT INTO incident (case_id, instance_id, error, first_failed_at, last_failed_at, failure_count, status) "
        "SELECT c.id, i.id, COALESCE(i.error, ''), i.updated_at, i.updated_at, 1, 'open' "
        "FROM process_instance i JOIN \"case\" c ON c.instance_id = i.id WHERE i.status = 'error'")
    op.execute("UPDATE process_instance SET status = 'blocked' WHERE status = 'error'")


def downgrade():
    op.execute("UPDATE process_instance SET status = 'error' WHERE status = 'blocked'")
    op.drop_index("uq_incident_open_instance", table_name="incident")
    op.drop_index("ix_incident_listing", table_name="incident")
    op.drop_index(op.f("ix_incident_instance_id"), table_name="incident")
    op.drop_index(op.f("ix_incident_case_id"), table_name="incident")
    op.drop_table("incident")
