"""Service tasks run one of the whitelisted domain actions: `cx:action="issue_document"` with
`cx:params="'notification'"` (a sandboxed argument list). Spiff's own service task waits for an
external system; ours runs the action through the same sandboxed script engine as scripts."""
from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, full_tag
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask

from app.engine.business_rules import DecisionTask, DecisionTaskParser

CX_NS = "https://chengxin.example.org/schema/bpmn/1.0"


class ActionServiceTask(ServiceTask):
    def __init__(self, wf_spec, bpmn_id, action=None, params="", **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.action = action
        self.params = params or ""

    @property
    def call(self) -> str:
        return f"{self.action}({self.params})"

    def _execute(self, task):
        return task.workflow.script_engine.execute(task, self.call)


class ActionServiceTaskParser(TaskParser):
    def create_task(self):
        return self.spec_class(self.spec, self.bpmn_id, action=self.node.get(f"{{{CX_NS}}}action"),
                               params=self.node.get(f"{{{CX_NS}}}params"), **self.bpmn_attributes)


class ActionServiceTaskConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        dct["action"], dct["params"] = spec.action, spec.params
        return dct


class ChengxinBpmnParser(BpmnParser):
    OVERRIDE_PARSER_CLASSES = {full_tag("serviceTask"): (ActionServiceTaskParser, ActionServiceTask),
                               full_tag("businessRuleTask"): (DecisionTaskParser, DecisionTask)}
