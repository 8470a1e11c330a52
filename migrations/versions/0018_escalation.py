"""escalation consequences: honours eligibility withdrawn for a period (issue 18)

Revision ID: 0018_escalation
Revises: 0017_sharing
"""
from alembic import op
import sqlalchemy as sa

from app.core.db_types import UTCDateTime

revision = "0018_escalation"
down_revision = "0017_sharing"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "honours_restriction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source_case_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["source_case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_honours_restriction_unit_period", "honours_restriction",
                    ["department_id", "starts_on", "ends_on"])
    op.create_index("ix_honours_restriction_source_case_id", "honours_restriction", ["source_case_id"])


def downgrade():
    op.drop_index("ix_honours_restriction_source_case_id", table_name="honours_restriction")
    op.drop_index("ix_honours_restriction_unit_period", table_name="honours_restriction")
    op.drop_table("honours_restriction")
