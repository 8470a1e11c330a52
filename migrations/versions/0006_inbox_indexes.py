"""partial indexes for the available inbox (unclaimed open tasks in deadline order)

Revision ID: 0006_inbox_indexes
Revises: 0005_document_rendering
"""
from alembic import op
import sqlalchemy as sa

import app.core.db_types  # noqa: F401  (custom column types)

revision = "0006_inbox_indexes"
down_revision = "0005_document_rendering"
branch_labels = None
depends_on = None

ORDER = [sa.text("(due_at IS NULL)"), "due_at", "id"]
UNCLAIMED = sa.text("claimed_by_id IS NULL")
INDEXES = {
    "ix_human_task_available": [],
    "ix_human_task_unit_available": ["department_id"],
    "ix_human_task_district_available": ["district_id"],
}


def upgrade():
    for name, scope in INDEXES.items():
        op.create_index(name, "human_task", ["status", "role", *scope, *ORDER],
                        sqlite_where=UNCLAIMED, postgresql_where=UNCLAIMED)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="human_task")
