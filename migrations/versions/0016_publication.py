"""publication register: each publication of a record with its scope, period, end and public view (issue 19)

Revision ID: 0016_publication
Revises: 0015_rules
"""
from alembic import op
import sqlalchemy as sa

from app.core.db_types import UTCDateTime

revision = "0016_publication"
down_revision = "0015_rules"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("planned_end", sa.Date(), nullable=False),
        sa.Column("actual_end", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("subject_name", sa.String(length=300), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("key_area", sa.String(length=40), nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_publication_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication")),
    )
    with op.batch_alter_table("publication") as batch_op:
        batch_op.create_index(batch_op.f("ix_publication_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publication_key_area"), ["key_area"], unique=False)
        batch_op.create_index("ix_publication_current", ["actual_end", "planned_end", "start"], unique=False)


def downgrade():
    op.drop_table("publication")
