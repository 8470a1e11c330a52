"""a task records which passed deadline was reported (issue 15: every deadline bites)

Revision ID: 0014_missed_deadlines
Revises: 0013_audit_chains
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_missed_deadlines"
down_revision = "0013_audit_chains"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overdue_reported_for", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("overdue_reported_for")
