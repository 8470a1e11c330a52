"""calendar years carry a revision: workers cache a year's schedule until it changes

Revision ID: 0007_calendar_revision
Revises: 0006_inbox_indexes
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_calendar_revision"
down_revision = "0006_inbox_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calendar_year") as batch:
        batch.add_column(sa.Column("revision", sa.String(32), nullable=False, server_default="initial"))


def downgrade():
    with op.batch_alter_table("calendar_year") as batch:
        batch.drop_column("revision")
