"""Moving a running instance to a newer version of its process. Allowed when every task spec the
instance's state refers to exists in the target (in particular every waiting task); the state is
then re-joined with the target spec and predicted paths are recomputed as the instance goes on.

A target that adds boundary events to a waiting activity gets them created on the move, timed
from when the activity began, so the case behaves as if it had started on the target (issue 15,
engine case migration-adds-timer). Reasons for a refusal name elements as the designer named
them, never the engine's internal task specs (`a_task.BoundaryEventJoin`)."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.util.task import TaskState

from app.core.clock import clock
from app.engine.helpers import Bindings
from app.engine.models import ACTIVE_STATUSES, ProcessInstance, ProcessVersion
from app.engine.runtime import _finish, _Stepper, _script_engine
from app.engine.serializer import workflow_from_json

_OPEN = {TaskState.READY, TaskState.WAITING, TaskState.STARTED}


@dataclass
class MigrationPlan:
    instance_id: int
    possible: bool
    waiting: list[str] = field(default_factory=list)  # element ids
    waiting_names: list[str] = field(default_factory=list)  # the same, as the designer named them
    reasons: list[str] = field(default_factory=list)
    # What the move adds: "“单位报送”上的边界事件“到期前提醒”" (designer's names), one per event.
    added: list[str] = field(default_factory=list)
    status: str = "running"  # the instance's: running, blocked (an open incident) or suspended


def _spec_names(spec_json: str) -> dict[str, set[str]]:
    specs = json.loads(spec_json)
    names = {specs["spec"]["name"]: set(specs["spec"]["task_specs"])}
    names.update({key: set(s["task_specs"]) for key, s in specs["subprocess_specs"].items()})
    return names


def _task_specs(spec_json: str) -> dict[str, dict]:
    """Every task spec (as stored) of a version, by name, sub-processes included."""
    specs = json.loads(spec_json)
    found = dict(specs["spec"]["task_specs"])
    for s in specs["subprocess_specs"].values():
        found.update(s["task_specs"])
    return found


def _designer_name(name: str, specs: dict[str, dict]) -> str:
    """“名称”（id） for an element; the engine's helper specs are named after their element."""
    element, _, helper = name.partition(".")
    spec = specs.get(element) or {}
    label = f"“{spec.get('bpmn_name') or element}”（{element}）"
    if helper.startswith("BoundaryEvent"):
        return f"{label}的边界事件"
    return label


def _boundary_additions(task_name: str, source: dict[str, dict], target: dict[str, dict]) -> list[str]:
    """Boundary events the target attaches to a waiting activity that the source did not — also
    beside boundary events it already had (issue 15 attack: a reminder added next to an existing
    overdue timer was neither listed nor created, and never fired)."""
    split = target.get(f"{task_name}.BoundaryEventSplit")
    if split is None:
        return []
    before = set((source.get(f"{task_name}.BoundaryEventSplit") or {}).get("outputs", ()))
    return [f"“{(target.get(task_name) or {}).get('bpmn_name') or task_name}”上的边界事件"
            f"“{target[o].get('bpmn_name') or o}”" for o in split["outputs"] if o != task_name and o not in before]


def _state_refs(state_json: str) -> list[tuple[str, str, int]]:
    """(workflow spec name, task spec name, state) of every task in a serialized instance."""
    state = json.loads(state_json)
    refs = []
    main = state.get("spec_name") or state.get("name")
    for task in state["tasks"].values():
        refs.append((main, task["task_spec"], task["state"]))
    for sub in state.get("subprocesses", {}).values():
        for task in sub["tasks"].values():
            refs.append((sub.get("spec_name") or sub.get("name") or "", task["task_spec"], task["state"]))
    return refs


def plan_migration(instance: ProcessInstance, target: ProcessVersion) -> MigrationPlan:
    plan = MigrationPlan(instance.id, True, status=instance.status)
    if instance.status not in ACTIVE_STATUSES:  # a blocked case moves too: to a fixed version, then retried
        return MigrationPlan(instance.id, False, reasons=["流程实例已结束"])
    if target.definition_id != instance.version.definition_id or target.version <= instance.version.version:
        return MigrationPlan(instance.id, False, reasons=["目标版本必须是同一流程的更新版本"])
    target_names = _spec_names(target.spec_json)
    every = set().union(*target_names.values())
    source_specs, target_specs = _task_specs(instance.version.spec_json), _task_specs(target.spec_json)
    for _, name, state in _state_refs(instance.state_json):
        if state in _OPEN and not name.startswith("Root") and name not in every:
            plan.reasons.append(f"等待中的环节{_designer_name(name, source_specs)}在第 {target.version} 版中已删除"
                                "（请待该环节办结后再迁移，或在新版本中保留它）")
        elif name not in every:
            what = "已办环节" if state == TaskState.COMPLETED else "预计将经过的环节"
            plan.reasons.append(f"{what}{_designer_name(name, source_specs)}在第 {target.version} 版中已删除或改变了结构"
                                "（引擎无法把案件的路径对应到新版本）")
        if state in _OPEN and not name.startswith(("Root", "Start")) and "." not in name:
            plan.waiting.append(name)
            plan.waiting_names.append(_designer_name(name, source_specs))
            if state != TaskState.WAITING:
                plan.added += _boundary_additions(name, source_specs, target_specs)
    plan.reasons = sorted(set(plan.reasons))
    plan.possible = not plan.reasons
    return plan


def migrate(instance: ProcessInstance, target: ProcessVersion, bindings: Bindings,
            started_at: Mapping[str, datetime] | None = None):
    """Re-join the state with the target spec and save; returns the StepResult of the instance
    as it now stands (tasks are re-synced by the caller). `started_at`: task guid → when the
    waiting activity began (UTC), so boundary timers the target adds count from then (default:
    now). Raises ValueError with the plan's reasons when the move is refused."""
    plan = plan_migration(instance, target)
    if not plan.possible:
        raise ValueError("；".join(plan.reasons))
    workflow = workflow_from_json(instance.state_json, target, _script_engine(bindings))
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.STARTED):
        _add_boundary_events(task, (started_at or {}).get(str(task.id)))
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        # Forget the paths ahead that the old diagram predicted and predict them from the target's.
        task._drop_children(force=True)
        task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)
    instance.version = target
    return _finish(instance, workflow, _Stepper(workflow))


def _add_boundary_events(task, started_at: datetime | None) -> None:
    """Put a waiting activity under the boundary-event split the target gives it, with the
    split's boundary events waiting as they would have since `started_at`."""
    split_spec = next((s for s in task.task_spec.inputs if isinstance(s, BoundaryEventSplit)), None)
    parent = task.parent
    if split_spec is None or parent is None:
        return
    if parent.task_spec is split_spec:  # boundary events already there: add the ones the target adds
        split = parent
    else:
        split = parent._add_child(split_spec, TaskState.COMPLETED)
        parent._children.remove(task.id)
        task.parent = split
        split._children.append(task.id)
    present = {child.task_spec.name for child in split.children}
    with clock.travel(started_at or clock.now()):
        for spec in split_spec.outputs:
            if spec is not task.task_spec and spec.name not in present:
                event = split._add_child(spec, TaskState.FUTURE)
                event.task_spec._update(event)
