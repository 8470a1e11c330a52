"""Moving a running instance to a newer version of its process. Allowed when every task spec the
instance's state refers to exists in the target (in particular every waiting task); the state is
then re-joined with the target spec and predicted paths are recomputed as the instance goes on."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from SpiffWorkflow.util.task import TaskState

from app.engine.helpers import Bindings
from app.engine.models import ProcessInstance, ProcessVersion
from app.engine.runtime import _finish, _Stepper, _script_engine
from app.engine.serializer import workflow_from_json

_OPEN = {TaskState.READY, TaskState.WAITING, TaskState.STARTED}


@dataclass
class MigrationPlan:
    instance_id: int
    possible: bool
    waiting: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _spec_names(spec_json: str) -> dict[str, set[str]]:
    specs = json.loads(spec_json)
    names = {specs["spec"]["name"]: set(specs["spec"]["task_specs"])}
    names.update({key: set(s["task_specs"]) for key, s in specs["subprocess_specs"].items()})
    return names


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
    plan = MigrationPlan(instance.id, True)
    if instance.status != "running":
        return MigrationPlan(instance.id, False, reasons=["流程实例已结束"])
    if target.definition_id != instance.version.definition_id or target.version <= instance.version.version:
        return MigrationPlan(instance.id, False, reasons=["目标版本必须是同一流程的更新版本"])
    target_names = _spec_names(target.spec_json)
    every = set().union(*target_names.values())
    for _, name, state in _state_refs(instance.state_json):
        if state in _OPEN and not name.startswith("Root") and name not in every:
            plan.reasons.append(f"等待中的环节 “{name}” 在第 {target.version} 版中不存在")
        elif name not in every:
            plan.reasons.append(f"已办环节 “{name}” 在第 {target.version} 版中不存在")
        if state in _OPEN and not name.startswith(("Root", "Start")) and "." not in name:
            plan.waiting.append(name)
    plan.reasons = sorted(set(plan.reasons))
    plan.possible = not plan.reasons
    return plan


def migrate(instance: ProcessInstance, target: ProcessVersion, bindings: Bindings):
    """Re-join the state with the target spec and save; returns the StepResult of the instance
    as it now stands (tasks are re-synced by the caller)."""
    plan = plan_migration(instance, target)
    if not plan.possible:
        raise ValueError("；".join(plan.reasons))
    workflow = workflow_from_json(instance.state_json, target, _script_engine(bindings))
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        # Forget the paths ahead that the old diagram predicted and predict them from the target's.
        task._drop_children(force=True)
        task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)
    instance.version = target
    return _finish(instance, workflow, _Stepper(workflow))
