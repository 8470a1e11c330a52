"""The engine boundary: the only package that imports SpiffWorkflow. Everything outside talks to
it in plain values (ids, dicts, dataclasses) through the names below."""
from app.engine.definitions import (
    CX_NS,
    DeployRefused,
    Problem,
    deploy,
    latest_version,
    parse_bpmn,
)
from app.engine.helpers import (
    ACTIONS,
    HELPERS,
    ActionError,
    Bindings,
    callable_names,
    register_action,
)
from app.engine.models import ProcessDefinition, ProcessInstance, ProcessVersion
from app.engine.runtime import (
    ReadyTask,
    StepFailed,
    StepResult,
    complete,
    fire_timers,
    start,
)

__all__ = [
    "ACTIONS", "CX_NS", "HELPERS", "ActionError", "Bindings", "DeployRefused", "Problem",
    "ProcessDefinition", "ProcessInstance", "ProcessVersion", "ReadyTask", "StepFailed", "StepResult",
    "callable_names", "complete", "deploy", "fire_timers", "latest_version", "parse_bpmn",
    "register_action", "start",
]
