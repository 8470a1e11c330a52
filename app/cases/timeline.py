"""A case's timeline: appending to it (the actor of system steps — timers, scripts — is None), and
reading it as people do (issue 14): what people did, decided, noted and issued first, each with the
engine steps that followed it (gateways, scripts, timers, status changes) folded under it. Each
case's timeline is a hash chain (app.core.hashchain): every event's hash covers the previous one, so an
edited, removed or inserted row is found by `verify_timeline` (issue 15)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.core import hashchain
from app.audit.service import append, case_chain, head
from app.cases.models import MESSAGE_KEY, Case, TimelineEvent
from app.core.clock import clock
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_, Message

# The kinds a reader filters by (`?kind=`), in the order the filter offers them.
CATEGORIES = {
    "human": N_("人工办理"),
    "decision": N_("决定"),
    "note": N_("批注"),
    "document": N_("文书"),
    "system": N_("系统步骤"),
}
_CATEGORY_OF = {
    "case.registered": "human", "task.completed": "human", "task.claimed": "human", "task.released": "human",
    "task.reassigned": "human", "attachment.added": "human",
    # what operators did to the case (incidents, suspension, cancellation, a move to another
    # version, a calendar correction): people's acts, shown and reported as such
    "case.suspended": "human", "case.resumed": "human", "case.cancelled": "human",
    "incident.retried": "human", "incident.retry_failed": "human", "incident.skipped": "human",
    "incident.migrated": "human", "process.migrated": "human",
    "decision.recorded": "decision",
    "note.added": "note",
    "document.issued": "document", "document.corrected": "document",
}
# What an official document may tell of the process: people's steps and the documents issued
# (decisions are printed in their own section; notes are internal, engine steps noise).
REPORTED = ("human", "document")
# A person's timeline entries that record no step of the case (taking a task up or putting it
# down), left out of the printed file and the case report.
BOOKKEEPING_KINDS = frozenset({"task.claimed", "task.released"})


def record_event(case: Case, kind: str, summary: str | Message, data: dict | None = None, actor_id: int | None = None) -> None:
    """Append an event to the case's timeline. `summary`: a Message (app.core.i18n.sentence), kept
    with the event and read in each reader's language (`TimelineEvent.text`), its Chinese form
    stored as the summary; plain text is read as written."""
    data = dict(data or {})
    if isinstance(summary, Message):
        data[MESSAGE_KEY] = summary.as_json()
        summary = summary.source()
    event = TimelineEvent(case_id=case.id, at=clock.now(), actor_id=actor_id, kind=kind, summary=summary[:400],
                          data=data)
    event.hash = append(case_chain(case.id), event.content())
    db.session.add(event)


def verify_timeline(case_id: int, events: list[TimelineEvent] | None = None) -> hashchain.Break | None:
    """The first break in a case's timeline chain, or None when every event verifies. `events`:
    the case's events in id order when the caller already has them (the case page)."""
    if events is None:
        events = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case_id)
                                    .order_by(TimelineEvent.id)).yield_per(500)
    return hashchain.verify(((e.id, e.hash, e.content()) for e in events), head(case_chain(case_id)))


def category(kind: str) -> str:
    """The reader's kind of an event kind: one of CATEGORIES; anything the engine did is "system"."""
    return _CATEGORY_OF.get(kind, "system")


def check_category(value: str | None) -> str | None:
    """A `kind` filter from a query string: None (all), or one of CATEGORIES; ValidationFailed (422,
    field `kind`) for anything else."""
    if value in (None, ""):
        return None
    if value not in CATEGORIES:
        message = _("kind 必须是 %(values)s 之一", values=" / ".join(CATEGORIES))
        raise ValidationFailed(_("筛选条件有误"), {"kind": [message]})
    return value


def heads_group(event: TimelineEvent) -> bool:
    """Whether an event is read first, with what followed it folded under it: what people did,
    decided or noted, every decision (the system's too) and documents a person issued. A document
    a script issued belongs to the step that led to it."""
    kind = category(event.kind)
    return kind in ("human", "decision", "note") or (kind == "document" and event.actor_id is not None)


@dataclass
class Group:
    """A person's step, decision, note or document, and the engine steps that followed it.
    `event` is None for engine steps before any such event."""

    event: TimelineEvent | None
    steps: list[TimelineEvent] = field(default_factory=list)

    @property
    def category(self) -> str:
        return category(self.event.kind) if self.event is not None else "system"


def grouped(events: list[TimelineEvent], kind: str | None = None) -> list[Group]:
    """`events` (oldest first) as groups, oldest first: each event that `heads_group` heads one
    holding the events after it. With `kind`, only the events of that category, one group each."""
    if kind is not None:
        return [Group(e) for e in events if category(e.kind) == kind]
    groups: list[Group] = []
    for e in events:
        if heads_group(e):
            groups.append(Group(e))
        elif groups:
            groups[-1].steps.append(e)
        else:
            groups.append(Group(None, [e]))
    return groups


def view(events: list[TimelineEvent], kind: str | None = None) -> dict:
    """What the timeline template (cases/_timeline.html) reads: the events, their groups, the
    filter chosen and the filters offered."""
    return {"timeline": events, "groups": grouped(events, kind), "kind": kind, "categories": CATEGORIES}


def reported(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """The events an official document (the case report) lists: people's steps and documents,
    without claims and releases."""
    return [e for e in events if category(e.kind) in REPORTED and e.kind not in BOOKKEEPING_KINDS]


def action_text(event: TimelineEvent, translated: bool = False) -> str:
    """An event's summary without the actor's name it starts with ("李娜 办理：录入审核" →
    "办理：录入审核"), for tables that show the actor in a column of its own: in Chinese as stored
    (official documents), or in the reader's language when `translated`."""
    text = event.text if translated else event.summary
    name = event.actor.full_name if event.actor else None
    if name and text.startswith(name + " "):
        return text[len(name) + 1:]
    return text
