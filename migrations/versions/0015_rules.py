"""rules as data: DMN decision definitions and their versions with effective dates (issue 17)

Revision ID: 0015_rules
Revises: 0014_missed_deadlines
"""
from alembic import op
import sqlalchemy as sa

from app.core.db_types import UTCDateTime

revision = "0015_rules"
down_revision = "0014_missed_deadlines"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "decision_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "decision_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("publish_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["definition_id"], ["decision_definition.id"]),
        sa.ForeignKeyConstraint(["published_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("definition_id", "version"),
    )
    with op.batch_alter_table("decision_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_version_definition_id"), ["definition_id"], unique=False)


def downgrade():
    with op.batch_alter_table("decision_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_version_definition_id"))
    op.drop_table("decision_version")
    op.drop_table("decision_definition")
