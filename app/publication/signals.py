"""Signals of the publication domain (issue 19): other packages (the sharing feed) listen; publication
never imports them.

Each is sent with sender=None and keyword arguments:
    event:          "publish" | "update" | "withdraw"
    case_id:        int, the dishonesty record's case id
    publication_id: int, the publication register row
    record:         dict, the public view of the record exactly as the portal shows it, already masked
                    (keys: number, subject_name, subject_type, title, source_type, source_document_number,
                    key_area, tier, facts, recording_unit, decided_on (ISO date), start (ISO date),
                    planned_end (ISO date), actual_end (ISO date or None), end_reason (None or
                    "expiry" | "repair" | "revocation" | "deletion"))
    occurred_at:    datetime (UTC, aware) from app.core.clock
Receivers run inside the caller's unit of work (same transaction): they must only add rows.
"""
from blinker import Namespace

_signals = Namespace()

publication_changed = _signals.signal("publication-changed")
