"""Inbox (待办) and task pages."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import forms
from app.cases import case_file
from app.cases import service as cases
from app.cases import timeline as timelines
from app.cases.models import KEY_AREAS, CASE_STATUSES
from app.engine import ProcessDefinition
from app.core.errors import DomainError, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_
from app.org.models import ROLES
from app.org.service import department_choices, form_sources
from app.core.pagination import page_count
from app.tasks import service
from app.tasks.routing import can_act_on, supervises
from app.core.inputs import parse_int
from app.core.views import back_with_error, page_arg, safe_next

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
TABS = {"mine": N_("我的待办"), "available": N_("可认领"), "completed": N_("已办"), "supervised": N_("全部待办（督导）")}
PER_PAGE = 20


@bp.get("")
@login_required
def inbox():
    counts = service.tab_counts(current_user)
    tab = request.args.get("tab") or ("mine" if counts.get("mine") else "available")
    if tab not in counts:
        abort(404)
    filters = {"process": request.args.get("process") or None, "area": request.args.get("area") or None,
               "department": request.args.get("department") or None, "overdue": request.args.get("overdue") == "1"}
    if filters["area"] and filters["area"] not in KEY_AREAS:
        filters["area"] = None
    page = page_arg()
    items, total = service.list_tasks(current_user, tab, page=page, per_page=PER_PAGE, **filters)
    processes = db.session.scalars(db.select(ProcessDefinition).order_by(ProcessDefinition.key)).all()
    return render_template("tasks/inbox.html", tab=tab, tabs={k: TABS[k] for k in counts}, counts=counts,
                           items=items, total=total, page=page, pages=page_count(total, PER_PAGE),
                           filters=filters, processes=processes, departments=department_choices())


def _after_action(task_id: int):
    """htmx swaps the row in place; without JavaScript the page is reloaded."""
    if request.headers.get("HX-Request"):
        task = service.get_task(current_user, task_id)
        return render_template("tasks/_row.html", task=task, tab=request.args.get("tab", "available"))
    return redirect(safe_next(request.form.get("next"), url_for("tasks.show", task_id=task_id)))


def _claim_action(task_id: int, action, message: str):
    try:
        action(current_user, task_id)
    except DomainError as exc:
        return back_with_error(exc, url_for("tasks.inbox"))
    flash(message, "success")
    return _after_action(task_id)


@bp.post("/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    return _claim_action(task_id, service.claim, _("已认领任务"))


@bp.post("/<int:task_id>/release")
@login_required
def release(task_id: int):
    return _claim_action(task_id, service.release, _("已释放任务，其他有权限的人员可以认领"))


@bp.post("/<int:task_id>/reassign")
@login_required
def reassign(task_id: int):
    try:
        task = service.reassign(current_user, task_id, parse_int(request.form.get("assignee_id"), "assignee_id"))
        flash(_("已改派给 %(name)s", name=task.claimed_by.full_name), "success")
    except DomainError as exc:
        return back_with_error(exc, url_for("tasks.show", task_id=task_id))
    return redirect(url_for("tasks.show", task_id=task_id))


def _task_page(task, values=None, errors=None, status=200):
    """The task page; its timeline filtered by `?kind=` (422 for an unknown kind), as on the case page."""
    case = task.case
    kind = timelines.check_category(request.args.get("kind"))
    schema = service.task_form(task)[0] if task.form_key else {"properties": {}}
    may_act = task.status == "open" and can_act_on(current_user, task) and task.claimed_by_id in (None, current_user.id)
    variables = service.task_variables(task) if may_act and forms.reads_variables(schema) else {}
    if values is None:
        values = forms.initial_values(schema, variables)
    return render_template(
        "tasks/task.html", task=task, case=case, schema=schema, values=values or {}, errors=errors or {},
        variables=variables,
        sources=form_sources(current_user), may_act=may_act, held=service.hold_message(task), supervises=supervises(current_user, task),
        assignees=service.eligible_assignees(task) if supervises(current_user, task) else [],
        **timelines.view(cases.timeline(case), kind), attachments=cases.list_attachments(case),
        open_tasks=cases.open_tasks(case), case_file=case_file.for_task(task),
        case_dates=case_file.registration_dates(case)), status


@bp.get("/<int:task_id>")
@login_required
def show(task_id: int):
    return _task_page(service.get_task(current_user, task_id))


@bp.post("/<int:task_id>")
@login_required
def complete(task_id: int):
    task = service.get_task(current_user, task_id)
    data, uploads = forms.from_html(task.form_key, request.form, request.files, service.task_form(task)[1])
    try:
        task, case, created = service.complete(current_user, task_id, data, uploads)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _task_page(service.get_task(current_user, task_id), data, exc.fields, 422)
    except DomainError as exc:
        return back_with_error(exc, url_for("tasks.show", task_id=task_id))
    flash(next_step_message(case, created), "success")
    return redirect(url_for("tasks.inbox"))


def next_step_message(case, created) -> str:
    """What happens next, named for the person who just acted."""
    if created:
        steps = "、".join(_("%(role)s办理“%(task)s”", role=_(ROLES.get(t.role, t.role)), task=_(t.name)) for t in created)
        return _("已提交，等待%(steps)s", steps=steps)
    status = _(CASE_STATUSES.get(case.record_status, case.record_status))
    if case.closed_at:
        return _("已提交，案件已办结（%(status)s）", status=status)
    return _("已提交，案件 %(number)s 当前状态：%(status)s", number=case.number, status=status)
