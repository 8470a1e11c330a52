"""Appending to hash chains and verifying them. Appends run inside the caller's unit of work."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core import hashchain
from app.audit.models import AuditEvent, ChainHead
from app.core.clock import clock
from app.core.extensions import db
from app.org.models import User

AUDIT_CHAIN = "audit"
_HEADS = "chengxin.chain_heads"


@event.listens_for(Session, "after_transaction_end")
def _forget_heads(session, transaction):
    if transaction.parent is None:  # the outermost transaction ended: its row locks are gone
        session.info.pop(_HEADS, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_heads(session, previous_transaction):
    # A savepoint rolled back (a failed retry, a dry run): the hashes appended inside it are gone
    # with their rows, so the heads are read again from the database (still locked by this
    # transaction) — never chained onto a record that no longer exists.
    session.info.pop(_HEADS, None)


def case_chain(case_id: int) -> str:
    return f"case:{case_id}"


def append(chain: str, content: Mapping[str, Any]) -> str:
    """The hash of a record appended to `chain` now; moves the chain's head. The head row is
    read once per transaction with SELECT … FOR UPDATE (writers of one chain take turns) and
    written back at the flush."""
    session = db.session()
    heads = session.info.setdefault(_HEADS, {})  # chain → [head row, current hash]
    if chain not in heads:
        row = session.get(ChainHead, chain, with_for_update=True, populate_existing=True)
        if row is None:
            row = ChainHead(name=chain, hash=hashchain.GENESIS)
            session.add(row)
        heads[chain] = [row, row.hash]
    entry = heads[chain]
    entry[1] = hashchain.link(entry[1], content)
    entry[0].hash = entry[1]
    return entry[1]


def record(actor: User | None, action: str, summary: str, data: dict | None = None) -> AuditEvent:
    """Add an administrative action to the audit log (in the caller's transaction).
    `action`: a dotted code such as "user.created", "calendar.day_set", "process.deployed"."""
    entry = AuditEvent(at=clock.now(), actor_id=actor.id if actor else None, action=action,
                       summary=summary[:400], data=data or {})
    entry.hash = append(AUDIT_CHAIN, entry.content())
    db.session.add(entry)
    return entry


def head(chain: str) -> str | None:
    row = db.session.get(ChainHead, chain)
    return row.hash if row else None


def verify_audit() -> hashchain.Break | None:
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(500)
    return hashchain.verify(((r.id, r.hash, r.content()) for r in rows), head(AUDIT_CHAIN))
