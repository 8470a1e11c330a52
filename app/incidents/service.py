"""Incidents and the operations on a case that needs an operator (issue 15).

A step `tick` runs that fails (a script error, a calendar year not loaded) opens an incident and
blocks the instance: tick leaves it, its tasks cannot be completed. A second failure of the same
instance counts on the open incident (no new notification, no new timeline line). Operators —
admins, and supervisors over the case's district — then:

- retry the failed step after the cause is fixed (the failed step saved nothing: its timer is
  still due, so the retry fires it again);
- skip the failed element (the engine completes it without running it and steps on), after a dry
  run showing what would be skipped and which tasks would open;
- move the token from the task it waits at (or the failed element) to another user task of the
  same (sub-)process (Camunda's modification), after a dry run showing which tasks close and open;
- move the case to a fixed version (app/designer migration; retried automatically after the move);
- suspend / resume a case (timers wait, tasks cannot be completed);
- cancel a case opened in error (its tasks and timers end; the case shows 已撤案).

Each operation takes a reason (required, ≤ 2000 characters), writes a timeline line and notifies
the supervisors over the case and the admins, in one transaction. Outside the user's scope an
incident or case is 404; a user who may see the case but not operate on it gets 403."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import engine
from app.audit import service as audit
from app.cases.models import CASE_STATUSES, Case, TimelineEvent
from app.cases.timeline import record_event
from app.publication import service as publication
from app.core.clock import clock
from app.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_, sentence
from app.incidents.models import Incident
from app.core.inputs import required_text
from app.notifications.service import case_operation
from app.org.models import User
from app.core.pagination import Total, count_capped
from app.core.sqlite import write_transaction
from app.tasks.models import HumanTask
from app.tasks.routing import can_view_case, case_filter, supervises_case
from app.tasks.sync import apply_step, bindings_for
from app.core.transaction import unit_of_work

REASON_MAX = 2000
STATUSES = ("open", "resolved")


@dataclass
class SkipPlan:
    """What a skip does (dry run) or did: the skipped elements (designer's names) and the tasks
    that open next (names), and whether the process ends."""

    skipped: list[str] = field(default_factory=list)
    next_tasks: list[str] = field(default_factory=list)
    finished: bool = False


@dataclass
class MovePlan:
    """What a token move does (dry run) or did: the element left, the task reached (designer's
    names), the tasks that close and open, and whether the process ends."""

    left: str
    reached: str
    closed: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    finished: bool = False


# --- checks ----------------------------------------------------------------------------------

def clean_reason(reason) -> str:
    """The operator's reason, cleaned (`app.core.inputs.required_text`); ValidationFailed (422)
    naming `reason` when blank, longer than REASON_MAX characters or holding control or
    bidi-override characters."""
    return required_text(reason, "reason", _("操作原因"), max_chars=REASON_MAX)


def may_operate(user: User, case: Case) -> bool:
    return user.has_role("admin") or supervises_case(user, case)


def _check_operator(user: User, case: Case | None, not_found: str) -> None:
    """404 when the case is outside what the user may see; 403 when they see it but may not operate."""
    if case is None or not (may_operate(user, case) or can_view_case(user, case)):
        raise NotFound(not_found)
    if not may_operate(user, case):
        raise Forbidden(_("只有管理员或该案件所在范围的督导员可以进行此操作"))


def _scope(query, user: User):
    if user.has_role("admin"):
        return query
    if not user.has_role("supervisor"):
        raise Forbidden(_("只有管理员或督导员可以查看异常"))
    return query.join(Case, Case.id == Incident.case_id).where(case_filter(user))


def list_incidents(user: User, status: str | None = "open", *, page: int = 1,
                   per_page: int = 20) -> tuple[list[Incident], Total]:
    """One page of the incidents in the user's scope (admins: all; supervisors: their district),
    latest failure first. `status`: open, resolved or None (both)."""
    if status not in (*STATUSES, None):
        raise ValidationFailed(_("参数有误"), {"status": [_("status 必须是 %(values)s 之一",
                                                               values=" / ".join((*STATUSES, "all")))]})
    query = _scope(select(Incident), user)
    if status:
        query = query.where(Incident.status == status)
    total = count_capped(query, page, per_page)
    items = db.session.scalars(query.options(joinedload(Incident.case))
                               .order_by(Incident.last_failed_at.desc(), Incident.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total


def get_incident(user: User, incident_id: int) -> Incident:
    incident = db.session.get(Incident, incident_id)
    _check_operator(user, incident.case if incident else None, _("异常不存在"))
    return incident


def get_operable_case(user: User, case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    _check_operator(user, case, _("案件不存在"))
    return case


def open_incident(instance_id: int) -> Incident | None:
    return db.session.scalar(select(Incident).where(Incident.instance_id == instance_id, Incident.status == "open"))


def _locked(instance_id: int) -> engine.ProcessInstance:
    return db.session.scalar(select(engine.ProcessInstance).where(engine.ProcessInstance.id == instance_id)
                             .with_for_update().execution_options(populate_existing=True))


# --- a failed step -----------------------------------------------------------------------------

def _count_failure(incident: Incident, error: DomainError) -> None:
    incident.failure_count += 1
    incident.last_failed_at, incident.error = clock.now(), error.message
    if error.element_id:
        incident.element_id, incident.element_name = error.element_id, error.element_name


def _block(case: Case, instance: engine.ProcessInstance, error: DomainError) -> Incident:
    """In the caller's transaction: open an incident for the failure (or count it on the open
    one) and block the instance. The first failure writes a timeline line and notifies."""
    instance.status, instance.error = "blocked", error.message
    incident = open_incident(instance.id)
    if incident is not None:
        _count_failure(incident, error)
        return incident
    now = clock.now()
    incident = Incident(case_id=case.id, instance_id=instance.id, element_id=error.element_id,
                        element_name=error.element_name, error=error.message, first_failed_at=now,
                        last_failed_at=now, failure_count=1, status="open")
    db.session.add(incident)
    db.session.flush()
    where = incident.element_label or N_("自动环节")
    record_event(case, "incident.opened", sentence(N_("流程在%(element)s出错，案件已阻塞（异常 #%(id)s）：%(error)s"), element=where,
                                                  id=incident.id, error=error.message, labels=("element",)),
                 {"incident_id": incident.id, "element": error.element_id, "error": error.message})

    def render():
        return (_("流程异常：案件 %(number)s 在%(element)s出错，已阻塞", number=case.number,
                  element=incident.element_label or _("自动环节")),
                _("错误：%(error)s", error=error.message) + "\n" + _("案件：%(title)s", title=case.title))

    case_operation(case, render)
    return incident


def record_failure(instance_id: int, error: DomainError) -> Incident | None:
    """A step `tick` ran for this instance failed (and was rolled back): block the instance and
    open or count its incident, in a transaction of its own. None when the instance has no case."""
    with unit_of_work():
        instance = _locked(instance_id)
        case = db.session.scalar(select(Case).where(Case.instance_id == instance_id))
        if case is None:
            instance.status, instance.error = "blocked", error.message
            return None
        return _block(case, instance, error)


# --- operations on an incident ----------------------------------------------------------------

def _resolve(user: User | None, incident: Incident, instance: engine.ProcessInstance, resolution: str,
             reason: str) -> None:
    incident.status, incident.resolution, incident.reason = "resolved", resolution, reason
    incident.resolved_by_id, incident.resolved_at = (user.id if user else None), clock.now()
    audit.record(user, f"incident.{resolution}", f"处理异常 #{incident.id}（{resolution}）：{reason}",
                 {"incident_id": incident.id, "case_id": incident.case_id, "reason": reason})
    if instance.status == "blocked":
        instance.status = "running"
    instance.error = None


def _operable_incident(user: User, incident_id: int) -> tuple[Incident, Case, engine.ProcessInstance]:
    incident = get_incident(user, incident_id)
    if incident.status != "open":
        raise Conflict(_("异常 #%(id)s 已处理，无需再操作", id=incident.id))
    instance = _locked(incident.instance_id)
    if instance.status == "suspended":
        raise Conflict(_("案件已暂停，请先恢复再处理异常"))
    return incident, incident.case, instance


def _run_step(case: Case, instance: engine.ProcessInstance) -> None:
    """Fire the instance's due step inside a savepoint: on failure nothing of it stays."""
    with db.session.begin_nested():
        apply_step(case, instance, engine.fire_timers(instance, bindings_for(case)))


def _notify_operation(case: Case, title: str, reason: str, *, units: bool = False) -> None:
    """Tell those concerned about an operation. `title`: a literal msgid (marked N_) with %(number)s."""
    def render():
        return _(title, number=case.number), _("原因：%(reason)s", reason=reason) + "\n" + _("案件：%(title)s", title=case.title)

    case_operation(case, render, units=units)


def retry(user: User, incident_id: int, reason) -> Incident:
    """Run the failed step again. Success resolves the incident (retried) and the case goes on;
    failure keeps it open with the new error and count, and raises the engine's error (409/422)."""
    reason = clean_reason(reason)
    failure: DomainError | None = None
    with unit_of_work():
        incident, case, instance = _operable_incident(user, incident_id)
        instance.status = "running"  # the step runs as it would have at tick
        try:
            _run_step(case, instance)
        except DomainError as exc:
            failure = exc
            instance = _locked(instance.id)
            _count_failure(incident, exc)
            instance.status, instance.error = "blocked", exc.message
            record_event(case, "incident.retry_failed", sentence(N_("%(actor)s 重试异常 #%(id)s，仍然失败：%(error)s"),
                                                                actor=user.full_name, id=incident.id, error=exc.message),
                         {"incident_id": incident.id, "reason": reason, "error": exc.message}, actor_id=user.id)
        else:
            _resolve(user, incident, instance, "retried", reason)
            record_event(case, "incident.retried", sentence(N_("%(actor)s 重试异常 #%(id)s 成功，案件继续办理（原因：%(reason)s）"),
                                                           actor=user.full_name, id=incident.id, reason=reason),
                         {"incident_id": incident.id, "reason": reason}, actor_id=user.id)
            _notify_operation(case, N_("异常已重试成功：案件 %(number)s 继续办理"), reason)
    if failure is not None:
        raise failure
    return incident


def _skip_step(incident: Incident, case: Case, instance: engine.ProcessInstance) -> SkipPlan:
    instance.status = "running"
    skipped, result = engine.skip_failed(instance, bindings_for(case))
    created = apply_step(case, instance, result)
    return SkipPlan([f"“{p.name}”（{p.bpmn_id}）" for p in skipped], [t.name for t in created], result.finished)


def skip(user: User, incident_id: int, reason, *, dry_run: bool = False) -> SkipPlan:
    """Skip the failed element: the engine marks it complete without running it and steps on.
    `dry_run`: run exactly that in a transaction that is rolled back, and report the plan. Raises
    NothingToSkip (409) when the step now runs, or the engine's error when it cannot be skipped."""
    reason = clean_reason(reason)
    if dry_run:
        session = db.session()
        with write_transaction(session):
            try:
                incident, case, instance = _operable_incident(user, incident_id)
                return _skip_step(incident, case, instance)
            finally:
                session.rollback()
    with unit_of_work():
        incident, case, instance = _operable_incident(user, incident_id)
        plan = _skip_step(incident, case, instance)
        _resolve(user, incident, instance, "skipped", reason)
        record_event(case, "incident.skipped",
                     sentence(N_("%(actor)s 跳过出错环节%(steps)s（异常 #%(id)s，原因：%(reason)s）"), actor=user.full_name,
                             steps=list(plan.skipped), id=incident.id, reason=reason, labels=("steps",)),
                     {"incident_id": incident.id, "reason": reason, "skipped": plan.skipped}, actor_id=user.id)
        _notify_operation(case, N_("出错环节已跳过：案件 %(number)s 继续办理"), reason)
    return plan


def after_migration(user: User, case: Case, instance: engine.ProcessInstance, target: int) -> bool:
    """In the migration's transaction: a blocked case moved to another version is retried at once.
    Success resolves its incident (migrated) → True; failure keeps it blocked and counts the
    failure on the incident → False. Other instances are left alone (False)."""
    incident = open_incident(instance.id)
    if instance.status != "blocked" or incident is None:
        return False
    reason = f"迁移到第 {target} 版后自动重试"
    instance.status = "running"
    try:
        _run_step(case, instance)
    except DomainError as exc:
        instance = _locked(instance.id)
        _count_failure(incident, exc)
        instance.status, instance.error = "blocked", exc.message
        record_event(case, "incident.retry_failed", sentence(N_("迁移后自动重试异常 #%(id)s，仍然失败：%(error)s"), id=incident.id,
                                                            error=exc.message),
                     {"incident_id": incident.id, "error": exc.message}, actor_id=user.id)
        return False
    _resolve(user, incident, instance, "migrated", reason)
    record_event(case, "incident.migrated", sentence(N_("迁移到第 %(version)s 版后重试异常 #%(id)s 成功，案件继续办理"),
                                                    version=target, id=incident.id),
                 {"incident_id": incident.id, "to": target}, actor_id=user.id)
    _notify_operation(case, N_("异常已通过迁移解决：案件 %(number)s 继续办理"), reason)
    return True


# --- operations on a case ---------------------------------------------------------------------

def _operable_instance(user: User, case_id: int) -> tuple[Case, engine.ProcessInstance]:
    case = get_operable_case(user, case_id)
    if case.instance_id is None:
        raise Conflict(_("该案件没有流程实例"))
    return case, _locked(case.instance_id)


def suspend(user: User, case_id: int, reason) -> Case:
    """Suspend a running or blocked case: tick leaves its timers (due ones fire at the first tick
    after resuming), its tasks cannot be completed."""
    reason = clean_reason(reason)
    with unit_of_work():
        case, instance = _operable_instance(user, case_id)
        if instance.status not in ("running", "blocked"):
            raise Conflict(_("只有办理中的案件可以暂停") if instance.status != "suspended" else _("案件已暂停"))
        instance.status = "suspended"
        record_event(case, "case.suspended", sentence(N_("%(actor)s 暂停案件（原因：%(reason)s）"), actor=user.full_name, reason=reason),
                     {"reason": reason},
                     actor_id=user.id)
        audit.record(user, "case.suspended", f"暂停案件 {case.number}：{reason}", {"case_id": case.id, "reason": reason})
        _notify_operation(case, N_("案件 %(number)s 已暂停"), reason, units=True)
    return case


def _postpone_deadlines(case: Case, instance: engine.ProcessInstance) -> None:
    """The time a case was suspended does not count against the unit: its open tasks' deadlines
    and its waiting timers run again from where they stood (postponed by the suspension's length)."""
    suspended_at = db.session.scalar(select(TimelineEvent.at).where(
        TimelineEvent.case_id == case.id, TimelineEvent.kind == "case.suspended").order_by(TimelineEvent.id.desc()))
    if suspended_at is None:
        return
    delta = clock.now() - suspended_at
    tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open",
                                                       HumanTask.due_at.is_not(None))).all()
    for task in tasks:
        task.due_at += delta
    timers = engine.postpone_timers(instance, bindings_for(case), delta)
    if tasks or timers:
        days = delta.total_seconds() / 86400
        record_event(case, "deadline.postponed", sentence(N_("暂停期间（%(days)s 天）不计入期限：%(tasks)s 项待办的期限和 %(timers)s 个定时顺延"),
                                                         days=f"{days:.1f}", tasks=len(tasks), timers=timers),
                     {"seconds": delta.total_seconds(), "tasks": len(tasks), "timers": timers})


def resume(user: User, case_id: int, reason) -> Case:
    """Resume a suspended case: blocked again if its incident is still open, else running."""
    reason = clean_reason(reason)
    with unit_of_work():
        case, instance = _operable_instance(user, case_id)
        if instance.status != "suspended":
            raise Conflict(_("案件未暂停，无需恢复"))
        instance.status = "blocked" if open_incident(instance.id) is not None else "running"
        record_event(case, "case.resumed", sentence(N_("%(actor)s 恢复案件（原因：%(reason)s）"), actor=user.full_name, reason=reason),
                     {"reason": reason},
                     actor_id=user.id)
        _postpone_deadlines(case, instance)
        audit.record(user, "case.resumed", f"恢复案件 {case.number}：{reason}", {"case_id": case.id, "reason": reason})
        _notify_operation(case, N_("案件 %(number)s 已恢复办理"), reason, units=True)
    return case


def cancel(user: User, case_id: int, reason) -> Case:
    """Cancel (撤案) a case opened in error: its open tasks are cancelled, its instance ends with
    no timer, its open incident is resolved (cancelled) and the case closes as 已撤案."""
    reason = clean_reason(reason)
    with unit_of_work():
        case, instance = _operable_instance(user, case_id)
        if instance.status not in engine.ACTIVE_STATUSES:
            raise Conflict(_("案件已结束，不能撤案"))
        now = clock.now()
        for task in db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                               HumanTask.status == "open")):
            task.status = "cancelled"
            record_event(case, "task.cancelled", sentence(N_("任务已取消：%(task)s"), task=task.name, labels=("task",)),
                         {"task_id": task.id, "element": task.bpmn_id})
        incident = open_incident(instance.id)
        if incident is not None:
            _resolve(user, incident, instance, "cancelled", reason)
        instance.status, instance.next_timer_at, instance.completed_at = "cancelled", None, now
        record_event(case, "status.changed", sentence(N_("撤案：%(old)s → 已撤案"), old=CASE_STATUSES.get(case.record_status, case.record_status),
                                                     labels=("old",)),
                     {"from": case.record_status, "to": "cancelled"})
        case.record_status, case.closed_at, case.updated_at = "cancelled", now, now
        publication.end_publication(case, "deletion")  # a case opened in error is no longer public
        record_event(case, "case.cancelled", sentence(N_("%(actor)s 撤案（原因：%(reason)s）"), actor=user.full_name, reason=reason),
                     {"reason": reason},
                     actor_id=user.id)
        audit.record(user, "case.cancelled", f"撤案 {case.number}：{reason}", {"case_id": case.id, "reason": reason})
        _notify_operation(case, N_("案件 %(number)s 已撤案"), reason, units=True)
    return case


def move_options(user: User, case_id: int) -> list[engine.TokenPosition]:
    """Where the case's tokens wait and the user tasks each may be moved to (read only, no lock).
    Raises NotFound outside the user's scope, Forbidden for roles that may not operate."""
    case = get_operable_case(user, case_id)
    instance = db.session.get(engine.ProcessInstance, case.instance_id) if case.instance_id else None
    if instance is None or instance.status not in ("running", "blocked"):
        return []
    return engine.token_positions(instance, bindings_for(case))


def _move_step(case: Case, instance: engine.ProcessInstance, source: str, target: str) -> MovePlan:
    before = {t.id: t.name for t in db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open"))}
    was = instance.status
    instance.status = "running"
    try:
        left, reached, result = engine.move_token(instance, bindings_for(case), source, target)
    except DomainError:
        instance.status = was
        raise
    opened = apply_step(case, instance, result)
    closed = [name for task_id, name in before.items() if db.session.get(HumanTask, task_id).status == "cancelled"]
    return MovePlan(f"“{left.name}”（{left.bpmn_id}）", f"“{reached.name}”（{reached.bpmn_id}）", closed,
                    [t.name for t in opened], result.finished)


def _move_fields(source, target) -> tuple[str, str]:
    problems = {}
    for name, value, label in (("source", source, _("当前环节")), ("target", target, _("目标环节"))):
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            problems[name] = [_("请选择%(what)s", what=label)]
    if problems:
        raise ValidationFailed(_("请选择要移动的环节和目标环节"), fields=problems)
    return source.strip(), target.strip()


def move(user: User, case_id: int, source, target, reason, *, dry_run: bool = False) -> MovePlan:
    """Move the case's token from `source` (the bpmn id of the user task it waits at) to the user
    task `target` of the same (sub-)process; the engine then steps on (due timers fire). `dry_run`:
    run exactly that in a transaction that is rolled back and report the plan. A blocked case
    whose move steps past what failed resolves its incident (moved); if the failure remains, the
    move is refused with the engine's error. Raises ValidationFailed (422: fields
    `source`, `target`, `reason`), Conflict (409: suspended or ended case) or MoveRefused (409,
    why, in the designer's words); nothing is saved then."""
    source, target = _move_fields(source, target)
    reason = clean_reason(reason)

    def operate() -> tuple[Case, engine.ProcessInstance, MovePlan]:
        case, instance = _operable_instance(user, case_id)
        if instance.status == "suspended":
            raise Conflict(_("案件已暂停，请先恢复再移动"))
        if instance.status not in ("running", "blocked"):
            raise Conflict(_("案件已结束，不能移动"))
        return case, instance, _move_step(case, instance, source, target)

    if dry_run:
        session = db.session()
        with write_transaction(session):
            try:
                return operate()[2]
            finally:
                session.rollback()
    with unit_of_work():
        case, instance, plan = operate()
        incident = open_incident(instance.id)
        if incident is not None:  # the move stepped the case past what failed (else it was refused)
            _resolve(user, incident, instance, "moved", reason)
        record_event(case, "case.token_moved", sentence(N_("%(actor)s 将案件从%(left)s移动到%(reached)s（原因：%(reason)s）"),
                                                       actor=user.full_name, left=plan.left, reached=plan.reached, reason=reason,
                                                       labels=("left", "reached")),
                     {"from": source, "to": target, "reason": reason, "closed": plan.closed, "opened": plan.opened},
                     actor_id=user.id)
        audit.record(user, "case.token_moved", f"移动案件 {case.number}：{source} → {target}：{reason}",
                     {"case_id": case.id, "from": source, "to": target, "reason": reason})
        _notify_operation(case, N_("案件 %(number)s 已移动到其他环节"), reason, units=True)
    return plan
