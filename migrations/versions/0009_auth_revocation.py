"""revocable sessions and tokens, atomic login throttling (issue 12)

Revision ID: 0009_auth_revocation
Revises: 0008_case_listing_indexes
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0009_auth_revocation"
down_revision = "0008_case_listing_indexes"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
