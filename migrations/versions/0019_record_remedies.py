"""record remedies (issue 18): the source decision's date and the punishment level a record carries

Revision ID: 0019_record_remedies
Revises: 0018_escalation
"""
from alembic import op
import sqlalchemy as sa

revision = "0019_record_remedies"
down_revision = "0018_escalation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("source_decided_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("punishment_level", sa.String(length=10), nullable=False, server_default="normal"))


def downgrade():
    with op.batch_alter_table("case") as batch:
        batch.drop_column("punishment_level")
        batch.drop_column("source_decided_on")
