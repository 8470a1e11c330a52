"""JSON (de)serialization of specs and workflow state. The spec is stored once per version;
an instance's state is stored without it and re-joined on load.

Specs are immutable once deployed, so each process's parsed spec is kept in memory per content
hash (`version_specs`): a step restores only the instance's tasks, and saving converts only them
(SpiffWorkflow's own `to_dict` would convert the whole spec on every save, only for us to drop it)."""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    MultipleEventDefinitionConverter,
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from app.engine.business_rules import DecisionTask, DecisionTaskConverter
from app.engine.service_tasks import ActionServiceTask, ActionServiceTaskConverter
from app.engine.timers import REPLACEMENTS, ClockMultipleEventDefinition, clock_timers

_config = dict(DEFAULT_CONFIG)
_config.update({cls: TimerConditionalEventDefinitionConverter for cls in REPLACEMENTS.values()})
_config[ClockMultipleEventDefinition] = MultipleEventDefinitionConverter
_config[ActionServiceTask] = ActionServiceTaskConverter
_config[DecisionTask] = DecisionTaskConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
_SPEC_KEYS = ("spec", "subprocess_specs")
_WORKFLOW_TYPENAME = SERIALIZER.registry.typenames[BpmnWorkflow]
# The converter SpiffWorkflow registered for BpmnWorkflow: we reuse its pieces, minus the spec.
_WORKFLOW = SERIALIZER.registry.convert_to_dict[_WORKFLOW_TYPENAME].args[1].__self__

_CACHE_SIZE = 64
_specs: OrderedDict[str, tuple] = OrderedDict()
_specs_lock = threading.Lock()


def spec_to_json(spec, subprocess_specs) -> str:
    return json.dumps({
        "spec": SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
    }, ensure_ascii=False)


def specs_from_json(spec_json: str) -> tuple:
    """(process spec, {name: subprocess spec}) restored from a version's stored spec."""
    specs = json.loads(spec_json)
    spec = SERIALIZER.from_dict(specs["spec"])
    subprocess_specs = {name: SERIALIZER.from_dict(s) for name, s in specs["subprocess_specs"].items()}
    clock_timers([spec, *subprocess_specs.values()])  # specs stored before a timer kind was covered
    return spec, subprocess_specs


def version_specs(version) -> tuple:
    """The parsed specs of a deployed version, restored once per process (keyed by the content
    hash of its BPMN, so a database that reuses ids can never be served someone else's spec).
    Spec objects are read-only at run time and are shared by every workflow of the version."""
    key = version.content_hash
    with _specs_lock:
        cached = _specs.get(key)
        if cached is not None:
            _specs.move_to_end(key)
            return cached
    specs = specs_from_json(version.spec_json)
    with _specs_lock:
        _specs[key] = specs
        while len(_specs) > _CACHE_SIZE:
            _specs.popitem(last=False)
    return specs


def state_to_dict(workflow) -> dict:
    """The workflow's state as SpiffWorkflow would serialise it, without the specs."""
    registry = SERIALIZER.registry
    dct = WorkflowConverter.to_dict(_WORKFLOW, workflow)
    dct["subprocesses"] = _WORKFLOW.mapping_to_dict(workflow.subprocesses)
    dct["bpmn_events"] = registry.convert(workflow.bpmn_events)
    dct["typename"] = _WORKFLOW_TYPENAME
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return dct


def state_to_json(workflow) -> str:
    return json.dumps(state_to_dict(workflow), ensure_ascii=False, separators=(",", ":"))


def workflow_from_json(state_json: str, version, script_engine):
    """Restore an instance's workflow against `version`'s (cached) specs and attach our engine."""
    dct = json.loads(state_json)
    serialized_version = dct.pop(SERIALIZER.VERSION_KEY)
    if serialized_version in MIGRATIONS:  # state written by an older SpiffWorkflow: its own path
        dct.update(json.loads(version.spec_json))
        MIGRATIONS[serialized_version](dct)
        workflow = SERIALIZER.from_dict(dct)
    else:
        spec, subprocess_specs = version_specs(version)
        workflow = BpmnWorkflow(spec, subprocess_specs, deserializing=True)
        workflow.tasks = _WORKFLOW.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        _WORKFLOW.set_default_attributes(workflow, dct)
        _WORKFLOW.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = SERIALIZER.registry.restore(dct.pop("bpmn_events", []))
    workflow.script_engine = script_engine  # never serialized: re-attach ours every time
    return workflow
