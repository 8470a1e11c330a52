"""each attachment records the step it came with (issue 12)

Revision ID: 0010_attachment_step
Revises: 0009_auth_revocation
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0010_attachment_step"
down_revision = "0009_auth_revocation"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
