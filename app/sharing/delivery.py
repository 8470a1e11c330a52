"""Pushing the outbox to the credit platforms over HTTP, from `tick` (app/scheduler.py) or the
Celery worker — never inside a user's request.

Each due row is **claimed** in a transaction of its own (`SELECT … FOR UPDATE SKIP LOCKED` on
PostgreSQL; SQLite's `BEGIN IMMEDIATE` write lock serialises the claims), re-checked and set to
`sending` with a lease; the POST runs outside any transaction; its outcome is recorded in a third.
So several tickers at once send each row once. A ticker that dies between the POST and the record
leaves the row `sending`; when the lease has run out it is sent again with the same event id, which
the platform's idempotency turns into a duplicate (409, counted as acknowledged).

Outcomes (docs/sharing.md): 2xx or 409 → acknowledged; 408, 425, 429, 5xx, a refused or broken
connection, a timeout → retried after `SHARING_RETRY_BASE_SECONDS · 2^(attempt−1)` seconds, at most
`SHARING_RETRY_CAP_SECONDS`, until `SHARING_MAX_ATTEMPTS` attempts → failed; any other status
(400, 401, 403, 404, 422, a redirect…) → failed at once (a person must fix the data or the
configuration, then resend). A case's events go out in order: a row waits until every earlier row
of its case for the same endpoint is acknowledged, while other cases go on."""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from app.core.clock import clock
from app.core.errors import Busy, Conflict
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.sharing.endpoints import Endpoint, configured
from app.sharing.models import SharingEvent

log = logging.getLogger("chengxin.sharing")

LEASE = timedelta(minutes=5)  # a row being sent is hidden from other tickers this long
EXCERPT = 500  # characters of a refusing platform's answer kept in last_error
RETRYABLE = {408, 425, 429}
USER_AGENT = "chengxin-sharing/1"


@dataclass(frozen=True)
class Claimed:
    """What one send needs, taken while the row was claimed (no ORM object crosses transactions)."""

    id: int
    endpoint: str
    event_id: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    result: str  # "acknowledged" | "retry" | "failed"
    http_status: int | None
    error: str | None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as what it is (a 3xx refusal): urllib would otherwise turn the POST
    into a GET of the new address and take its 200 for an acknowledgement."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _earlier_unacknowledged():
    """SQL: an earlier event of the same case for the same endpoint is not acknowledged yet."""
    earlier = aliased(SharingEvent)
    return exists().where(earlier.case_id == SharingEvent.case_id, earlier.endpoint == SharingEvent.endpoint,
                          earlier.sequence < SharingEvent.sequence, earlier.status != "acknowledged")


def _due(now: datetime):
    """SQL: a row a ticker may claim now: pending and due, or `sending` with its lease run out."""
    return and_(or_(and_(SharingEvent.status == "pending", SharingEvent.next_attempt_at <= now),
                    and_(SharingEvent.status == "sending", SharingEvent.lease_until <= now)),
                ~_earlier_unacknowledged())


def due_ids(now: datetime, limit: int) -> list[int]:
    return list(db.session.scalars(select(SharingEvent.id).where(_due(now))
                                   .order_by(SharingEvent.next_attempt_at, SharingEvent.id).limit(limit)))


def _claim(row_id: int) -> Claimed | None:
    """Take the row for this ticker: None when another ticker has it (locked, or no longer due),
    or the database stayed busy."""
    try:
        with unit_of_work():
            now = clock.now()
            row = db.session.scalar(select(SharingEvent).where(SharingEvent.id == row_id, _due(now))
                                    .with_for_update(skip_locked=True, of=SharingEvent)
                                    .execution_options(populate_existing=True))
            if row is None:
                return None
            row.status, row.lease_until = "sending", now + LEASE
            body = json.dumps(row.body(), ensure_ascii=False, sort_keys=True).encode("utf-8")
            return Claimed(row.id, row.endpoint, row.event_id, body)
    except (Conflict, Busy):
        return None


def _post(claimed: Claimed, endpoint: Endpoint | None, timeout: float) -> Outcome:
    """One HTTP POST of the event (outside any transaction)."""
    if endpoint is None:
        return Outcome("failed", None, f"端点 {claimed.endpoint} 未配置（SHARING_ENDPOINTS）")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": claimed.event_id,
               "User-Agent": USER_AGENT, "Accept": "application/json"}
    if endpoint.token:
        headers["Authorization"] = f"Bearer {endpoint.token}"
    request = urllib.request.Request(endpoint.url, data=claimed.body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(EXCERPT)
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        try:
            text = exc.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
        except OSError:
            text = ""
        error = f"HTTP {status}: {text}".strip()
        if status == 409:  # the platform has this event id already: a duplicate is an acknowledgement
            return Outcome("acknowledged", status, None)
        if status in RETRYABLE or status >= 500:
            return Outcome("retry", status, error)
        return Outcome("failed", status, error)
    except (urllib.error.URLError, OSError, ValueError) as exc:  # refused, reset, timeout, bad TLS, bad URL
        reason = getattr(exc, "reason", None) or exc
        return Outcome("retry", None, f"{type(exc).__name__}: {reason}"[:EXCERPT])
    if 200 <= status < 300:
        return Outcome("acknowledged", status, None)
    return Outcome("failed", status, f"HTTP {status}")  # a 1xx/3xx that urllib handed back


def backoff(attempts: int, config) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1, 2, …): base · 2^(attempts−1) seconds,
    at most the cap."""
    base = float(config.get("SHARING_RETRY_BASE_SECONDS", 60))
    cap = float(config.get("SHARING_RETRY_CAP_SECONDS", 6 * 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _record(claimed: Claimed, outcome: Outcome, config) -> str:
    """Store one attempt's outcome; returns "acknowledged", "retried" or "failed"."""
    with unit_of_work():
        row = db.session.scalar(select(SharingEvent).where(SharingEvent.id == claimed.id)
                                .with_for_update().execution_options(populate_existing=True))
        now = clock.now()
        row.attempts = (row.attempts or 0) + 1
        row.lease_until = None
        row.last_http_status = outcome.http_status
        if outcome.result == "acknowledged":
            row.status, row.acknowledged_at = "acknowledged", now
            log.info("sharing event %s (%s) acknowledged by %s", row.event_id, row.kind, row.endpoint)
            return "acknowledged"
        row.last_error = outcome.error
        if outcome.result == "retry" and row.attempts < max(1, int(config.get("SHARING_MAX_ATTEMPTS", 10))):
            row.status, row.next_attempt_at = "pending", now + backoff(row.attempts, config)
            log.warning("sharing event %s to %s failed (attempt %s), retrying at %s: %s", row.event_id, row.endpoint,
                        row.attempts, row.next_attempt_at.isoformat(), outcome.error)
            return "retried"
        row.status = "failed"
        log.error("sharing event %s to %s failed after %s attempts: %s", row.event_id, row.endpoint, row.attempts,
                  outcome.error)
        return "failed"


def deliver_due(limit: int = 100) -> dict[str, int]:
    """Send the due rows of the outbox. Returns {"acknowledged", "retried", "failed"} of this run.
    Rounds go on while something was acknowledged (a case's next event becomes due once the one
    before it is acknowledged), at most 10 rounds of `limit` rows. Safe on several processes."""
    config = current_app.config
    endpoints = configured(config)
    timeout = float(config.get("SHARING_TIMEOUT_SECONDS", 10))
    counts = {"acknowledged": 0, "retried": 0, "failed": 0}
    for _round in range(10):
        ids = due_ids(clock.now(), limit)
        db.session.rollback()  # end the read: claims take their own transactions
        acknowledged = 0
        for row_id in ids:
            claimed = _claim(row_id)
            if claimed is None:
                continue
            outcome = _post(claimed, endpoints.get(claimed.endpoint), timeout)
            try:
                result = _record(claimed, outcome, config)
            except (Conflict, Busy):
                continue  # the lease runs out and the row is sent again with the same event id
            counts[result] += 1
            acknowledged += result == "acknowledged"
        if not acknowledged:
            break
    return counts
