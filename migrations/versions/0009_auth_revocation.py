"""revocable sessions and tokens, atomic login throttling (issue 12)

* user.auth_version: every web session and API token carries the version it was issued under;
  a new password or a change of `active` bumps it (revokes them all);
* web_session: one row per browser login (logout deletes it; a replayed cookie is worthless);
* api_token.version, and an index on expires_at for removing expired ones;
* login_throttle replaces login_failure: one counter per (address, user name) and per address,
  counted atomically.

Tokens issued before this release are deleted (they may belong to a password reset since), and
session cookies of before carry no web session: everyone signs in once more.

Revision ID: 0009_auth_revocation
Revises: 0008_case_listing_indexes
"""
from alembic import op
import sqlalchemy as sa

import app.core.db_types

revision = "0009_auth_revocation"
down_revision = "0008_case_listing_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("auth_version", sa.Integer(), nullable=False, server_default="0"))
    op.execute("DELETE FROM api_token")
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_api_token_expires_at", ["expires_at"])
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", app.core.db_types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", app.core.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name="fk_web_session_user_id_user", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_web_session"),
        sa.UniqueConstraint("token_hash", name="uq_web_session_token_hash"),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])
    op.create_index("ix_web_session_expires_at", "web_session", ["expires_at"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=140), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", app.core.db_types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
    )
    op.create_index("ix_login_throttle_window_start", "login_throttle", ["window_start"])
    op.drop_index("ix_login_failure_at", table_name="login_failure")
    op.drop_index("ix_login_failure_username", table_name="login_failure")
    op.drop_table("login_failure")


def downgrade():
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("at", app.core.db_types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failure"),
    )
    op.create_index("ix_login_failure_username", "login_failure", ["username"])
    op.create_index("ix_login_failure_at", "login_failure", ["at"])
    op.drop_index("ix_login_throttle_window_start", table_name="login_throttle")
    op.drop_table("login_throttle")
    op.drop_index("ix_web_session_expires_at", table_name="web_session")
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.drop_index("ix_api_token_expires_at")
        batch_op.drop_column("version")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("auth_version")
