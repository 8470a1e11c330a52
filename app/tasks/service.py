"""Task services: inbox queries (on `human_task` only), claim, release, reassign and complete.
Completing is one transaction: lock the instance, validate the form, run, step the engine,
sync tasks, write the timeline, save. A stale or concurrent completion gets a 409."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import engine, forms
from app.cases import decisions
from app.cases.models import Case
from app.cases.service import attach_uploads, check_attachment_ids
from app.cases.timeline import record_event
from app.core.clock import clock
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_, sentence
from app.core.faults import crash_point
from app.incidents.models import Incident
from app.notifications.service import task_assigned
from app.org.models import Department, User
from app.core.pagination import Total, count_capped
from app.tasks.models import HumanTask, with_instance_status
from app.tasks.routing import can_act_on, can_view_case, supervises, task_filter
from app.tasks.sync import apply_step, bindings_for
from app.core.transaction import unit_of_work

SCOPES = ("mine", "available", "completed", "supervised")


def _scope_query(user: User, scope: str):
    if scope == "mine":
        return select(HumanTask).where(HumanTask.status == "open", HumanTask.claimed_by_id == user.id)
    if scope == "available":
        return select(HumanTask).where(HumanTask.status == "open", HumanTask.claimed_by_id.is_(None), task_filter(user))
    if scope == "completed":
        return select(HumanTask).where(HumanTask.status == "completed", HumanTask.completed_by_id == user.id)
    if scope == "supervised":
        if not user.has_role("supervisor"):
            raise Forbidden(_("只有督导员可以查看全部待办"))
        query = select(HumanTask).where(HumanTask.status == "open")
        if user.scope_district_id is not None:
            query = query.where(HumanTask.district_id == user.scope_district_id)
        return query
    raise ValidationFailed(_("参数有误"), {"scope": [_("scope 必须是 %(values)s 之一", values=" / ".join(SCOPES))]})


def list_tasks(user: User, scope: str = "available", *, page: int = 1, per_page: int = 20,
               case_id: int | None = None, process: str | None = None, area: str | None = None,
               department: str | None = None, overdue: bool = False) -> tuple[list[HumanTask], Total]:
    """One page of an inbox tab, read from `human_task` only (plus the case for filters). The
    total is counted up to a cap (`app.core.pagination`)."""
    query = _scope_query(user, scope)
    if case_id is not None:
        query = query.where(HumanTask.case_id == case_id)
    if process or area or department:
        query = query.join(Case, Case.id == HumanTask.case_id)
        if process:
            query = query.where(Case.process_key == process)
        if area:
            query = query.where(Case.key_area == area)
        if department:
            query = query.join(Department, Department.id == Case.subject_department_id).where(Department.code == department)
    if overdue:
        query = query.where(HumanTask.due_at <= clock.now())
    total = count_capped(query, page, per_page)
    if scope == "completed":
        query = query.order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    else:
        query = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    items = db.session.scalars(query.options(joinedload(HumanTask.case), with_instance_status())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total


def hold_message(task: HumanTask) -> str | None:
    """Why an open task cannot be completed now (its case is blocked by an incident, or
    suspended), in words naming the incident; None when it can."""
    if task.hold == "blocked":
        incident = db.session.scalar(select(Incident).where(Incident.instance_id == task.instance_id,
                                                            Incident.status == "open"))
        if incident is not None:
            return _("案件流程在%(element)s出错，已阻塞（异常 #%(id)s：%(error)s），暂不能办理；"
                     "请待管理员或督导员处理该异常后再办理", element=incident.element_label or _("自动环节"),
                     id=incident.id, error=incident.error)
        return _("案件流程已阻塞，暂不能办理；请待管理员或督导员处理后再办理")
    if task.hold == "suspended":
        return _("案件已暂停，暂不能办理；恢复后再办理")
    return None


def tab_counts(user: User) -> dict[str, Total]:
    scopes = [s for s in SCOPES if s != "supervised" or user.has_role("supervisor")]
    return {s: count_capped(_scope_query(user, s)) for s in scopes}


def get_task(user: User, task_id: int) -> HumanTask:
    """404 when the case is outside the user's scope; 403 when they may see the case but not this task."""
    task = db.session.get(HumanTask, task_id, options=[joinedload(HumanTask.case).joinedload(Case.subject_department)])
    if task is None or not can_view_case(user, task.case):
        raise NotFound(_("任务不存在"))
    if not (can_act_on(user, task) or supervises(user, task) or task.claimed_by_id == user.id
            or task.completed_by_id == user.id):
        raise Forbidden(_("您没有办理该任务的角色或权限"))
    return task


def _actionable(user: User, task_id: int) -> HumanTask:
    task = get_task(user, task_id)
    if task.status != "open":
        raise Conflict(_("任务已办结，不能再办理") if task.status == "completed" else _("任务已取消，不能再办理"))
    if not can_act_on(user, task):
        raise Forbidden(_("您没有办理该任务的角色或权限"))
    return task


def claim(user: User, task_id: int) -> HumanTask:
    with unit_of_work():
        task = _actionable(user, task_id)
        if task.claimed_by_id not in (None, user.id):
            raise Conflict(_("该任务已由 %(name)s 认领", name=task.claimed_by.full_name))
        if task.claimed_by_id is None:
            task.claimed_by_id, task.claimed_at = user.id, clock.now()
            record_event(task.case, "task.claimed", sentence(N_("%(actor)s 认领：%(task)s"), actor=user.full_name, task=task.name,
                                                            labels=("task",)), {"task_id": task.id},
                         actor_id=user.id)
    return task


def release(user: User, task_id: int) -> HumanTask:
    with unit_of_work():
        task = get_task(user, task_id)
        if task.status != "open":
            raise Conflict(_("任务已结束，无需释放"))
        if task.claimed_by_id is None:
            raise Conflict(_("该任务尚未被认领"))
        if task.claimed_by_id != user.id and not supervises(user, task):
            raise Forbidden(_("只能释放自己认领的任务"))
        record_event(task.case, "task.released", sentence(N_("%(actor)s 释放：%(task)s"), actor=user.full_name, task=task.name,
                                                         labels=("task",)),
                     {"task_id": task.id, "was_claimed_by": task.claimed_by_id}, actor_id=user.id)
        task.claimed_by_id, task.claimed_at = None, None
    return task


def reassign(user: User, task_id: int, assignee_id) -> HumanTask:
    with unit_of_work():
        task = _supervised(user, task_id)
        if task.status != "open":
            raise Conflict(_("任务已结束，不能改派"))
        assignee = db.session.get(User, assignee_id) if isinstance(assignee_id, int) else None
        if assignee is None or not assignee.active or not can_act_on(assignee, task):
            raise ValidationFailed(_("不能改派给该用户"), {"assignee_id": [_("该用户不存在、已停用或没有办理该任务的角色和权限")]})
        record_event(task.case, "task.reassigned", sentence(N_("%(actor)s 将“%(task)s”改派给 %(assignee)s"), actor=user.full_name,
                                                           task=task.name, assignee=assignee.full_name, labels=("task",)),
                     {"task_id": task.id, "from": task.claimed_by_id, "to": assignee.id}, actor_id=user.id)
        task.claimed_by_id, task.claimed_at = assignee.id, clock.now()
        task_assigned(task)
    return task


def task_form(task: HumanTask) -> tuple[dict, int | None]:
    """The form (JSON Schema) of a task as its process version was deployed, its conditions on
    the case (`x-case`) decided for the task's case (app.forms.conditions), and that version."""
    instance = db.session.get(engine.ProcessInstance, task.instance_id)
    version = forms.version_in(instance.version, task.form_key)
    return forms.conditions.for_case(forms.load_form(task.form_key, version), task.case.form_context()), version


def task_variables(task: HumanTask, instance: engine.ProcessInstance | None = None) -> dict:
    """The process variables an open task sees (plain values), for its form's defaults and date
    bounds (app.forms `x-default`, `today+var:NAME`); empty for a task that is not open."""
    if task.status != "open":
        return {}
    instance = instance or db.session.get(engine.ProcessInstance, task.instance_id)
    if instance is None:
        return {}
    return engine.task_data(instance, task.task_guid, bindings_for(task.case))


def eligible_assignees(task: HumanTask) -> list[User]:
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
    return [u for u in users if can_act_on(u, task)]


def _supervised(user: User, task_id: int) -> HumanTask:
    task = get_task(user, task_id)
    if not supervises(user, task):
        raise Forbidden(_("只有督导员可以改派任务"))
    return task


def assignees_for(user: User, task_id: int) -> list[User]:
    """Who a supervisor may reassign the task to (the choices of the task page's reassign form).
    NotFound (404) outside the user's scope; Forbidden (403) for anyone not supervising the task."""
    return eligible_assignees(_supervised(user, task_id))


def _locked_instance(instance_id: int) -> engine.ProcessInstance:
    """The instance, fresh, with its version, and locked for this transaction (PostgreSQL locks the
    instance row only: completions of other cases of the version go on; the lock_version column
    catches any concurrent writer anyway)."""
    return db.session.scalars(
        select(engine.ProcessInstance).where(engine.ProcessInstance.id == instance_id)
        .options(joinedload(engine.ProcessInstance.version, innerjoin=True))
        .with_for_update(of=engine.ProcessInstance)
        .execution_options(populate_existing=True)
    ).one()


def complete(user: User, task_id: int, data, uploads: dict | None = None) -> tuple[HumanTask, Case, list[HumanTask]]:
    """Complete a task with form data (and, from the web form, files for its file fields)."""
    with unit_of_work():
        task = _actionable(user, task_id)
        if task.claimed_by_id not in (None, user.id):
            raise Forbidden(_("该任务已由 %(name)s 认领，请联系其释放或由督导员改派", name=task.claimed_by.full_name))
        case = task.case
        instance = _locked_instance(task.instance_id)
        held = hold_message(task)
        if held:
            raise Conflict(held)
        form_version = forms.version_in(instance.version, task.form_key)
        if uploads:  # stored in this transaction: a later validation error rolls them back too
            data = attach_uploads(user, case, data, uploads, task=task)
        reads = forms.reads_variables(forms.load_form(task.form_key, form_version))
        data = forms.validate(task.form_key, data, form_version, task_variables(task, instance) if reads else None,
                              case=case.form_context())
        check_attachment_ids(case, task.form_key, data, form_version)
        now = clock.now()
        task.status, task.completed_by_id, task.completed_at = "completed", user.id, now
        if task.claimed_by_id is None:
            task.claimed_by_id, task.claimed_at = user.id, now
        record_event(case, "task.completed", sentence(N_("%(actor)s 办理：%(task)s"), actor=user.full_name, task=task.name,
                                                     labels=("task",)),
                     {"task_id": task.id, "element": task.bpmn_id, "form": task.form_key, "form_version": form_version,
                      "data": data}, actor_id=user.id)
        decisions.record_from_form(case, task, forms.load_form(task.form_key, form_version), data, user)
        result = engine.complete(instance, task.task_guid, data, bindings_for(case))
        created = apply_step(case, instance, result)
        db.session.flush()
        crash_point("complete.before_commit")
    return task, case, created
