"""saved filters (issue 20): a user's named searches of the inbox and the case list

Revision ID: 0020_saved_filters
Revises: 0019_record_remedies
"""
from alembic import op
import sqlalchemy as sa

from app.core.db_types import UTCDateTime

revision = "0020_saved_filters"
down_revision = "0019_record_remedies"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "page", "name"),
    )
    op.create_index("ix_saved_filter_user_id", "saved_filter", ["user_id"])


def downgrade():
    op.drop_index("ix_saved_filter_user_id", table_name="saved_filter")
    op.drop_table("saved_filter")
