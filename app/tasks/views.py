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
from app.core.i18n import N_, tr
from app.org.models import ROLES
from app.org.service import department_choices, form_sources
from app.core.pagination import page_count
from app.tasks import saved_filters, service
from app.tasks.routing import can_act_on, subject_units, supervises
from app.core.inputs import parse_int
from app.core.views import back_with_error, page_arg, safe_next

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
TABS = {"mine": N_("我的待办"), "available": N_("可认领"), "completed": N_("已办"), "supervised": N_("全部待办（督导）")}
PER_PAGE = 20


def _inbox_filters() -> dict:
    """The inbox's filters from the query string; an unknown area is ignored."""
    args = request.args
    filters = {"q": (args.get("q") or "").strip() or None, "process": args.get("process") or None,
               "area": args.get("area") or None, "department": args.get("department") or None,
               "overdue": args.get("overdue") == "1"}
    if filters["area"] and filters["area"] not in KEY_AREAS:
        filters["area"] = None
    return filters


@bp.get("")
@login_required
def inbox():
    counts = service.tab_counts(current_user)
    tab = request.args.get("tab") or ("mine" if counts.get("mine") else "available")
    if tab not in counts:
        abort(404)
    filters = _inbox_filters()
    page = page_arg()
    items, total = service.list_tasks(current_user, tab, page=page, per_page=PER_PAGE, **filters)
    processes = db.session.scalars(db.select(ProcessDefinition).order_by(ProcessDefinition.key)).all()
    return render_template("tasks/inbox.html", tab=tab, tabs={k: TABS[k] for k in counts}, counts=counts,
                           items=items, total=total, page=page, pages=page_count(total, PER_PAGE),
                           filters=filters, processes=processes,
                           departments=department_choices(where=subject_units(current_user)),
                           offer=_offer(), saved=saved_filters.list_for(current_user, "inbox"),
                           current_query=saved_filters.page_query("inbox", request.query_string.decode("utf-8", "replace")),
                           has_filters=any(filters.values()),
                           assignees=service.reassign_choices(current_user, items) if tab == "supervised" else [])


def _offer():
    """The next task of the same kind offered after a submission (`?offer=<task id>`), if the user
    can still take it up; None otherwise."""
    task_id = parse_int(request.args.get("offer"), "offer", minimum=1)
    if task_id is None:
        return None
    try:
        task = service.get_task(current_user, task_id)
    except DomainError:
        return None
    mine_or_free = task.claimed_by_id in (None, current_user.id)
    return task if task.status == "open" and not task.hold and can_act_on(current_user, task) and mine_or_free else None


def _inbox_partial(task, tab: str, message: str, category: str = "success"):
    """htmx's answer to a claim or release from an inbox row: the row again while it still belongs
    under the tab, nothing (it leaves the list) once it moved to another tab or is no longer the
    user's to see (`task` None), with the tab counts and the message swapped in out of band."""
    keep = task is not None and service.in_tab(current_user, task, tab)
    return render_template("tasks/_moved.html", task=task, tab=tab, keep=keep,
                           counts=service.tab_counts(current_user), message=message, category=category)


def _task_if_visible(task_id: int):
    try:
        return service.get_task(current_user, task_id)
    except DomainError:
        return None


def _claim_action(task_id: int, action, message: str):
    tab = request.args.get("tab", "available")
    partial = bool(request.headers.get("HX-Request")) and tab in service.SCOPES
    try:
        task = action(current_user, task_id)
    except DomainError as exc:
        db.session.rollback()
        if partial:  # said beside the list, with the row as it stands now
            return _inbox_partial(_task_if_visible(task_id), tab, exc.message, "danger")
        return back_with_error(exc, url_for("tasks.inbox"))
    if partial:
        return _inbox_partial(task, tab, message)
    flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for("tasks.show", task_id=task_id)))


@bp.post("/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    return _claim_action(task_id, service.claim, _("已认领任务，已移到“我的待办”"))


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


def _form_ids(name: str = "task_ids") -> list[int]:
    """The ticked task ids of a batch form; BadRequest (400) naming the field for a bad one."""
    return [parse_int(raw, name, minimum=1) for raw in request.form.getlist(name) if raw.strip()]


def _batch_done(result: service.BatchResult, done_message: str, back: str):
    """Flash what a batch action did and, task by task, what it refused and why; back to the list."""
    if result.done:
        flash(done_message, "success")
    for refusal in result.refused:
        if refusal.case_number:
            flash(_("%(number)s“%(task)s”未处理：%(reason)s", number=refusal.case_number, task=tr(refusal.task_name),
                    reason=refusal.message), "warning")
        else:
            flash(_("任务 #%(id)s 未处理：%(reason)s", id=refusal.task_id, reason=refusal.message), "warning")
    return redirect(safe_next(request.form.get("next"), back))


@bp.post("/claim")
@login_required
def claim_many():
    """认领所选: the ticked tasks of the available tab, claimed in one transaction."""
    back = url_for("tasks.inbox", tab="available")
    try:
        result = service.claim_many(current_user, _form_ids())
    except DomainError as exc:
        return back_with_error(exc, back)
    return _batch_done(result, _("已认领 %(n)s 项任务，已移到“我的待办”", n=len(result.done)), back)


@bp.post("/reassign")
@login_required
def reassign_many():
    """批量改派: a supervisor hands the ticked tasks to one person, in one transaction."""
    back = url_for("tasks.inbox", tab="supervised")
    try:
        result = service.reassign_many(current_user, _form_ids(),
                                       parse_int(request.form.get("assignee_id"), "assignee_id", minimum=1))
    except DomainError as exc:
        return back_with_error(exc, back)
    name = result.done[0].claimed_by.full_name if result.done else ""
    return _batch_done(result, _("已将 %(n)s 项任务改派给 %(name)s", n=len(result.done), name=name), back)


@bp.post("/filters")
@login_required
def save_filter():
    """Save the filters of the inbox or the case list under a name; back to the page with them."""
    page = request.form.get("page")
    back = _filtered_page(page, request.form.get("query", ""))
    try:
        saved = saved_filters.save(current_user, page, request.form.get("name"), request.form.get("query"))
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(back)
    flash(_("已保存筛选“%(name)s”", name=saved.name), "success")
    return redirect(_filtered_page(saved.page, saved.query))


@bp.post("/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id: int):
    saved = saved_filters.delete(current_user, filter_id)
    flash(_("已删除筛选“%(name)s”", name=saved.name), "success")
    return redirect(safe_next(request.form.get("next"), _filtered_page(saved.page, "")))


def _filtered_page(page, query: str) -> str:
    """The inbox or the case list opened with a query string (a saved filter applied)."""
    base = url_for("cases.index") if page == "cases" else url_for("tasks.inbox")
    query = query.lstrip("?") if isinstance(query, str) else ""
    return safe_next(f"{base}?{query}" if query else base, base)


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
    following = service.next_of_kind(current_user, task)  # one read, after the step's transaction
    return redirect(url_for("tasks.inbox", offer=following.id) if following else url_for("tasks.inbox"))


def next_step_message(case, created) -> str:
    """What happens next, named for the person who just acted."""
    if created:
        steps = "、".join(_("%(role)s办理“%(task)s”", role=_(ROLES.get(t.role, t.role)), task=_(t.name)) for t in created)
        return _("已提交，等待%(steps)s", steps=steps)
    status = _(CASE_STATUSES.get(case.record_status, case.record_status))
    if case.closed_at:
        return _("已提交，案件已办结（%(status)s）", status=status)
    return _("已提交，案件 %(number)s 当前状态：%(status)s", number=case.number, status=status)
