"""sharing feed to the credit platforms: the outbox of publish / update / withdraw events (issue 19)

Revision ID: 0017_sharing
Revises: 0016_publication
"""
from alembic import op
import sqlalchemy as sa

from app.core.db_types import UTCDateTime

revision = "0017_sharing"
down_revision = "0016_publication"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sharing_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("endpoint", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_http_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "endpoint", name="uq_sharing_event_endpoint"),
        sa.UniqueConstraint("case_id", "endpoint", "sequence", name="uq_sharing_case_sequence"),
    )
    op.create_index("ix_sharing_event_event_id", "sharing_event", ["event_id"])
    op.create_index("ix_sharing_due", "sharing_event", ["status", "next_attempt_at"])


def downgrade():
    op.drop_index("ix_sharing_due", table_name="sharing_event")
    op.drop_index("ix_sharing_event_event_id", table_name="sharing_event")
    op.drop_table("sharing_event")
