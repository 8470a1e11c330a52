"""Hash chains for append-only records (infrastructure: imports no domain).

Each record's hash covers its own content and the previous record's hash, so editing, removing
or reordering any record breaks every hash after it; the chain's head (the last hash) is kept
apart, so removing the last records is detected too. SHA-256 over canonical JSON."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

GENESIS = ""


def canonical(content: Mapping[str, Any]) -> str:
    """Canonical JSON of a record's content: sorted keys, no spaces, UTF-8 text; datetimes as
    ISO 8601 UTC with microseconds (what both SQLite and PostgreSQL store)."""
    def plain(value):
        if isinstance(value, datetime):
            return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
        raise TypeError(f"not JSON: {type(value).__name__}")

    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=plain)


def link(previous: str, content: Mapping[str, Any]) -> str:
    """The hash (64 hex chars) of a record whose predecessor's hash is `previous` (GENESIS first)."""
    return hashlib.sha256((previous + "\n" + canonical(content)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """Where a chain stops verifying: the position (0-based) and id of the first bad record,
    or position == len(records) with id None when the stored head does not match the last."""

    position: int
    record_id: int | None
    reason: str


def verify(records: Iterable[tuple[int, str | None, Mapping[str, Any]]], head: str | None) -> Break | None:
    """Check (id, stored hash, content) records in chain order against `head` (the stored hash
    of the last record; None when the chain keeps no head). Returns the first break or None."""
    previous, count = GENESIS, 0
    for record_id, stored, content in records:
        if stored != link(previous, content):
            return Break(count, record_id, "内容与校验值不符（记录被改动、删除或插入）")
        previous, count = stored, count + 1
    if head is not None and head != previous:
        return Break(count, None, "链尾与记录不符（末尾的记录被删除或追加）")
    return None
