"""notifications and mail (issue 20): a user's mail preference and digest progress; outbox rows
know their user, kind (single notification or daily digest) and digest day, and a status for
mail not sent for want of a server; notifications by task; an incident's error code

Revision ID: 0020_notifications_mail
Revises: 0019_record_remedies
"""
from alembic import op
import sqlalchemy as sa

revision = "0020_notifications_mail"
down_revision = "0019_record_remedies"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("mail_preference", sa.String(length=10), nullable=False, server_default="email"))
        batch.add_column(sa.Column("digest_through", sa.Date(), nullable=True))
    # Not reflecting the tables the outbox's keys lead to (notification → human_task, whose
    # expression indexes SQLite cannot reflect and would warn about).
    with op.batch_alter_table("email_outbox", reflect_kwargs={"resolve_fks": False}) as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="notification"))
        batch.add_column(sa.Column("digest_day", sa.Date(), nullable=True))
        batch.alter_column("status", existing_type=sa.String(length=10), type_=sa.String(length=20),
                           existing_nullable=False)
        batch.create_foreign_key(batch.f("fk_email_outbox_user_id_user"), "user", ["user_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_index(batch.f("ix_email_outbox_user_id"), ["user_id"], unique=False)
        batch.create_unique_constraint("uq_email_outbox_digest", ["user_id", "digest_day"])
    # Rows queued before: their user is the notification's.
    op.execute("UPDATE email_outbox SET user_id = (SELECT notification.user_id FROM notification "
               "WHERE notification.id = email_outbox.notification_id)")
    op.create_index("ix_notification_task", "notification", ["task_id"], unique=False)
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("error_code", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("error_code")
    op.drop_index("ix_notification_task", table_name="notification")
    op.execute("DELETE FROM email_outbox WHERE kind = 'digest'")
    op.execute("UPDATE email_outbox SET status = 'failed' WHERE status = 'unconfigured'")
    with op.batch_alter_table("email_outbox", reflect_kwargs={"resolve_fks": False}) as batch:
        batch.drop_constraint("uq_email_outbox_digest", type_="unique")
        batch.drop_index(batch.f("ix_email_outbox_user_id"))
        batch.drop_constraint(batch.f("fk_email_outbox_user_id_user"), type_="foreignkey")
        batch.alter_column("status", existing_type=sa.String(length=20), type_=sa.String(length=10),
                           existing_nullable=False)
        batch.drop_column("digest_day")
        batch.drop_column("kind")
        batch.drop_column("user_id")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("digest_through")
        batch.drop_column("mail_preference")
