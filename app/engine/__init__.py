"""The engine boundary: the only package that imports SpiffWorkflow. Everything outside talks to
it in plain values (ids, dicts, dataclasses) through the names below."""
from app.engine.definitions import (
    CX_NS, DeployRefused, Problem, change_summary, deploy, latest_version, parse_bpmn,
    previous_version, process_id_problems,
)
from app.engine.diagram import first_user_tasks, for_display as diagram_for_display
from app.engine.helpers import (
    ACTIONS, HELPERS, ActionError, Bindings, callable_names, known_decisions, register_action, register_decision_hook,
)
from app.engine.migration import MigrationPlan, migrate, plan_migration
from app.engine.modification import Element, MoveRefused, TokenPosition, move_token, positions as token_positions
from app.engine.models import ACTIVE_STATUSES, ProcessDefinition, ProcessDraft, ProcessInstance, ProcessVersion
from app.engine.palette import REFUSED, RefusedConstruct
from app.engine.runtime import (
    NothingToSkip, NotWaiting, Passed, ReadyTask, ReplannedTimer, StepFailed, StepResult, complete, deliver_message, fire_timers,
    has_deadline_timer, postpone_timers, replan_timers, skip_failed, start, task_data, waiting_messages,
)

__all__ = [
    "ACTIONS", "ACTIVE_STATUSES", "Element", "MoveRefused", "TokenPosition", "move_token", "token_positions", "CX_NS", "HELPERS", "ActionError", "Bindings", "DeployRefused", "MigrationPlan", "NothingToSkip", "NotWaiting", "Passed", "Problem",
    "ProcessDefinition", "ProcessDraft", "ProcessInstance", "ProcessVersion", "REFUSED", "ReadyTask", "RefusedConstruct",
    "ReplannedTimer", "StepFailed", "known_decisions", "register_decision_hook",
    "StepResult", "callable_names", "change_summary", "complete", "deploy", "fire_timers", "has_deadline_timer", "latest_version",
    "migrate", "parse_bpmn", "plan_migration", "previous_version", "postpone_timers", "register_action", "replan_timers", "skip_failed", "start", "task_data",
    "deliver_message", "waiting_messages", "diagram_for_display", "first_user_tasks",
]
