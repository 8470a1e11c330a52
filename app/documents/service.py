"""Issuing official documents. `issue` runs inside the caller's transaction (a process step or
a user action): the number is taken from a locked per-unit, per-year sequence, so numbers have
no gaps and no duplicates even when documents are issued concurrently; if the step fails, the
whole transaction — number included — is rolled back.

The transaction fixes everything the document says (number, verification code, the full text
context) and stores it "pending"; the PDF is rendered after the commit (0.1–4 s, never while
holding the write lock) — in-process right after the step, or by the Celery worker when a broker
is configured — and its hash stored in a second short transaction. A render that fails leaves
the document pending: the tick renders it again."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.cases import attachments, case_file, decisions
from app.cases.models import CASE_STATUSES, PUNISHMENT_LEVELS, SOURCE_TYPES, TIERS, Case
from app.cases.service import process_name, timeline
from app.cases.timeline import action_text, record_event, reported
from app.core.clock import LOCAL_TZ, clock
from app.documents.fonts import require_cjk_font
from app.documents.models import Document, DocumentSequence
from app.documents.render import DOC_TYPES, render_pdf_with_pages
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_, sentence
from app.core.inputs import required_text
from app.org.models import Department, User
from app.core.transaction import after_commit, insert_if_missing, unit_of_work
from app.core.views import ascii_name
from app.publication import masking

OUTCOME_LABELS = {
    "objection_outcome": {"uphold": "维持原记录", "correct": "更正记录", "revoke": "撤销记录"},
    "repair_decision": {"grant": "准予信用修复", "refuse": "不予信用修复"},
    "tier": TIERS,
    "exemption_outcome": {"not_recorded": "符合免责容错情形，不予记录", "lighter": "从轻实施失信惩戒措施",
                          "none": "免于实施失信惩戒措施", "refused": "不予免责"},
    "revoking_authority": {"court": "人民法院", "administrative_review": "行政复议机关", "issuing_authority": "原决定机关"},
}
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O/1/I/L: read off paper
# Documents addressed to all units rather than the case's subject (a 通报 is circulated).
CIRCULATED_TO = {"public_criticism": "各区人民政府，市政府各委、办、局"}
ISSUING_ROLES = ("reviewer", "supervisor")  # who issue case reports and corrections (page and API)
REASON_MAX_CHARS = 500  # a correction reason is printed in the PDF: a sentence or two, not a file


def _prefix(issuer: Department) -> str:
    """The unit's own prefix (沪信 …), else its name: numbers never collide between units."""
    return current_app.config["DOCUMENT_PREFIXES"].get(issuer.code) or issuer.name


def _next_sequence(issuer: Department, year: int) -> int:
    """The issuer's next number of the year; its row is created first when missing, safely when
    two writers issue the year's first documents at once."""
    query = select(DocumentSequence).where(DocumentSequence.issuer_id == issuer.id,
                                           DocumentSequence.year == year).with_for_update()
    row = db.session.scalar(query)
    if row is None:
        insert_if_missing(DocumentSequence, issuer_id=issuer.id, year=year, last=0)
        row = db.session.scalar(query.execution_options(populate_existing=True))
    row.last += 1
    db.session.flush()
    return row.last


def _verification_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in (0, 4, 8))


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is not None:
        # A deadline instant is the end of its last day (00:00 of the next one).
        return (parsed.astimezone(LOCAL_TZ) - timedelta(seconds=1)).date()
    return parsed.date()


def verify_url(code: str) -> str:
    """The absolute address of a document's public verification page, printed on it and encoded in
    its QR code: PUBLIC_BASE_URL (app/config.py; checked absolute at start-up) + `/verify/<code>`.
    The same whoever issues it — a request, a timer, the CLI — since the request's own host may be
    an internal one."""
    path = current_app.url_map.bind("").build("documents.verify", {"code": code})
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def portal_url() -> str:
    """The absolute address of the public portal (`/public`), printed where a document says the
    record is published: PUBLIC_BASE_URL, like the verification link."""
    path = current_app.url_map.bind("").build("publication.portal")
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def build_context(case: Case, doc_type: str, data: dict | None) -> dict:
    """What a document says about `case`, with the step's `data`: every text masked as the decision
    table `masking_rules` says for the channel "document" (app.publication.masking) — the facts, the
    title, the subject and each value of `data` under its own key — so no resident ID number, phone
    number or house number is printed, whatever was typed."""
    m = masking.masker("document", names=masking.case_names(case))
    data = dict(data or {})
    deadline = _day(data.pop("deadline", None))
    data = m.values(data)
    for key, labels in OUTCOME_LABELS.items():
        if key in data:
            data[f"{key}_label"] = labels.get(data[key], data[key])
    return {
        "doc_type": doc_type, "title": DOC_TYPES[doc_type],
        "addressee": CIRCULATED_TO.get(doc_type) or case.subject_department.name,
        "issuer": case.recording_department.name, "public_url": portal_url(),
        "case": {
            "number": case.number, "title": m.text("title", case.title), "subject": masking.subject_name(case, m),
            "facts": m.text("facts", case.facts),
            "tier_label": TIERS.get(case.tier), "source_label": SOURCE_TYPES.get(case.source_type),
            "document_number": case.document_number, "key_area": case.key_area,
            "source_decided_on": case.source_decided_on,
            "punishment_label": PUNISHMENT_LEVELS.get(case.punishment_level) if case.punishment_level != "normal" else None,
            "status_label": CASE_STATUSES.get(case.record_status), "publication_start": case.publication_start,
            "publication_end": case.publication_end, "repairable_from": case.repairable_from, "due_on": case.due_on,
            # Only the report names the process (one query fewer for every notice a step issues).
            "process_name": process_name(case) if doc_type == "case_report" else None,
        },
        "data": data, "deadline": deadline,
    }


def _local_minute(at: datetime) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _report_parts(case: Case) -> dict:
    """What the case report lists beyond the case: `registration_dates` (the dates entered on the
    registration form, [{label, date}], e.g. 失信行为发生日期), `timeline`, the people's steps and
    documents ({at, actor, summary}), and `decisions` ({at, actor, kind, step, outcome, reasons,
    legal_basis}) — never internal notes or engine steps."""
    m = masking.masker("document", names=masking.case_names(case))
    return {
        "registration_dates": [{"label": v.label, "date": v.day} for v in case_file.registration_dates(case)],
        "timeline": [{"at": _local_minute(e.at), "actor": e.actor.full_name if e.actor else "系统",
                      "summary": m.text("timeline_summary", action_text(e))} for e in reported(timeline(case))],
        "decisions": [{"at": _local_minute(d.at), "actor": d.actor.full_name if d.actor else "系统",
                       "kind": decisions.kind_label(d), "step": d.step, "outcome": d.outcome_label,
                       "reasons": m.text("decision_reasons", d.reasons), "legal_basis": d.legal_basis}
                      for d in decisions.for_case(case)],
    }


def _json_ready(context: dict) -> dict:
    def convert(value):
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return value
    return convert(context)


def issue(case: Case, doc_type: str, data: dict | None = None, *, actor_id: int | None = None) -> Document:
    """Issue a document for a case in the current transaction (the caller commits). Raises
    ValidationFailed for an unknown type, CjkFontMissing (422) when no Chinese font is installed
    — before a number is taken: the step fails and nothing is issued."""
    if doc_type not in DOC_TYPES:
        raise ValidationFailed(f"未知的文书类型：{doc_type}", {"doc_type": [f"可用：{', '.join(DOC_TYPES)}"]})
    require_cjk_font()
    issuer = case.recording_department
    today = clock.today()
    sequence = _next_sequence(issuer, today.year)
    number = f"{_prefix(issuer)}〔{today.year}〕{sequence}号"
    context = build_context(case, doc_type, data)
    if doc_type == "case_report":
        context.update(_report_parts(case))
    code = _verification_code()
    context.update(number=number, version=1, correction_reason=None, issued_on=today, verification_code=code,
                   verify_url=verify_url(code))
    document = Document(case_id=case.id, doc_type=doc_type, number=number, issuer_id=issuer.id, year=today.year,
                        sequence=sequence, version=1, title=context["title"], addressee=context["addressee"],
                        verification_code=code, context=_json_ready(context), issued_at=clock.now(), issued_by_id=actor_id)
    _add_pending(document)
    record_event(case, "document.issued", sentence(N_("出具%(title)s：%(number)s"), title=context["title"], number=number,
                                                  labels=("title",)),
                 {"document_id": document.id, "number": number}, actor_id=actor_id)
    return document


def _add_pending(document: Document) -> None:
    """Add a document whose content is fixed but whose PDF is not rendered yet, and have it
    rendered once the current unit of work has committed (here, or by the worker)."""
    document.status = "pending"
    db.session.add(document)
    db.session.flush()
    if not in_background():
        after_commit(partial(render_document, document.id, document.context))


def in_background() -> bool:
    """With a Celery broker configured, PDFs are rendered by the worker, outside the request."""
    return bool(current_app.config.get("CELERY_BROKER_URL"))


def render_document(document_id: int, context: dict) -> bool:
    """Render a pending document from its stored `context` (`Document.context`) and store the
    PDF, then record hash, size and pages in a short transaction of its own. Must run outside a
    write transaction. Returns False when there is nothing to do (rendered meanwhile, e.g. by
    another worker) or when rendering or storing failed: the failure is logged and the document
    stays pending, for the next tick to try again."""
    try:
        pdf, pages = render_pdf_with_pages(context["doc_type"], _restored(context))
        digest = attachments.store(pdf)
    except Exception:  # noqa: BLE001 — whatever broke (fonts, disk), the issued document stands
        current_app.logger.exception("rendering document %s failed; it stays pending", document_id)
        return False
    with unit_of_work():
        # One conditional UPDATE: only a pending document gets its PDF, once (the rule the
        # model's immutability check states), whoever rendered it first.
        done = db.session.execute(update(Document).where(Document.id == document_id, Document.status == "pending")
                                  .values(sha256=digest, size=len(pdf), pages=pages, status="rendered"))
    return done.rowcount == 1


def render_pending(limit: int = 50) -> int:
    """Render documents still pending (the tick calls this: the worker's own, or ones whose
    render failed), oldest first. Returns how many were rendered."""
    rows = db.session.execute(select(Document.id, Document.context).where(Document.status == "pending")
                              .order_by(Document.id).limit(limit)).all()
    return sum(render_document(document_id, context) for document_id, context in rows)


def _restored(context: dict) -> dict:
    context = dict(context)
    context["issued_on"] = date.fromisoformat(context["issued_on"])
    return context


def check_reason(reason: str) -> str:
    """The correction reason (printed on the corrected document), cleaned; ValidationFailed
    (field `reason`) when blank, longer than REASON_MAX_CHARS characters or holding control or
    bidi-override characters (`app.core.inputs.required_text`)."""
    return required_text(reason, "reason", _("更正原因"), max_chars=REASON_MAX_CHARS)


def correct(user: User, document_id: int, reason: str) -> Document:
    """A corrected version: same number, the reason stated, the old version kept (one transaction;
    the PDF is rendered after it). Only the current version is corrected. Raises ValidationFailed
    for a bad reason (`check_reason`), NotFound for an unknown document, Conflict (409) for a
    superseded version (naming the current one), CjkFontMissing when no Chinese font is installed."""
    reason = check_reason(reason)
    require_cjk_font()
    with unit_of_work():
        old = db.session.get(Document, document_id)
        if old is None:
            raise NotFound("文书不存在")
        latest = current_version(old)
        if latest.id != old.id:
            message = _("%(number)s 第 %(old)s 版已被更正，不能再更正；现行版本为第 %(v)s 版，请更正现行版本",
                        number=old.number, old=old.version, v=latest.version)
            raise Conflict(message, {"document_id": [message]})
        context = build_context(old.case, old.doc_type, old.context.get("data"))
        code = _verification_code()
        printed_reason = masking.masker("document", names=masking.case_names(old.case)).text("correction_reason", reason)
        context.update(number=old.number, version=latest.version + 1, correction_reason=printed_reason,
                       issued_on=clock.today(), verification_code=code, verify_url=verify_url(code),
                       timeline=old.context.get("timeline"), decisions=old.context.get("decisions"),
                       registration_dates=old.context.get("registration_dates"))
        document = Document(case_id=old.case_id, doc_type=old.doc_type, number=old.number, issuer_id=old.issuer_id,
                            year=old.year, sequence=old.sequence, version=latest.version + 1, supersedes_id=latest.id,
                            correction_reason=reason, title=old.title, addressee=context["addressee"],
                            verification_code=code, context=_json_ready(context), issued_at=clock.now(),
                            issued_by_id=user.id)
        _add_pending(document)
        record_event(old.case, "document.corrected", sentence(N_("更正%(title)s：%(number)s（第 %(version)s 版）"), title=old.title,
                                                             number=old.number, version=document.version, labels=("title",)),
                     {"document_id": document.id, "supersedes": latest.id, "reason": reason}, actor_id=user.id)
    return _as_stored(document)


def _as_stored(document: Document) -> Document:
    """The document as the database holds it once its unit of work (and the render after it) is
    over: `rendered` with its sha256, or still `pending` (a background worker, a failed render)."""
    db.session.refresh(document)
    return document


def correct_in_case(user: User, case: Case, document_id: int, reason: str) -> Document:
    """`correct` for a document reached through its case (the case page and the API): NotFound
    when the document is not the case's."""
    get(case, document_id)
    return correct(user, document_id, reason)


def issue_report(user: User, case: Case) -> Document:
    """The case report (案件办理情况报告) of a case, issued now by `user` (one transaction; the
    PDF is rendered after it). Raises CjkFontMissing when no Chinese font is installed."""
    with unit_of_work():
        document = issue(case, "case_report", actor_id=user.id)
    return _as_stored(document)


def for_case(case: Case) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.case_id == case.id)
                                   .order_by(Document.issued_at, Document.id)))


def successors(documents: list[Document]) -> dict[int, Document]:
    """{id of a superseded version: the version that replaced it} among a case's documents (every
    version of a number belongs to one case, so `for_case` holds whole chains). A version is
    current when it has no entry here."""
    return {d.supersedes_id: d for d in documents if d.supersedes_id is not None}


def current_version(document: Document) -> Document:
    """The version of the document's number in force (its latest; the document itself when it
    was never corrected)."""
    return db.session.scalar(select(Document).where(Document.number == document.number)
                             .order_by(Document.version.desc()).limit(1))


def get(case: Case, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None or document.case_id != case.id:
        raise NotFound("文书不存在")
    return document


def pdf_file(case: Case, document_id: int) -> tuple[Path, str, str]:
    """(stored PDF path, download file name, its plain-ASCII fallback) of a document of the case,
    for the web and the API: "沪信〔2026〕4号.pdf" and "ZX-2026-000001-notification.pdf" (the case
    number and the kind of document, "-v2" for a correction). NotFound (404) when the document is
    not the case's; Conflict (409) while it is still rendering."""
    document = get(case, document_id)
    if document.status == "pending":
        raise Conflict(_("文书正在生成，请稍后再下载"))
    version = f"-v{document.version}" if document.version > 1 else ""
    fallback = ascii_name(f"{case.number}-{document.doc_type}{version}.pdf", f"document-{document.id}{version}")
    return attachments.path_for(document.sha256), f"{document.number}{version}.pdf", fallback


def verify(code: str) -> Document | None:
    code = (code or "").strip().upper()
    if len(code) != 14:
        return None
    return db.session.scalar(select(Document).where(Document.verification_code == code))
