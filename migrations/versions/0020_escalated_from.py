"""escalated records (issue 18): a record an escalation created names the warning it came from

Revision ID: 0020_escalated_from
Revises: 0019_record_remedies
"""
from alembic import op
import sqlalchemy as sa

revision = "0020_escalated_from"
down_revision = "0019_record_remedies"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("escalated_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_case_escalated_from_id_case"), "case", ["escalated_from_id"], ["id"])
    # Records escalated before this revision: their `escalated_from` link says which warning.
    op.execute(sa.text(
        'UPDATE "case" SET escalated_from_id = (SELECT link.linked_case_id FROM case_link AS link '
        "WHERE link.case_id = \"case\".id AND link.relation = 'escalated_from') "
        "WHERE EXISTS (SELECT 1 FROM case_link AS link WHERE link.case_id = \"case\".id "
        "AND link.relation = 'escalated_from')"))


def downgrade():
    with op.batch_alter_table("case") as batch:
        batch.drop_constraint(op.f("fk_case_escalated_from_id_case"), type_="foreignkey")
        batch.drop_column("escalated_from_id")
