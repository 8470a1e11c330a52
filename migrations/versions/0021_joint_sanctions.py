"""joint rewards and punishments (issue 19): the measures of a joint-sanctions case at each
implementing unit, a task's own item, honours restrictions of civil servants and their lifting

Revision ID: 0021_joint_sanctions
Revises: 0020_escalated_from
"""
from alembic import op
import sqlalchemy as sa

from app.core.db_types import UTCDateTime

revision = "0021_joint_sanctions"
down_revision = "0020_escalated_from"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sanction_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("record_case_id", sa.Integer(), nullable=True),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("restriction", sa.String(length=20), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer_note", sa.Text(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("lift_reason", sa.String(length=20), nullable=True),
        sa.Column("lift_requested_on", sa.Date(), nullable=True),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("lift_note", sa.Text(), nullable=True),
        sa.Column("lifted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_sanction_measure_case_id_case")),
        sa.ForeignKeyConstraint(["record_case_id"], ["case.id"], name=op.f("fk_sanction_measure_record_case_id_case")),
        sa.ForeignKeyConstraint(["unit_id"], ["department.id"], name=op.f("fk_sanction_measure_unit_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanction_measure")),
        sa.UniqueConstraint("case_id", "measure", "unit_id", name=op.f("uq_sanction_measure_case_id")),
    )
    op.create_index("ix_sanction_measure_case_id", "sanction_measure", ["case_id"])
    op.create_index("ix_sanction_measure_record_case_id", "sanction_measure", ["record_case_id"])
    op.create_index("ix_sanction_measure_unit_id", "sanction_measure", ["unit_id"])
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("item", sa.String(length=100), nullable=True))
    with op.batch_alter_table("honours_restriction") as batch:
        batch.add_column(sa.Column("civil_servant_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sanction_measure_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("lifted_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("lift_reason", sa.String(length=200), nullable=True))
        batch.create_foreign_key(op.f("fk_honours_restriction_civil_servant_id_civil_servant"), "civil_servant", ["civil_servant_id"], ["id"])
        batch.create_foreign_key(op.f("fk_honours_restriction_sanction_measure_id_sanction_measure"), "sanction_measure",
                                 ["sanction_measure_id"], ["id"])
        batch.create_index("ix_honours_restriction_civil_servant_id", ["civil_servant_id"])
        batch.create_index("ix_honours_restriction_sanction_measure_id", ["sanction_measure_id"])


def downgrade():
    with op.batch_alter_table("honours_restriction") as batch:
        batch.drop_index("ix_honours_restriction_sanction_measure_id")
        batch.drop_index("ix_honours_restriction_civil_servant_id")
        batch.drop_constraint("fk_honours_restriction_sanction_measure_id_sanction_measure", type_="foreignkey")
        batch.drop_constraint("fk_honours_restriction_civil_servant_id_civil_servant", type_="foreignkey")
        batch.drop_column("lift_reason")
        batch.drop_column("lifted_on")
        batch.drop_column("sanction_measure_id")
        batch.drop_column("civil_servant_id")
    with op.batch_alter_table("human_task") as batch:
        batch.drop_column("item")
    op.drop_index("ix_sanction_measure_unit_id", table_name="sanction_measure")
    op.drop_index("ix_sanction_measure_record_case_id", table_name="sanction_measure")
    op.drop_index("ix_sanction_measure_case_id", table_name="sanction_measure")
    op.drop_table("sanction_measure")
