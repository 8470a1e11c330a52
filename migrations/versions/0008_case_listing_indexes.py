"""indexes for a unit's case list, newest first (subject unit; recording unit)

Revision ID: 0008_case_listing_indexes
Revises: 0007_calendar_revision
"""
from alembic import op

revision = "0008_case_listing_indexes"
down_revision = "0007_calendar_revision"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_case_subject_listing", "case", ["subject_department_id", "created_at", "id"])
    op.create_index("ix_case_recording_listing", "case", ["recording_department_id", "created_at", "id"])
    op.drop_index("ix_case_subject_department_id", table_name="case")  # the first column of the new one


def downgrade():
    op.create_index("ix_case_subject_department_id", "case", ["subject_department_id"])
    op.drop_index("ix_case_recording_listing", table_name="case")
    op.drop_index("ix_case_subject_listing", table_name="case")
