"""After every engine step: materialise READY user tasks into `human_task`, cancel the ones the
engine dropped (e.g. a boundary timer closed the objection window), and write the timeline."""
from __future__ import annotations

from sqlalchemy import select

from app.calendar.service import add_working_days
from app.cases.models import Case
from app.cases.timeline import record_event
from app.core.clock import LOCAL_TZ, clock, local_midnight_after
from app.engine import Bindings, ProcessInstance, StepResult
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.i18n import N_, sentence
from app.notifications.service import task_assigned
from app.org.models import ROLES
from app.rules.service import describe
from app.tasks.models import HumanTask
from app.tasks.routing import task_scope

_PASSED_KINDS = {
    "ScriptTask": "process.step",
    "IntermediateCatchEvent": "timer.fired",
    "BoundaryEvent": "timer.fired",
    "EndEvent": "process.ended",
    "StartEvent": "process.started",
    "IntermediateThrowEvent": "process.step",
    "DecisionTask": "rule.applied",
}


def bindings_for(case: Case) -> Bindings:
    return Bindings(subject=case, fields=lambda: {
        "id": case.id, "number": case.number, "title": case.title, "subject_type": case.subject_type,
        "subject_name": case.subject_name, "tier": case.tier, "key_area": case.key_area,
        "source_type": case.source_type, "record_status": case.record_status,
        "district": case.district_code, "registered_on": case.created_at.astimezone(LOCAL_TZ).date().isoformat(),
        "source_decided_on": case.source_decided_on.isoformat() if case.source_decided_on else None,
        "punishment_level": case.punishment_level, "document_number": case.document_number,
    })


def apply_step(case: Case, instance: ProcessInstance, result: StepResult, *, started: bool = False) -> list[HumanTask]:
    """Bring `human_task` and the timeline in line with the engine. Returns the new tasks.
    `started`: the instance was created by this step, so it has no tasks yet."""
    with db.session.no_autoflush:  # one flush for the whole step
        for passed in result.passed:
            if passed.kind == "DecisionTask":
                record_event(case, "rule.applied", describe(passed.name, passed.data),
                             {"element": passed.bpmn_id, **passed.data})
            else:
                record_event(case, _PASSED_KINDS.get(passed.kind, "process.step"),
                             sentence("%(step)s", step=passed.name, labels=("step",)), {"element": passed.bpmn_id})
        # Read without flushing: the step's changes (the completed task among them) are written
        # in one flush below, so the caller's task is open in the database but not here.
        open_tasks = {} if started else {t.task_guid: t for t in db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open"))
            if t.status == "open"}
        ready = {r.guid for r in result.ready}
        for guid, task in open_tasks.items():
            if guid not in ready:
                task.status = "cancelled"
                record_event(case, "task.cancelled", sentence(N_("任务已取消：%(task)s"), task=task.name, labels=("task",)),
                             {"task_id": task.id, "element": task.bpmn_id})
        created = []
        for r in result.ready:
            if r.guid in open_tasks:
                continue
            department_id, district_id = task_scope(r.lane, case)
            due_at = None
            if r.due_working_days is not None:
                try:
                    due_at = local_midnight_after(add_working_days(clock.today(), r.due_working_days))
                except DomainError as exc:  # e.g. next year's calendar: the incident names the task
                    exc.element_id, exc.element_name = r.bpmn_id, r.name
                    raise
            task = HumanTask(
                task_guid=r.guid, case_id=case.id, instance_id=instance.id, bpmn_id=r.bpmn_id, name=r.name,
                role=r.lane or "", department_id=department_id, district_id=district_id, form_key=r.form,
                due_at=due_at, status="open", created_at=clock.now(),
            )
            db.session.add(task)
            created.append(task)
            record_event(case, "task.created", sentence(N_("待办：%(task)s（%(role)s）"), task=r.name, role=ROLES.get(r.lane, r.lane),
                                                       labels=("task", "role")),
                         {"element": r.bpmn_id, "role": r.lane, "due_at": due_at.isoformat() if due_at else None})
        if result.finished and case.closed_at is None:
            case.closed_at = clock.now()
        if not started:  # a case registered in this step already carries its time
            case.updated_at = clock.now()
    db.session.flush()
    for task in created:
        task_assigned(task, new=True)
    return created
