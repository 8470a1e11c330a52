"""publication: the masking rules version that masked the stored public view (issue 19)

Revision ID: 0022_publication_masking_version
Revises: 0021_joint_sanctions
"""
from alembic import op
import sqlalchemy as sa

revision = "0022_publication_masking_version"
down_revision = "0021_joint_sanctions"
branch_labels = None
depends_on = None


def upgrade():
    # Rows stored before stay NULL: the tick masks them again with the rules in force.
    with op.batch_alter_table("publication") as batch:
        batch.add_column(sa.Column("masking_version_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_publication_masking_version_id_decision_version"), "decision_version",
                                 ["masking_version_id"], ["id"])


def downgrade():
    with op.batch_alter_table("publication") as batch:
        batch.drop_constraint(batch.f("fk_publication_masking_version_id_decision_version"), type_="foreignkey")
        batch.drop_column("masking_version_id")
