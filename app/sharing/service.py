"""The sharing feed to the credit platforms (issue 19; policy 沪府发〔2017〕92号 §二(一)1–2: records
are shared with 全国信用信息共享平台 and disclosed through 信用中国 and 上海诚信网).

- `queue_event` — the receiver of `app.publication.signals.publication_changed`: one outbox row per
  configured endpoint, added in the caller's transaction (it commits or rolls back with the
  publication step);
- `app.sharing.delivery.deliver_due` — pushes them (tick / Celery);
- the reconciliation for admins: `list_events`, `counts`, and resending (`resend`, `resend_failed`,
  `resend_event`), each audited.

Admins only: the page shows what went to external platforms and their error answers, and a
resend is an operation on the integration, not a decision on a case (reviewers see the case
itself on the case page). Other users: 403."""
from __future__ import annotations

import uuid
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from app.audit import service as audit
from app.cases.models import Case
from app.core.clock import clock
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.pagination import Total, count_capped
from app.core.transaction import unit_of_work
from app.org.models import User
from app.sharing.endpoints import configured
from app.sharing.models import KINDS, PLATFORMS, STATUSES, SharingEvent

RESENDABLE = ("pending", "failed")
AUDIT_IDS_MAX = 50  # row ids named in one audit entry


def queue_event(sender=None, *, event: str, case_id: int, publication_id: int, record: dict,
                occurred_at: datetime, **_ignored) -> list[SharingEvent]:
    """Receiver of `publication_changed`: add one pending row per configured endpoint for this event,
    all with one new event id (UUID4) and the case's next sequence number. Runs in the caller's
    transaction and only adds rows. ValueError for an unknown `event` or a naive `occurred_at` (a
    broken contract: the publication step fails rather than share something undefined)."""
    if event not in KINDS:
        raise ValueError(f"publication_changed: unknown event {event!r}")
    if occurred_at.tzinfo is None:
        raise ValueError("publication_changed: occurred_at must be timezone-aware (UTC)")
    endpoints = configured(current_app.config)
    if not endpoints:
        return []
    sequence = (db.session.scalar(select(func.max(SharingEvent.sequence)).where(SharingEvent.case_id == case_id)) or 0) + 1
    event_id, now = str(uuid.uuid4()), clock.now()
    rows = [SharingEvent(event_id=event_id, kind=event, case_id=case_id, publication_id=publication_id,
                         sequence=sequence, payload=dict(record), occurred_at=occurred_at, endpoint=name,
                         status="pending", attempts=0, next_attempt_at=now, created_at=now)
            for name in endpoints]
    db.session.add_all(rows)
    return rows


# --- reconciliation --------------------------------------------------------------------------

def check_admin(user: User) -> None:
    if not user.has_role("admin"):
        raise Forbidden(_("只有管理员可以查看和重发信用共享事件"))


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("参数有误"), {field: [message]})


def clean_event_id(value) -> str:
    """A UUID as text (lower case, hyphenated); ValidationFailed naming `event_id` otherwise."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except (ValueError, AttributeError):
        raise _bad("event_id", _("事件编号不是有效的 UUID")) from None


def _filtered(status: str | None, endpoint: str | None, kind: str | None, q: str | None):
    for name, value, allowed in (("status", status, STATUSES), ("endpoint", endpoint, PLATFORMS), ("kind", kind, KINDS)):
        if value and value not in allowed:
            raise _bad(name, _("%(name)s 必须是 %(values)s 之一", name=name, values=" / ".join(allowed)))
    query = select(SharingEvent)
    if status:
        query = query.where(SharingEvent.status == status)
    if endpoint:
        query = query.where(SharingEvent.endpoint == endpoint)
    if kind:
        query = query.where(SharingEvent.kind == kind)
    q = (q or "").strip()
    if q:
        try:
            query = query.where(SharingEvent.event_id == str(uuid.UUID(q)))
        except ValueError:
            query = query.where(SharingEvent.case_id.in_(select(Case.id).where(Case.number.contains(q[:50], autoescape=True))))
    return query


def list_events(user: User, *, status: str | None = None, endpoint: str | None = None, kind: str | None = None,
                q: str | None = None, page: int = 1, per_page: int = 20) -> tuple[list[SharingEvent], Total]:
    """One page of outbox rows, newest first. Filters: `status` (pending / sending / acknowledged /
    failed), `endpoint` (a PLATFORMS key), `kind` (publish / update / withdraw), `q` (an event id,
    or part of a case number). ValidationFailed (422) naming a bad filter; Forbidden unless admin.
    Each row gets `waiting_for`: the sequence of the earlier event of its case still unacknowledged
    at that endpoint (None when it is not held back)."""
    check_admin(user)
    query = _filtered(status, endpoint, kind, q)
    total = count_capped(query, page, per_page)
    items = list(db.session.scalars(query.options(joinedload(SharingEvent.case))
                                    .order_by(SharingEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)))
    earlier = aliased(SharingEvent)
    for row in items:
        row.waiting_for = None
        if row.status in ("pending", "failed"):
            row.waiting_for = db.session.scalar(
                select(func.min(earlier.sequence)).where(earlier.case_id == row.case_id, earlier.endpoint == row.endpoint,
                                                         earlier.sequence < row.sequence,
                                                         earlier.status != "acknowledged"))
    return items, total


def counts(user: User) -> dict[str, dict[str, int]]:
    """{endpoint: {status: rows}} for every platform (configured or with rows) and every status,
    and "all" summed over the endpoints."""
    check_admin(user)
    names = list(configured(current_app.config))
    table: dict[str, dict[str, int]] = {}
    for endpoint, status, n in db.session.execute(select(SharingEvent.endpoint, SharingEvent.status, func.count())
                                                  .group_by(SharingEvent.endpoint, SharingEvent.status)):
        table.setdefault(endpoint, dict.fromkeys(STATUSES, 0))[status] = n
    for name in names:
        table.setdefault(name, dict.fromkeys(STATUSES, 0))
    ordered = {name: table[name] for name in PLATFORMS if name in table}
    ordered["all"] = {status: sum(row[status] for row in ordered.values()) for status in STATUSES}
    return ordered


def _requeue(rows: list[SharingEvent]) -> None:
    now = clock.now()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at, row.lease_until = "pending", 0, now, None


def resend(user: User | None, row_id: int) -> SharingEvent:
    """Queue one row again for the next tick (status pending, attempts from 0, due now; the same
    event id). Only a pending or failed row: NotFound (404) for no such row, Conflict (409) for one
    being sent or acknowledged. Audited (`sharing.resent`). `user` None: the CLI."""
    if user is not None:
        check_admin(user)
    with unit_of_work():
        row = db.session.scalar(select(SharingEvent).where(SharingEvent.id == row_id).with_for_update()
                                .execution_options(populate_existing=True))
        if row is None:
            raise NotFound(_("共享事件不存在"))
        if row.status not in RESENDABLE:
            raise Conflict(_("该事件%(status)s，不能重发", status=_(STATUSES[row.status])))
        _requeue([row])
        audit.record(user, "sharing.resent", f"重发信用共享事件 {row.event_id}（{row.kind}，{row.endpoint}）",
                     {"rows": [row.id], "event_id": row.event_id})
    return row


def resend_failed(user: User | None, endpoint: str | None = None) -> list[SharingEvent]:
    """Queue every failed row (of one endpoint, or all) again; returns them. One audit entry."""
    if user is not None:
        check_admin(user)
    if endpoint and endpoint not in PLATFORMS:
        raise _bad("endpoint", _("%(name)s 必须是 %(values)s 之一", name="endpoint", values=" / ".join(PLATFORMS)))
    with unit_of_work():
        query = select(SharingEvent).where(SharingEvent.status == "failed")
        if endpoint:
            query = query.where(SharingEvent.endpoint == endpoint)
        rows = list(db.session.scalars(query.order_by(SharingEvent.id).with_for_update()))
        if rows:
            _requeue(rows)
            audit.record(user, "sharing.resent", f"重发全部失败的信用共享事件（{len(rows)} 条）",
                         {"rows": [r.id for r in rows[:AUDIT_IDS_MAX]], "count": len(rows)})
    return rows


def resend_event(user: User | None, event_id: str) -> list[SharingEvent]:
    """Queue the rows of one event (every endpoint) that are pending or failed; acknowledged ones
    are left alone (sending one again could land after a later event the platform already has).
    NotFound when no row has this event id; ValidationFailed when it is not a UUID."""
    if user is not None:
        check_admin(user)
    event_id = clean_event_id(event_id)
    with unit_of_work():
        rows = list(db.session.scalars(select(SharingEvent).where(SharingEvent.event_id == event_id)
                                       .order_by(SharingEvent.id).with_for_update()))
        if not rows:
            raise NotFound(_("共享事件不存在"))
        chosen = [r for r in rows if r.status in RESENDABLE]
        if chosen:
            _requeue(chosen)
            audit.record(user, "sharing.resent", f"重发信用共享事件 {event_id}（{len(chosen)} 个端点）",
                         {"rows": [r.id for r in chosen], "event_id": event_id})
    return chosen
