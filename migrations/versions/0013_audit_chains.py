"""hash-chained case timelines and an administrative audit log (issue 15)

Revision ID: 0013_audit_chains
Revises: 0012_incidents
"""
from alembic import op
import sqlalchemy as sa

from app.core import hashchain

revision = "0013_audit_chains"
down_revision = "0012_incidents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "chain_head",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_chain_head")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("summary", sa.String(length=400), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_audit_event_actor_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_timelines()


def _chain_existing_timelines():
    """Chain the events recorded before this revision, case by case in id order."""
    from datetime import timezone

    bind = op.get_bind()
    event = sa.table("timeline_event", sa.column("id"), sa.column("case_id"), sa.column("at", sa.DateTime()),
                     sa.column("actor_id"), sa.column("kind"), sa.column("summary"), sa.column("data", sa.JSON()),
                     sa.column("hash"))
    head = sa.table("chain_head", sa.column("name"), sa.column("hash"))
    heads: dict[int, str] = {}
    rows = bind.execute(sa.select(event.c.id, event.c.case_id, event.c.at, event.c.actor_id, event.c.kind,
                                  event.c.summary, event.c.data).order_by(event.c.case_id, event.c.id)).all()
    for row in rows:
        content = {"case": row.case_id, "at": row.at.replace(tzinfo=timezone.utc), "actor": row.actor_id,
                   "kind": row.kind, "summary": row.summary, "data": row.data}
        heads[row.case_id] = hashchain.link(heads.get(row.case_id, hashchain.GENESIS), content)
        bind.execute(event.update().where(event.c.id == row.id).values(hash=heads[row.case_id]))
    if heads:
        bind.execute(head.insert(), [{"name": f"case:{case_id}", "hash": h} for case_id, h in heads.items()])


def downgrade():
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_column("hash")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
    op.drop_table("audit_event")
    op.drop_table("chain_head")
