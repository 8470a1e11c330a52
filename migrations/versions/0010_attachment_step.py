"""each attachment records the step it came with (issue 12)

Revision ID: 0010_attachment_step
Revises: 0009_auth_revocation
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_attachment_step"
down_revision = "0009_auth_revocation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("step", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(op.f("fk_attachment_task_id_human_task"), "human_task", ["task_id"], ["id"])


def downgrade():
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_attachment_task_id_human_task"), type_="foreignkey")
        batch_op.drop_column("step")
        batch_op.drop_column("task_id")
