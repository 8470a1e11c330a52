"""Process instance modification (Camunda's term; issue 15): move a case's token from the task
it waits at to another task of the same process or sub-process — send a case back to an earlier
step, or past a step an operator settled outside the system.

What moves, and what is refused (with the designer's names, never engine-internal ids):
- the token must wait at a user task (READY) or at an element that failed (ERROR, an incident);
- the target is a user task of the same (sub-)process as the token — never a gateway, event or
  sub-process, never into or out of a sub-process;
- the token must be the only one in its (sub-)process: with parallel branches or a pending
  supervision the engine's joins would not add up, so the move is refused until they finish.
The task the token leaves is cancelled with its boundary events (timers); the target starts as
if the flow had reached it now: its boundary events (reminders, overdue timers) count from the
move, its deadline too, and it sees the case data as it stands."""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.util.task import TaskState

from app.core.errors import Conflict
from app.engine.helpers import Bindings
from app.engine.models import ProcessInstance
from app.engine.runtime import StepResult, _finish, _load, _Stepper

_MOVABLE = TaskState.READY | TaskState.ERROR
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


class MoveRefused(Conflict):
    """The token cannot be moved as asked (409); the message says why in the designer's words."""


@dataclass(frozen=True)
class Element:
    bpmn_id: str
    name: str


@dataclass(frozen=True)
class TokenPosition:
    """Where a token waits (`at`), whether it waits at a failed element, and the user tasks of
    the same (sub-)process it may be moved to (empty with `refusal` set when it may not move)."""

    at: Element
    failed: bool
    targets: tuple[Element, ...]
    refusal: str | None = None


def _element(spec) -> Element:
    return Element(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id)


def _holder(task):
    """The task itself, or the boundary-event split it hangs under (cancelled with it)."""
    parent = task.parent
    return parent if parent is not None and isinstance(parent.task_spec, BoundaryEventSplit) else task


def _within(task, ancestor) -> bool:
    while task is not None:
        if task is ancestor:
            return True
        task = task.parent
    return False


def _user_tasks(workflow) -> list:
    return sorted((s for s in workflow.spec.task_specs.values()
                   if getattr(s, "manual", False) and getattr(s, "bpmn_id", None)), key=lambda s: s.bpmn_id)


def _refusal(task) -> str | None:
    holder = _holder(task)
    others = [t for t in task.workflow.get_tasks(state=_OPEN)
              if t.workflow is task.workflow and not _within(t, holder) and t.task_spec.name != "Root"
              and not t.task_spec.name.endswith("EventJoin")]
    if others:
        names = "、".join(sorted({f"“{getattr(t.task_spec, 'bpmn_name', None) or t.task_spec.name}”" for t in others}))
        return (f"“{task.task_spec.bpmn_name or task.task_spec.bpmn_id}”所在的流程中还有并行进行的环节（{names}），"
                "移动会使汇合无法完成；请待这些环节办结后再移动")
    return None


def _movable_tasks(workflow) -> list:
    return [t for t in workflow.get_tasks(state=_MOVABLE)
            if getattr(t.task_spec, "bpmn_id", None) and (t.task_spec.manual or t.state == TaskState.ERROR)]


def positions(instance: ProcessInstance, bindings: Bindings) -> list[TokenPosition]:
    """Every token that could be moved, with its possible targets (or why it cannot move)."""
    workflow = _load(instance, bindings)
    found = []
    for task in _movable_tasks(workflow):
        refusal = _refusal(task)
        targets = () if refusal else tuple(_element(s) for s in _user_tasks(task.workflow)
                                           if s.bpmn_id != task.task_spec.bpmn_id or task.state == TaskState.ERROR)
        found.append(TokenPosition(_element(task.task_spec), task.state == TaskState.ERROR, targets, refusal))
    return found


def move_token(instance: ProcessInstance, bindings: Bindings, source: str, target: str) -> tuple[Element, Element, StepResult]:
    """Move the token waiting at element `source` (bpmn id) to the user task `target` (bpmn id)
    of the same (sub-)process; step the engine until it waits again and save the state.
    Returns (left, reached, the step's result). Raises MoveRefused (409) when the case does not
    wait at `source`, `target` is not a user task of the same (sub-)process, or other branches
    run beside the token; nothing is saved then."""
    workflow = _load(instance, bindings)
    task = next((t for t in _movable_tasks(workflow) if t.task_spec.bpmn_id == source), None)
    if task is None:
        raise MoveRefused(f"案件当前不在环节“{source}”等待，无法从该环节移动")
    spec = next((s for s in _user_tasks(task.workflow) if s.bpmn_id == target), None)
    if spec is None:
        raise MoveRefused(f"“{target}”不是与“{task.task_spec.bpmn_name or source}”同一流程（子流程）中的用户任务，"
                          "只能移动到同一层级的用户任务")
    if spec is task.task_spec and task.state != TaskState.ERROR:
        raise MoveRefused(f"案件已在“{spec.bpmn_name or target}”等待，无需移动")
    if (refusal := _refusal(task)) is not None:
        raise MoveRefused(refusal)
    left = _element(task.task_spec)
    holder = _holder(task)
    anchor = holder.parent
    if holder.state == TaskState.ERROR:  # Task.cancel() leaves a finished (failed) task as it is
        holder._set_state(TaskState.CANCELLED)
        holder._drop_children(force=True)
    else:
        holder.cancel()  # the task, and with its split every boundary event (timers) waiting on it
    split = next((s for s in spec.inputs if isinstance(s, BoundaryEventSplit)), None)
    arrived = anchor._add_child(split or spec, TaskState.FUTURE)
    arrived.task_spec._predict(arrived, mask=TaskState.NOT_FINISHED_MASK)  # the paths ahead, boundary events too
    arrived.task_spec._update(arrived)  # READY: its parent is done; a split then runs as an engine step
    stepper = _Stepper(workflow)
    stepper.engine_steps()
    stepper.fire_timers()
    return left, _element(spec), _finish(instance, workflow, stepper)
