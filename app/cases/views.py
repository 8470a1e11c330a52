"""Case pages: list and search, CSV export, case page, evidence, process diagram, start a case."""
from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import engine, forms
from app.cases import attachments as files
from app.cases import case_file, decisions, events, notes, service
from app.cases import timeline as timelines
from app.documents import service as documents
from app.cases.models import KEY_AREAS, CASE_STATUSES, SOURCE_TYPES, TIERS, Case
from app.core.clock import clock
from app.core.csv_export import csv_response
from app.core.errors import DomainError, ValidationFailed
from app.core.extensions import db
from app.incidents import service as incidents
from app.publication import service as publication
from app.publication.models import END_REASONS
from app.core.i18n import N_
from app.core.inputs import parse_date
from app.org.service import form_sources
from app.sanctions import service as sanctions
from app.core.pagination import page_count
from app.tasks.views import next_step_message
from app.core.views import ascii_name, back_with_error, local_dt, page_arg, role_required, send_download

bp = Blueprint("cases", __name__, url_prefix="/cases")
PER_PAGE = 20


def _filters() -> tuple[dict, dict]:
    """Filters from the query string, and field errors for values that make no sense."""
    args, errors = request.args, {}
    filters = {"q": args.get("q", "").strip() or None, "subject": args.get("subject", "").strip() or None,
               "status": args.get("status") or None, "area": args.get("area") or None}
    if filters["status"] and filters["status"] not in CASE_STATUSES:
        errors["status"], filters["status"] = _("未知状态"), None
    if filters["area"] and filters["area"] not in KEY_AREAS:
        errors["area"], filters["area"] = _("未知领域"), None
    for key in ("created_from", "created_to"):
        try:
            filters[key] = parse_date(args.get(key), key)
        except DomainError as exc:
            errors[key], filters[key] = exc.message, None
    return filters, errors


@bp.get("")
@login_required
def index():
    filters, errors = _filters()
    page = page_arg()
    items, total = service.list_cases(current_user, page=page, per_page=PER_PAGE, **filters)
    return render_template("cases/index.html", items=items, total=total, page=page,
                           pages=page_count(total, PER_PAGE), filters=filters,
                           errors=errors), (422 if errors else 200)


@bp.get("/export.csv")
@login_required
def export():
    filters, _errors = _filters()
    header = [_("案件编号"), _("标题"), _("信用主体"), _("记录来源"), _("来源文书编号"), _("重点领域"), _("失信程度"),
              _("记录状态"), _("登记时间"), _("公开开始"), _("公开结束")]
    rows = ([c.number, c.title, c.subject_name, _(SOURCE_TYPES.get(c.source_type, c.source_type or "")),
             c.document_number or "", c.key_area or "", _(TIERS.get(c.tier, c.tier or "")),
             _(CASE_STATUSES.get(c.record_status, c.record_status)), local_dt(c.created_at),
             c.publication_start or "", c.publication_end or ""]
            for c in service.export_rows(current_user, **filters))
    return csv_response(header, rows, "cases.csv")


@bp.get("/<int:case_id>")
@login_required
def show(case_id: int):
    return _case_page(case_id)


def _case_page(case_id: int, note_draft: str = ""):
    """The case page; `note_draft` is a refused note's text, kept in the note form."""
    case = service.get_case(current_user, case_id)
    kind = timelines.check_category(request.args.get("kind"))
    instance = db.session.get(engine.ProcessInstance, case.instance_id) if case.instance_id else None
    timeline = service.timeline(case)
    history = [e for e in timeline if e.kind == "status.changed"]
    issued = documents.for_case(case)
    return render_template("cases/show.html", case=case, history=history, **timelines.view(timeline, kind),
                           decisions=decisions.for_case(case), decision_kind=decisions.kind_label,
                           restrictions=sanctions.for_case(case),
                           notes=notes.for_case(case), note_max=notes.NOTE_MAX_CHARS, note_draft=note_draft,
                           links=service.linked_cases(current_user, case), documents=issued,
                           successors=documents.successors(issued),
                           open_tasks=service.open_tasks(case), attachments=service.list_attachments(case),
                           may_upload=service.may_upload(current_user, case),
                           case_dates=case_file.registration_dates(case),
                           integrity=timelines.verify_timeline(case.id, timeline),
                           may_operate=(may_operate := incidents.may_operate(current_user, case)),
                           moves=incidents.move_options(current_user, case.id) if may_operate else [],
                           offered_events=events.offered(current_user, case),
                           instance_status=instance.status if instance else None,
                           incident=incidents.open_incident(instance.id) if instance else None,
                           publications=publication.for_case(case), END_REASONS=END_REASONS)


@bp.get("/<int:case_id>/print")
@login_required
def print_view(case_id: int):
    """The whole case file on one page for printing (卷宗打印): facts and the registration's dates,
    decisions, what every human step submitted (the task page's case-file panel), documents with
    their version status, evidence with step and person, and the people's steps of the timeline."""
    case = service.get_case(current_user, case_id)
    issued = documents.for_case(case)
    steps = [e for e in service.timeline(case) if e.actor_id is not None and e.kind not in timelines.BOOKKEEPING_KINDS]
    return render_template("cases/print.html", case=case, documents=issued, successors=documents.successors(issued),
                           attachments=service.list_attachments(case), steps=steps, printed_at=clock.now(),
                           decisions=decisions.for_case(case), decision_kind=decisions.kind_label,
                           restrictions=sanctions.for_case(case),
                           action_text=timelines.action_text, case_file=case_file.for_case(case),
                           case_dates=case_file.registration_dates(case))


@bp.post("/<int:case_id>/notes")
@login_required
def add_note(case_id: int):
    text = request.form.get("text", "")
    try:
        notes.add_note(current_user, case_id, text)
    except ValidationFailed as exc:  # a blank, too long or garbled note: the page again, the text kept
        flash(exc.message, "danger")
        return _case_page(case_id, note_draft=text), 422
    flash(_("已添加批注"), "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#notes")


def _event_page(case, kind, values=None, errors=None, status=200):
    return render_template("cases/event.html", case=case, kind=kind, schema=forms.load_form(kind.form),
                           values=values or {}, errors=errors or {}, sources=form_sources(current_user),
                           case_dates=case_file.registration_dates(case)), status


def _event_kind(case, message: str):
    """The message the user may send to the case, else 404 (unknown) or 403 (not for their role)."""
    kind = events.MESSAGES.get(message)
    if kind is None:
        abort(404)
    if not events.may_send(current_user, case, kind):
        abort(403)
    return kind


def _not_waiting(case, kind):
    """The case does not wait for the message now (sent already — a second tab, the back button —
    or the record moved on): back to the case page saying so."""
    flash(_("该案件当前不接受“%(label)s”（已登记或记录已进入其他环节），请查看办理记录", label=_(kind.label)), "warning")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/<int:case_id>/events/<message>", methods=["GET", "POST"])
@login_required
def send_event(case_id: int, message: str):
    """A message to the running case by form (来源决定被撤销 for the recording unit's recorder, a
    reviewer or an admin; 提出异议 for the subject unit's handler): the message's form, validated by
    the server (422 with the field messages, values kept)."""
    case = service.get_case(current_user, case_id) if "admin" not in current_user.roles else db.get_or_404(Case, case_id)
    kind = _event_kind(case, message)
    if kind.name not in events.waiting(case):
        return _not_waiting(case, kind)
    if request.method == "GET":
        return _event_page(case, kind)
    values, _uploads = forms.from_html(kind.form, request.form, request.files)
    try:
        events.send_to_case(current_user, case_id, message, values, via=N_("表单"))
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _event_page(service.get_case(current_user, case_id) if "admin" not in current_user.roles
                           else db.get_or_404(Case, case_id), kind, values, exc.fields, 422)
    except engine.NotWaiting:  # another request got there first
        db.session.rollback()
        return _not_waiting(case, kind)
    except DomainError as exc:
        return back_with_error(exc, url_for("cases.show", case_id=case_id))
    flash(_("已登记“%(label)s”", label=_(kind.label)), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.get("/<int:case_id>/diagram")
@login_required
def diagram(case_id: int):
    """The case's process version as BPMN XML in the reader's language, with the elements passed,
    waiting and overdue (service.diagram)."""
    return jsonify(service.diagram(service.get_case(current_user, case_id)))


@bp.post("/<int:case_id>/attachments")
@login_required
def upload(case_id: int):
    chosen = [f for f in request.files.getlist("file") if f and f.filename]
    if not chosen:
        flash(_("请选择要上传的文件"), "warning")
        return redirect(url_for("cases.show", case_id=case_id) + "#attachments")
    try:
        service.add_attachments(current_user, case_id, [(f.filename, f.read()) for f in chosen])
    except ValidationFailed as exc:  # a bad file: back to the page; 403/404 are answered as such
        return back_with_error(exc, url_for("cases.show", case_id=case_id))
    flash(_("已上传 %(n)s 个文件", n=len(chosen)), "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#attachments")


@bp.get("/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int):
    a = service.get_attachment(current_user, case_id, attachment_id)
    return send_download(files.path_for(a.sha256), a.filename, ascii_name(a.filename, f"attachment-{a.id}"),
                         mimetype=a.content_type)


@bp.route("/new", methods=["GET", "POST"])
@role_required("recorder", "supervisor")
def start():
    processes = service.startable_processes(current_user)
    if not processes:
        abort(403)
    chosen = next((p for p in processes if p["key"] == request.values.get("process")), processes[0])
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values, uploads = forms.from_html(chosen["form_key"], request.form, request.files, chosen["form_version"])
        try:
            case = service.register_case(current_user, chosen["key"], values, uploads)
        except ValidationFailed as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            errors, status = exc.fields, 422
        else:
            flash(_("已登记 %(number)s。", number=case.number) + next_step_message(case, service.open_tasks(case)), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/start.html", processes=processes, chosen=chosen, values=values, errors=errors,
                           first_steps=service.first_steps(chosen), sources=form_sources(current_user), json=json), status
