"""Incidents page (/incidents) and the operations on an incident or a case, for admins and the
supervisors over a case. Thin: parse, call the service, show its answer."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import engine
from app.core.errors import Conflict, DomainError, ValidationFailed
from app.core.extensions import db
from app.incidents import service
from app.incidents.models import INCIDENT_STATUSES, RESOLUTIONS
from app.core.pagination import page_count
from app.tasks.routing import can_view_case
from app.core.views import back_with_error, page_arg, role_required, safe_next

bp = Blueprint("incidents", __name__)
PER_PAGE = 20
FILTERS = {"open": INCIDENT_STATUSES["open"], "resolved": INCIDENT_STATUSES["resolved"]}


@bp.get("/incidents")
@role_required("admin", "supervisor")
def index():
    status = request.args.get("status") if request.args.get("status") in FILTERS else "open"
    page = page_arg()
    items, total = service.list_incidents(current_user, status, page=page, per_page=PER_PAGE)
    return render_template("incidents/index.html", items=items, total=total, page=page,
                           pages=page_count(total, PER_PAGE), status=status, filters=FILTERS,
                           case_link=lambda case: can_view_case(current_user, case))


def _detail(incident_id: int, *, plan=None, errors=None, reason: str = "", status: int = 200):
    incident = service.get_incident(current_user, incident_id)
    instance_status = db.session.get(engine.ProcessInstance, incident.instance_id).status
    return render_template("incidents/show.html", incident=incident, case=incident.case, plan=plan,
                           errors=errors or {}, reason=reason, instance_status=instance_status,
                           resolutions=RESOLUTIONS, statuses=INCIDENT_STATUSES,
                           may_view_case=can_view_case(current_user, incident.case)), status


@bp.get("/incidents/<int:incident_id>")
@role_required("admin", "supervisor")
def show(incident_id: int):
    return _detail(incident_id)


def _failed(incident_id: int, exc: DomainError, reason: str):
    db.session.rollback()
    flash(exc.message, "danger")
    return _detail(incident_id, errors=exc.fields, reason=reason, status=exc.status)


@bp.post("/incidents/<int:incident_id>/retry")
@role_required("admin", "supervisor")
def retry(incident_id: int):
    reason = request.form.get("reason", "")
    try:
        service.retry(current_user, incident_id, reason)
    except DomainError as exc:
        return _failed(incident_id, exc, reason)
    flash(_("重试成功，案件继续办理"), "success")
    return redirect(url_for("incidents.show", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/skip")
@role_required("admin", "supervisor")
def skip(incident_id: int):
    """`dry_run=1` shows the plan (nothing saved) with the button that skips for real."""
    reason = request.form.get("reason", "")
    dry_run = request.form.get("dry_run") == "1"
    try:
        plan = service.skip(current_user, incident_id, reason, dry_run=dry_run)
    except DomainError as exc:
        return _failed(incident_id, exc, reason)
    if dry_run:
        return _detail(incident_id, plan=plan, reason=reason)
    flash(_("已跳过出错环节，案件继续办理"), "success")
    return redirect(url_for("incidents.show", incident_id=incident_id))


def _case_operation(case_id: int, operation, done: str):
    """Run an operation on a case; back to the page it was sent from (`next`: the case page or an
    incident page), with the error flashed when it was refused (a bad reason, a conflict). Outside
    the user's scope 404 and for a role that may not operate 403, answered as such."""
    default = url_for("cases.show", case_id=case_id)
    try:
        operation(current_user, case_id, request.form.get("reason", ""))
    except (ValidationFailed, Conflict) as exc:
        return back_with_error(exc, default)
    flash(done, "success")
    return redirect(safe_next(request.form.get("next"), default))


@bp.post("/cases/<int:case_id>/suspend")
@role_required("admin", "supervisor")
def suspend(case_id: int):
    return _case_operation(case_id, service.suspend, _("案件已暂停"))


@bp.post("/cases/<int:case_id>/resume")
@role_required("admin", "supervisor")
def resume(case_id: int):
    return _case_operation(case_id, service.resume, _("案件已恢复办理"))


@bp.post("/cases/<int:case_id>/cancel")
@role_required("admin", "supervisor")
def cancel(case_id: int):
    return _case_operation(case_id, service.cancel, _("案件已撤案"))


@bp.post("/cases/<int:case_id>/move")
@role_required("admin", "supervisor")
def move(case_id: int):
    """The case page's move form: `move` = "source→target", `reason`; `dry_run=1` shows the plan
    (nothing saved) with the button that moves for real."""
    source, _sep, target = request.form.get("move", "").partition("→")
    reason = request.form.get("reason", "")
    dry_run = request.form.get("dry_run") == "1"
    try:
        plan = service.move(current_user, case_id, source, target, reason, dry_run=dry_run)
    except DomainError as exc:
        return back_with_error(exc, url_for("cases.show", case_id=case_id))
    if dry_run:
        return render_template("incidents/move_plan.html", case=service.get_operable_case(current_user, case_id),
                               plan=plan, move=request.form.get("move", ""), reason=reason)
    flash(_("已移动到%(reached)s", reached=plan.reached), "success")
    return redirect(url_for("cases.show", case_id=case_id))
