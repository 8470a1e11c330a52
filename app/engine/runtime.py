"""Running instances: start, complete a user task, fire due timers. Each call loads the state,
re-attaches our sandboxed script engine, steps the engine and saves the state without the spec.
Callers get plain values (ReadyTask, StepResult), never Spiff objects."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import (
    SpiffWorkflowException,
    TaskNotFoundException,
    WorkflowException,
)
from SpiffWorkflow.util.task import TaskState

from app.core.clock import clock
from app.engine import sandbox, timers
from app.engine.business_rules import PROVENANCE
from app.engine.environment import SandboxedScriptEngine
from app.engine.helpers import ActionError, Bindings
from app.engine.models import ProcessInstance, ProcessVersion
from app.engine.history import prune
from app.engine.serializer import state_to_json, version_specs, workflow_from_json
from app.core.errors import Conflict, DomainError, ProcessError
from app.core.extensions import db

_MAX_TIMER_ROUNDS = 50  # a timer loop that keeps firing is a modelling error, not a reason to spin


@dataclass(frozen=True)
class ReadyTask:
    guid: str
    bpmn_id: str
    name: str
    lane: str | None
    form: str | None
    due_working_days: int | None
    # The task's own unit (`cx:unit`: a unit code, e.g. one implementing unit of a multi-instance
    # task's item) and what it is about (`cx:item`, text); None when the model gives none.
    unit: str | None = None
    item: str | None = None


@dataclass(frozen=True)
class Passed:
    """An engine step worth a timeline line: a script task, a timer or an end event."""

    bpmn_id: str
    name: str
    kind: str
    data: dict = field(default_factory=dict)  # a business rule task: the decision's provenance


@dataclass
class StepResult:
    ready: list[ReadyTask]
    next_timer_at: datetime | None
    finished: bool
    passed: list[Passed] = field(default_factory=list)


class StepFailed(ProcessError):
    """A script, condition or timer failed while the engine stepped; nothing was saved."""


def _script_engine(bindings: Bindings) -> SandboxedScriptEngine:
    return SandboxedScriptEngine(bindings, current_app.config["SCRIPT_TIME_LIMIT_SECONDS"])


def _new_workflow(version: ProcessVersion, bindings: Bindings) -> BpmnWorkflow:
    spec, subprocess_specs = version_specs(version)
    return BpmnWorkflow(spec, subprocess_specs, script_engine=_script_engine(bindings))


def _load(instance: ProcessInstance, bindings: Bindings) -> BpmnWorkflow:
    return workflow_from_json(instance.state_json, instance.version, _script_engine(bindings))


@lru_cache(maxsize=64)
def _parsed_meta(task_meta_json: str) -> dict:
    return json.loads(task_meta_json)


def _meta(version: ProcessVersion) -> dict:
    return _parsed_meta(version.task_meta_json)  # read-only: shared by every step of the version


def has_deadline_timer(version: ProcessVersion, element: str) -> bool:
    """Whether the model enforces this user task's deadline itself (a boundary timer on it)."""
    return bool(_meta(version)["tasks"].get(element, {}).get("deadline_timer"))


class _Stepper:
    """Runs the engine and records what it passed, turning engine failures into StepFailed."""

    def __init__(self, workflow: BpmnWorkflow):
        self.workflow = workflow
        self.passed: list[Passed] = []

    def _did_complete(self, task) -> None:
        spec = task.task_spec
        kind = type(spec).__name__
        if kind == "DecisionTask":  # always recorded: which decision, version and rows gave the values
            self.passed.append(Passed(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, kind,
                                      task.internal_data.get(PROVENANCE, {})))
        elif getattr(spec, "bpmn_name", None) and kind in {"ScriptTask", "IntermediateCatchEvent", "BoundaryEvent", "EndEvent",
                                                           "StartEvent", "IntermediateThrowEvent"}:
            self.passed.append(Passed(spec.bpmn_id, spec.bpmn_name, kind))

    def run(self, fn) -> None:
        try:
            fn()
        except SpiffWorkflowException as exc:
            raise _step_failed(exc) from exc

    def engine_steps(self) -> None:
        self.run(lambda: self.workflow.do_engine_steps(did_complete_task=self._did_complete))

    def fire_timers(self) -> None:
        for _ in range(_MAX_TIMER_ROUNDS):
            self.run(self.workflow.refresh_timers)
            if not any(not t.task_spec.manual for t in self.workflow.get_tasks(state=TaskState.READY)):
                return
            self.engine_steps()
        raise StepFailed("定时器循环触发次数过多，已停止（请检查流程中的定时器）")


def _step_failed(exc: SpiffWorkflowException) -> DomainError:
    """The domain error to report for an engine failure, carrying the element it failed at
    (`element_id`, `element_name`: the designer's id and name) when the engine names one."""
    cause = exc.__cause__ or exc.__context__  # Spiff wraps without keeping the original explicitly
    task = getattr(exc, "task", None)
    element_id = element_name = None
    if task is not None:
        spec = task.task_spec
        element_id = getattr(spec, "bpmn_id", None) or spec.name
        element_name = getattr(spec, "bpmn_name", None) or element_id
    if isinstance(cause, DomainError):
        error = cause  # e.g. a calendar year not loaded, or a domain action refusing the step
    else:
        # An action's refusal reads as its own message, never "ActionError:…" (issue 15 attack).
        detail = str(cause) if isinstance(cause, (sandbox.SandboxError, ActionError, timers.TimerValueError)) else str(exc)
        error = StepFailed(f"流程执行出错：{element_name}（{element_id}）：{detail}" if task is not None
                           else f"流程执行出错：{detail}")
    if element_id is not None:
        error.element_id, error.element_name = element_id, element_name
    return error


ITEM_MAX, UNIT_MAX = 100, 40  # HumanTask.item, Department.code


def _evaluate(workflow: BpmnWorkflow, task, expression: str):
    try:
        return workflow.script_engine.evaluate(task, expression)
    except SpiffWorkflowException as exc:
        raise _step_failed(exc) from exc


def _text(value, what: str, name: str, limit: int) -> str:
    """A task's `cx:unit` / `cx:item` value: a non-empty string (an int is written as text) of at most
    `limit` characters; StepFailed naming the task otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise StepFailed(f"“{name}”的{what}必须得到不超过 {limit} 个字的文字，实际为 {value!r}"[:500])
    return value.strip()


def _ready_tasks(workflow: BpmnWorkflow, meta: dict) -> list[ReadyTask]:
    result = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        spec = task.task_spec
        name = spec.bpmn_name or spec.bpmn_id
        info = meta["tasks"].get(spec.bpmn_id, {})
        due = unit = item = None
        if info.get("due"):
            value = _evaluate(workflow, task, info["due"])
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise StepFailed(f"“{spec.bpmn_name}”的期限表达式必须得到非负整数（工作日数），实际为 {value!r}")
            due = value
        if info.get("unit"):
            unit = _text(_evaluate(workflow, task, info["unit"]), "办理单位表达式（cx:unit）", name, UNIT_MAX)
        if info.get("item"):
            item = _text(_evaluate(workflow, task, info["item"]), "办理事项表达式（cx:item）", name, ITEM_MAX)
        result.append(ReadyTask(str(task.id), spec.bpmn_id, name, info.get("lane"), info.get("form"), due, unit, item))
    return result


def _next_timer(workflow: BpmnWorkflow) -> datetime | None:
    due = []
    for event in workflow.waiting_events():
        if event.event_type.endswith("EventDefinition") and isinstance(event.value, str):
            try:
                when = TimerEventDefinition.get_datetime(event.value)
            except ValueError:
                continue
            due.append(when)
    return min(due) if due else None


def _finish(instance: ProcessInstance, workflow: BpmnWorkflow, stepper: _Stepper) -> StepResult:
    ready = _ready_tasks(workflow, _meta(instance.version))
    finished = workflow.is_completed()
    prune(workflow)  # the finished past is in our timeline; the engine keeps only what can still run
    instance.state_json = state_to_json(workflow)
    instance.next_timer_at = None if finished else _next_timer(workflow)
    instance.updated_at = clock.now()
    if finished:
        instance.status, instance.completed_at = "completed", clock.now()
    return StepResult(ready, instance.next_timer_at, finished, stepper.passed)


def start(version: ProcessVersion, data: dict, bindings: Bindings) -> tuple[ProcessInstance, StepResult]:
    """Create and run a new instance until it waits. Adds the instance to the session."""
    workflow = _new_workflow(version, bindings)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.set_data(**data)
    instance = ProcessInstance(version=version, state_json="", status="running")
    db.session.add(instance)
    stepper = _Stepper(workflow)
    stepper.engine_steps()
    return instance, _finish(instance, workflow, stepper)


# Why an instance that is not running takes no step (its tasks cannot be completed).
NOT_RUNNING = {
    "blocked": "流程实例因异常已阻塞，任务暂不可办理",
    "suspended": "流程实例已暂停，任务暂不可办理",
}


def complete(instance: ProcessInstance, task_guid: str, data: dict, bindings: Bindings) -> StepResult:
    """Complete one READY user task with (already validated) form data and step on. Conflict
    when the instance is not running (blocked, suspended, ended)."""
    if instance.status != "running":
        raise Conflict(NOT_RUNNING.get(instance.status, "该流程实例已结束，任务不可办理"))
    workflow = _load(instance, bindings)
    try:
        task = workflow.get_task_from_id(uuid.UUID(task_guid))
    except (TaskNotFoundException, WorkflowException, ValueError):
        task = None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise Conflict("该任务已被办理或已失效，请刷新后重试")
    task.set_data(**data)
    stepper = _Stepper(workflow)
    on_complete = _meta(instance.version)["tasks"].get(task.task_spec.bpmn_id, {}).get("onComplete")
    if on_complete:  # the model's `cx:onComplete` script: with the task's data, before it moves on
        stepper.run(lambda: workflow.script_engine.execute(task, on_complete))
    stepper.run(task.run)
    stepper.engine_steps()
    stepper.fire_timers()
    return _finish(instance, workflow, stepper)


def task_data(instance: ProcessInstance, task_guid: str, bindings: Bindings) -> dict:
    """The data (process variables) a waiting user task sees, as plain JSON values: what its form
    may read for defaults and date bounds (`x-default`, `today+var:NAME`). Empty when the task is
    not found (completed meanwhile, or the instance ended). Saves nothing."""
    workflow = _load(instance, bindings)
    try:
        task = workflow.get_task_from_id(uuid.UUID(task_guid))
    except (TaskNotFoundException, WorkflowException, ValueError):
        return {}
    if task is None:
        return {}
    return {k: v for k, v in task.data.items() if isinstance(v, (str, int, float, bool)) or v is None}


def fire_timers(instance: ProcessInstance, bindings: Bindings) -> StepResult:
    """Fire whatever timers of this instance are due by the clock, and step on (also what a retry
    of a failed step runs: a failed step saved nothing, so its timer is still due)."""
    workflow = _load(instance, bindings)
    stepper = _Stepper(workflow)
    stepper.fire_timers()
    return _finish(instance, workflow, stepper)


class NotWaiting(Conflict):
    """The instance does not wait for this message now (no message catch event is armed)."""


def _message_names(definition) -> Iterator[str]:
    """The message names an event definition catches (an event-based gateway holds several)."""
    if isinstance(definition, MessageEventDefinition):
        yield definition.name
    for inner in getattr(definition, "event_definitions", None) or ():
        yield from _message_names(inner)


def _waiting_messages(workflow: BpmnWorkflow) -> set[str]:
    """Messages an armed catch of the workflow (or its sub-processes) would catch now: intermediate
    catch events, boundary events while their activity runs, event-based gateways."""
    names = set()
    for task in list(workflow.event_manager.tasks.values()):
        spec = task.task_spec
        for name in _message_names(getattr(spec, "event_definition", None)):
            if spec.catches(task, BpmnEvent(MessageEventDefinition(name))):
                names.add(name)
    return names


def waiting_messages(instance: ProcessInstance, bindings: Bindings) -> set[str]:
    """The names of the BPMN messages (`<bpmn:message name=…>`) the instance waits for now: its
    armed intermediate message catch events and message boundary events. Empty when it is not
    running."""
    if instance.status != "running":
        return set()
    return _waiting_messages(_load(instance, bindings))


def deliver_message(instance: ProcessInstance, name: str, payload: Mapping, bindings: Bindings) -> StepResult:
    """Deliver the BPMN message `name` from outside (an API call, a form, another system) to this
    instance and step on. Every armed catch of that message fires (a boundary event interrupts its
    activity or, non-interrupting, opens a path beside it); `payload` (a dict of plain values)
    becomes task data of the catching path. Correlation — which instance a message is for — is the
    caller's: it has already found the case (by id, or by a key such as the source document
    number). Raises Conflict when the instance is not running, NotWaiting when no catch of `name`
    is armed, StepFailed when a step after it fails (nothing saved then)."""
    if instance.status != "running":
        raise Conflict(NOT_RUNNING.get(instance.status, "该流程实例已结束，不再接收消息"))
    workflow = _load(instance, bindings)
    if name not in _waiting_messages(workflow):
        raise NotWaiting(f"流程当前不在等待消息“{name}”")
    stepper = _Stepper(workflow)
    event = BpmnEvent(MessageEventDefinition(name), payload=dict(payload))
    stepper.run(lambda: workflow.send_event(event))
    stepper.engine_steps()
    stepper.fire_timers()
    return _finish(instance, workflow, stepper)


class NothingToSkip(Conflict):
    """The step that failed runs now: there is nothing to skip (retry instead)."""


def skip_failed(instance: ProcessInstance, bindings: Bindings) -> tuple[list[Passed], StepResult]:
    """Run the instance's due step; where an element fails (a script task in ERROR), mark it
    complete without running it and step on. Returns (the skipped elements, the step's result).
    Raises NothingToSkip when nothing fails, or the engine's error when the failure is not at a
    task that can be completed (or a later element fails too); nothing is saved then."""
    workflow = _load(instance, bindings)
    stepper = _Stepper(workflow)
    try:
        stepper.fire_timers()
    except DomainError:
        failed = workflow.get_tasks(state=TaskState.ERROR)
        if not failed:
            raise
        skipped = []
        for task in failed:
            spec = task.task_spec
            skipped.append(Passed(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, type(spec).__name__))
            task.complete()  # Spiff: an ERROR task may be completed by hand, its script not run
        stepper.engine_steps()
        stepper.fire_timers()
        return skipped, _finish(instance, workflow, stepper)
    raise NothingToSkip("该环节现在可以正常执行，无需跳过，请改用“重试”")



@dataclass(frozen=True)
class ReplannedTimer:
    """A waiting timer whose due time a calendar correction moved (UTC instants)."""

    element: str  # the designer's name of the timer event (or the gateway it belongs to)
    old: datetime
    new: datetime


def replan_timers(instance: ProcessInstance, bindings: Bindings,
                  started_at: Mapping[str, datetime] | None = None) -> list[ReplannedTimer]:
    """Plan the instance's waiting timers again as of when each was planned, so working-day
    deadlines follow a corrected calendar; saves the state and `next_timer_at` when one moved.
    `started_at`: task guid → when that user task began, for boundary timers planned before
    planning times were kept. Raises StepFailed when a timer expression fails (e.g. a calendar
    year not loaded); nothing is saved then."""
    workflow = _load(instance, bindings)
    moved: list[ReplannedTimer] = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        main = next((c for c in task.parent.children if c is not task and not hasattr(c.task_spec, "cancel_activity")),
                    None) if task.parent is not None else None
        fallback = (started_at or {}).get(str(main.id)) if main is not None else None
        try:
            changes = timers.replan(task, fallback)
        except SpiffWorkflowException as exc:
            raise _step_failed(exc) from exc
        name = getattr(task.task_spec, "bpmn_name", None) or getattr(task.task_spec, "bpmn_id", task.task_spec.name)
        moved += [ReplannedTimer(name, timers.parse_instant(old), timers.parse_instant(new)) for old, new in changes]
    if moved:
        _finish(instance, workflow, _Stepper(workflow))
    return moved


def postpone_timers(instance: ProcessInstance, bindings: Bindings, delta: timedelta) -> int:
    """Move every waiting timer of the instance `delta` later (the time a case was suspended:
    its deadlines run again from where they stood) and save; returns how many moved."""
    workflow = _load(instance, bindings)
    moved = sum(timers.postpone(task, delta) for task in workflow.get_tasks(state=TaskState.WAITING))
    if moved:
        _finish(instance, workflow, _Stepper(workflow))
    return moved
