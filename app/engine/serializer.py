"""JSON (de)serialization of specs and workflow state. The spec is stored once per version;
an instance's state is stored without it and re-joined on load."""
from __future__ import annotations

import json

from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS

from app.engine.service_tasks import ActionServiceTask, ActionServiceTaskConverter
from app.engine.timers import REPLACEMENTS

_config = dict(DEFAULT_CONFIG)
_config.update({cls: TimerConditionalEventDefinitionConverter for cls in REPLACEMENTS.values()})
_config[ActionServiceTask] = ActionServiceTaskConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
_SPEC_KEYS = ("spec", "subprocess_specs")


def spec_to_json(spec, subprocess_specs) -> str:
    return json.dumps({
        "spec": SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
    }, ensure_ascii=False)


def state_to_json(workflow) -> str:
    dct = SERIALIZER.to_dict(workflow)
    for key in _SPEC_KEYS:
        dct.pop(key)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return json.dumps(dct, ensure_ascii=False, separators=(",", ":"))


def workflow_from_json(state_json: str, spec_json: str, script_engine):
    dct = json.loads(state_json)
    dct.update(json.loads(spec_json))
    version = dct.pop(SERIALIZER.VERSION_KEY)
    if version in MIGRATIONS:
        MIGRATIONS[version](dct)
    workflow = SERIALIZER.from_dict(dct)
    workflow.script_engine = script_engine  # never serialized: re-attach ours every time
    return workflow
