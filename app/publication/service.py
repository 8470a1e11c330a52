"""The publication register (公开登记) and what the public sees.

A publication opens when the process sets a record's publication period (the BPMN script `publish`
calls `set_publication`), changes when a published record's public fields change (a correction),
and ends — expiry, repair, revocation or deletion — when the process or an operator ends it. Each
change stores the public view of the record (masked, within the publication's scope) on the row and
sends `app.publication.signals.publication_changed` (publish / update / withdraw) in the caller's
transaction. The portal reads only current rows: one that ended disappears with the commit that
ended it.

The stored view is masked by the masking rules in force when it was stored. When another version of
`masking_rules` comes into force (published today, or on its effective day), `follow_masking_rules`
(run by the tick) masks every open publication again and announces "update" where the feed's view
changed; until then the portal and the public API mask such a row again as they read it, and text
searches skip it, so the public never sees a view masked by rules no longer in force.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from app.cases.models import Case, TimelineEvent
from app.cases.timeline import record_event
from app.core.clock import clock
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_
from app.core.pagination import Total, count_capped
from app.core.transaction import unit_of_work
from app.publication import masking
from app.publication.models import END_REASONS, Publication
from app.publication.signals import publication_changed

# The fields of a record that are public (审慎确定公开范围, 沪府发〔2017〕92号 §二(一)1): who, what,
# under which decision, in which area and tier, by whom, when. Not the evidence, the decisions'
# reasons, the people handling it or internal notes. Stored with each publication as its scope.
PUBLIC_FIELDS = ("number", "subject_name", "subject_type", "title", "source_type", "source_document_number",
                 "key_area", "tier", "facts", "recording_unit", "decided_on")
PUBLIC_FIELD_LABELS = {
    "number": N_("记录编号"), "subject_name": N_("信用主体"), "subject_type": N_("主体类型"), "title": N_("失信行为"),
    "source_type": N_("信息来源"), "source_document_number": N_("来源文书号"), "key_area": N_("重点领域"),
    "tier": N_("失信程度"), "facts": N_("失信行为事实"), "recording_unit": N_("记录单位"), "decided_on": N_("来源文书作出日期"),
}
# The keys of a public record (the signal's contract): the scoped fields and the period.
RECORD_KEYS = PUBLIC_FIELDS + ("start", "planned_end", "actual_end", "end_reason")
# The fields of the public view that go through the masking rules (the subject as a civil
# servant's name; see public_record): what a statement about the masking of a publication covers.
MASKED_FIELDS = ("civil_servant_name", "title", "facts", "source_document_number")
SEARCH_MAX_CHARS = 100
REMASK_BATCH = 200  # open publications masked again per tick


REGISTER_ROLES = ("reviewer", "supervisor", "admin")  # who reads the publication register (web and API)

def current(case: Case) -> Publication | None:
    """The case's open publication (not ended), or None."""
    return db.session.scalar(select(Publication).where(Publication.case_id == case.id, Publication.actual_end.is_(None))
                             .order_by(Publication.id.desc()).limit(1))


def for_case(case: Case) -> list[Publication]:
    """Every publication of the case, oldest first (the register rows the case page shows)."""
    return list(db.session.scalars(select(Publication).where(Publication.case_id == case.id).order_by(Publication.id)))


def _decided_on(case: Case) -> str | None:
    """The source decision's date as registered (the start form's `decided_on`), ISO, or None."""
    event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                          TimelineEvent.kind == "case.registered").limit(1))
    value = ((event.data or {}).get("data") or {}).get("decided_on") if event is not None else None
    return str(value)[:10] if value else None


def public_record(case: Case, publication: Publication, *, channel: str = "portal") -> dict:
    """The public view of a published record: RECORD_KEYS, fields outside the publication's scope
    None, every text masked by `masking_rules` for `channel` as in force today; dates ISO strings."""
    return _view(case, publication, masking.masker(channel, names=masking.case_names(case)))


def _view(case: Case, publication: Publication, m: masking.Masker) -> dict:
    """public_record with the masking `m` (its channel, table version and the case's names)."""
    values = {
        "number": case.number, "subject_name": masking.subject_name(case, m), "subject_type": case.subject_type,
        "title": m.text("title", case.title), "source_type": case.source_type,
        "source_document_number": m.text("source_document_number", case.document_number),
        "key_area": case.key_area, "tier": case.tier, "facts": m.text("facts", case.facts),
        "recording_unit": case.recording_department.name,
        "decided_on": publication.record.get("decided_on") if publication.record else _decided_on(case),
    }
    scope = set(publication.scope or PUBLIC_FIELDS)
    record = {key: (values[key] if key in scope else None) for key in PUBLIC_FIELDS}
    record.update(start=publication.start.isoformat(), planned_end=publication.planned_end.isoformat(),
                  actual_end=publication.actual_end.isoformat() if publication.actual_end else None,
                  end_reason=publication.end_reason)
    return record


def masked_kinds(m: masking.Masker) -> list[str]:
    """What the public view masks in m's channel by m's table version: masking.KIND_LABELS keys
    (resident_id, mobile, …) applied to any of MASKED_FIELDS — what the portal's note and the
    documents say is masked."""
    return m.kinds(MASKED_FIELDS)


def _store(case: Case, publication: Publication, m: masking.Masker | None = None) -> dict:
    m = m or masking.masker("portal", names=masking.case_names(case))
    record = _view(case, publication, m)
    publication.record = record
    publication.masking_version_id = m.version_id
    publication.subject_name = record["subject_name"] or ""
    publication.subject_type, publication.key_area, publication.tier = case.subject_type, case.key_area, case.tier
    publication.search_text = "\n".join(record[k] or "" for k in ("number", "subject_name", "title", "facts",
                                                                  "source_document_number"))
    publication.updated_at = clock.now()
    db.session.flush()
    return record


def _announce(event: str, case: Case, publication: Publication, feed: dict | None = None) -> None:
    feed = feed if feed is not None else public_record(case, publication, channel="feed")
    publication_changed.send(None, event=event, case_id=case.id, publication_id=publication.id, record=feed,
                             occurred_at=clock.now())


def open_publication(case: Case, start: date, planned_end: date) -> Publication:
    """Publish the record from `start` until the day before `planned_end` (the period the process
    set, NDRC Order 36 windows from `publication_window`), in the caller's transaction. A case
    already published gets its period changed instead ("update"). Returns the register row."""
    publication = current(case)
    if publication is not None:
        if (publication.start, publication.planned_end) != (start, planned_end):
            publication.start, publication.planned_end = start, planned_end
            _store(case, publication)
            _announce("update", case, publication)
        return publication
    publication = Publication(case_id=case.id, scope=list(PUBLIC_FIELDS), start=start, planned_end=planned_end,
                              record={"decided_on": _decided_on(case)}, created_at=clock.now())
    db.session.add(publication)
    db.session.flush()
    _store(case, publication)
    record_event(case, "publication.opened", f"登记公开：{start.isoformat()} 起，至 {planned_end.isoformat()} 止",
                 {"publication_id": publication.id})
    _announce("publish", case, publication)
    return publication


def refresh(case: Case) -> Publication | None:
    """After the record changed (a correction): store the public view again and announce "update"
    when what the public sees changed. None when the case is not published."""
    publication = current(case)
    if publication is None:
        return None
    before = dict(publication.record or {})
    if _store(case, publication) != before:
        _announce("update", case, publication)
    return publication


def end_publication(case: Case, reason: str, on: date | None = None) -> Publication | None:
    """End the case's publication on `on` (default today, Asia/Shanghai) for `reason` — "expiry",
    "repair", "revocation" (条例 Art. 37, or an objection upheld against the record) or "deletion"
    (the case cancelled) — in the caller's transaction: the portal stops showing it at the commit,
    and "withdraw" is announced. The case's publication end moves to `on` when that is earlier.
    Returns the ended row, None when nothing was published (nothing to end). ValueError for an
    unknown reason."""
    if reason not in END_REASONS:
        raise ValueError(f"unknown end reason {reason!r} (one of {', '.join(END_REASONS)})")
    on = on or clock.today()
    publication = current(case)
    if publication is None:
        return None
    publication.actual_end, publication.end_reason, publication.ended_at = on, reason, clock.now()
    if case.publication_end is None or case.publication_end > on:
        case.publication_end = on
    _store(case, publication)
    record_event(case, "publication.closed", f"停止公开（{END_REASONS[reason]}，{on.isoformat()}）",
                 {"publication_id": publication.id, "reason": reason, "on": on.isoformat()})
    _announce("withdraw", case, publication)
    return publication


def _masking_in_force() -> int | None:
    """The id of the masking_rules version in force today; None before any is deployed (a new
    installation: nothing can be published without it, so there is nothing to mask)."""
    try:
        return masking.version_in_force()
    except NotFound:
        return None


def follow_masking_rules(limit: int = REMASK_BATCH) -> int:
    """Mask again, in one transaction, up to `limit` open publications (not ended) whose stored view
    was masked by another version of `masking_rules` than the one in force today (Asia/Shanghai) —
    a version published for today, or one whose effective day has come — and announce "update"
    for each whose feed view changed (the feed's view under the version it was masked by, or for a
    row stored before the version was kept, its stored portal view). The tick calls this; rows
    another process is re-masking are skipped (PostgreSQL SKIP LOCKED; SQLite's write lock).
    Returns how many were masked again; 0 when every view follows the rules in force, or when no
    masking table is in force yet (a new installation: nothing can have been published)."""
    with unit_of_work():
        current = _masking_in_force()
        if current is None:
            return 0
        rows = list(db.session.scalars(
            select(Publication).where(Publication.actual_end.is_(None),
                                      or_(Publication.masking_version_id.is_(None),
                                          Publication.masking_version_id != current))
            .order_by(Publication.id).limit(limit).with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)))
        if not rows:
            return 0
        portal = masking.masker("portal")
        feed = portal.on_channel("feed")
        for publication in rows:
            case = publication.case
            names = masking.case_names(case)
            before_version, before_view = publication.masking_version_id, dict(publication.record or {})
            if before_version is None:
                changed = _store(case, publication, portal.for_names(names)) != before_view
                shared = None
            else:
                old = masking.masker("feed", names=names, version_id=before_version)
                shared = _view(case, publication, feed.for_names(names))
                changed = shared != _view(case, publication, old)
                _store(case, publication, portal.for_names(names))
            if changed:
                _announce("update", case, publication, shared)
        return len(rows)


# ---------------------------------------------------------------- the register (staff)

def register(*, status: str | None = None, reason: str | None = None, area: str | None = None,
             q: str | None = None, page: int = 1, per_page: int = 20) -> tuple[list[Publication], Total]:
    """Register rows, newest first, with filters: status "current" / "ended", an end reason, a key
    area, text in the case number or subject. ValidationFailed naming a bad filter."""
    query = select(Publication).join(Publication.case)
    if status == "current":
        query = query.where(Publication.actual_end.is_(None))
    elif status == "ended":
        query = query.where(Publication.actual_end.is_not(None))
    elif status:
        raise ValidationFailed(_("筛选条件有误"), {"status": [_("未知状态 %(value)s", value=repr(status))]})
    if reason:
        if reason not in END_REASONS:
            raise ValidationFailed(_("筛选条件有误"), {"reason": [_("未知的结束原因 %(value)s", value=repr(reason))]})
        query = query.where(Publication.end_reason == reason)
    if area:
        query = query.where(Publication.key_area == area)
    if q:
        like = f"%{_escape_like(q[:SEARCH_MAX_CHARS])}%"
        query = query.where(or_(Case.number.ilike(like, escape="\\"), Publication.subject_name.ilike(like, escape="\\")))
    total = count_capped(query, page, per_page)
    rows = db.session.scalars(query.options(contains_eager(Publication.case)).order_by(Publication.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


# ---------------------------------------------------------------- the portal (public)

def _current_query():
    today = clock.today()
    return select(Publication).where(Publication.actual_end.is_(None), Publication.start <= today,
                                     Publication.planned_end > today)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_public(*, subject: str | None = None, area: str | None = None, tier: str | None = None,
                  q: str | None = None, page: int = 1, per_page: int = 20) -> tuple[list[dict], Total]:
    """What is published today ([(publication id, public record)], newest first) with filters:
    subject (text in the masked subject name), key area, tier, text (in the masked number, subject,
    title, facts, document number). Searching never looks at unmasked data, nor at a view masked by
    rules no longer in force (until the tick masks it again, such a row is found by area and tier
    only). ValidationFailed naming a filter that is too long or not a known area or tier."""
    fields = {}
    for name, value in (("subject", subject), ("q", q)):
        if value and len(value) > SEARCH_MAX_CHARS:
            fields[name] = [_("不能超过 %(n)s 个字", n=SEARCH_MAX_CHARS)]
    if tier and tier not in ("minor", "general", "serious"):
        fields["tier"] = [_("未知的失信程度 %(value)s", value=repr(tier))]
    if fields:
        raise ValidationFailed(_("筛选条件有误"), fields)
    current = _masking_in_force()
    query = _current_query()
    if subject or q:
        query = query.where(Publication.masking_version_id == current)
    if subject:
        query = query.where(Publication.subject_name.ilike(f"%{_escape_like(subject)}%", escape="\\"))
    if area:
        query = query.where(Publication.key_area == area)
    if tier:
        query = query.where(Publication.tier == tier)
    if q:
        query = query.where(Publication.search_text.ilike(f"%{_escape_like(q)}%", escape="\\"))
    total = count_capped(query, page, per_page)
    rows = db.session.scalars(query.order_by(Publication.start.desc(), Publication.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return _public_views(list(rows), current), total


def _public_views(rows: list[Publication], current: int) -> list[dict]:
    """The rows as the portal shows them: `id` and the public record — the stored one, or for a row
    masked by another version than `current` (the one in force), the case's view masked again now
    by the rules in force (read only: the tick stores it)."""
    portal = None
    views = []
    for publication in rows:
        record = publication.record or {}
        if publication.masking_version_id != current:
            portal = portal or masking.masker("portal")
            case = publication.case
            record = _view(case, publication, portal.for_names(masking.case_names(case)))
        views.append({"id": publication.id, **{key: record.get(key) for key in RECORD_KEYS}})
    return views


def get_public(publication_id: int) -> dict:
    """One record published today, as the portal shows it; NotFound (404) for any other id — ended,
    not yet started, unknown — so an ended publication is gone at once."""
    publication = db.session.scalar(_current_query().where(Publication.id == publication_id))
    if publication is None:
        raise NotFound(_("该记录未在公开期内或不存在"))
    return _public_views([publication], _masking_in_force())[0]


def portal_masking() -> list[str]:
    """What the portal masks today (masked_kinds of the portal channel, rules in force); [] before
    any masking table is deployed (nothing is published then)."""
    try:
        return masked_kinds(masking.masker("portal"))
    except NotFound:
        return []
