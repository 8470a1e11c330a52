"""Keep an instance's task tree as small as its live part, so a step costs the same after the 100th
return-for-correction loop as after the first.

SpiffWorkflow keeps every task it ever ran: a loop adds new tasks under the old ones, and the
serialized state (and with it every load, step and save) grows with the case's history. What a
case has done is recorded in our own timeline, never read back from the engine, so the engine
only needs what can still influence a future step:

* every task that is not finished (READY, WAITING, STARTED and the predicted FUTURE/LIKELY/MAYBE);
* their ancestors up to the nearest common one that is COMPLETED — the *cut*. Everything the
  engine looks back at lies there: a join inspects its inputs' parents, a boundary-event join
  finds its split among its ancestors, and task data is inherited from the parent.

Tasks outside the cut's subtree are finished branches of the past. They are dropped, the cut is
re-attached under the root, and the finished sub-processes those tasks ran are deleted with
them. The cut's data is complete (data is copied parent → child), so nothing a later step can
read is lost. Each sub-process's own tree is pruned the same way."""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState


def prune(workflow) -> int:
    """Drop the finished past of `workflow` (a top-level BpmnWorkflow) and of its running
    sub-processes. Returns the number of tasks dropped."""
    dropped = _prune_tree(workflow, workflow)
    for task_id in list(workflow.subprocesses):
        subprocess = workflow.subprocesses.get(task_id)  # None once deleted with its parent
        if subprocess is not None and not subprocess.completed:
            dropped += _prune_tree(subprocess, workflow)
    return dropped


def _path(task) -> list:
    path = []
    while task is not None:
        path.append(task)
        task = task.parent
    path.reverse()
    return path


def _cut(workflow):
    """The deepest COMPLETED task below the root that is an ancestor of every unfinished task."""
    common = None
    for task in workflow.tasks.values():
        if not task.has_state(TaskState.NOT_FINISHED_MASK):
            continue
        if task.parent is not None and task.parent.has_state(TaskState.NOT_FINISHED_MASK):
            continue  # its unfinished parent's path is a prefix of its own
        path = _path(task)
        if common is None:
            common = path
        else:
            n = 0
            while n < min(len(common), len(path)) and common[n] is path[n]:
                n += 1
            del common[n:]
    if not common:
        return None  # the workflow has finished: nothing will run again
    for task in reversed(common[1:]):  # common[0] is the root
        if task.state == TaskState.COMPLETED:
            return task
    return None


def _subtree_ids(task) -> set:
    keep, stack = set(), [task]
    while stack:
        current = stack.pop()
        keep.add(current.id)
        stack.extend(current.children)
    return keep


def _prune_tree(workflow, top) -> int:
    root = workflow.task_tree
    cut = _cut(workflow)
    if cut is None or cut.parent is root:
        return 0
    keep = _subtree_ids(cut) | {root.id}
    drop = [task for task_id, task in workflow.tasks.items() if task_id not in keep]
    for task in drop:  # the finished sub-processes they ran, nested ones included
        if task.id in top.subprocesses:
            top.delete_subprocess(task)
    for task in drop:
        del workflow.tasks[task.id]
    cut._parent = root.id
    root._children = [cut.id]
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = None
    return len(drop)
