"""Business rule tasks: `<bpmn:businessRuleTask cx:decision="publication_window" cx:on="decided_on"
cx:inputs="{'tier': tier, 'district': case['district']}">` takes a decision from a DMN table.

The engine knows no domain: the factory registers a decision hook (helpers.register_decision_hook) that
takes (key, inputs, on) and returns (outputs, provenance) — the rules service evaluates the version in
force on the day `on` (the date that matters: the decision date, the source decision's date…).
`cx:on` (default: today) and `cx:inputs` (default: the task data) are sandboxed expressions. Single-hit
outputs are merged into the task data; a COLLECT table's list is stored under the decision key. The
provenance (decision, version, effective date, rows, values) is kept on the task for the step's
timeline (runtime.Passed.data)."""
from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask

from app.core.clock import clock
from app.core.errors import DomainError
from app.engine.helpers import ActionError, parse_date, take_decision

CX_NS = "https://chengxin.example.org/schema/bpmn/1.0"
PROVENANCE = "decision"  # key of the provenance in the task's internal data


class DecisionTask(ServiceTask):
    # TaskSpec already has `inputs`/`outputs` (the connected specs): ours are decision_on/decision_inputs.
    def __init__(self, wf_spec, bpmn_id, decision=None, decision_on="", decision_inputs="", **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.decision = decision
        self.decision_on = decision_on or ""
        self.decision_inputs = decision_inputs or ""

    def _execute(self, task):
        engine = task.workflow.script_engine
        on = engine.evaluate(task, self.decision_on) if self.decision_on else clock.today()
        inputs = engine.evaluate(task, self.decision_inputs) if self.decision_inputs else dict(task.data)
        try:
            if not isinstance(inputs, dict):
                raise ActionError(f"规则任务的输入（cx:inputs）必须得到字典，实际为 {type(inputs).__name__}")
            outputs, provenance = take_decision(self.decision, inputs, parse_date(on))
        except (DomainError, ActionError) as exc:
            raise WorkflowTaskException(str(exc), task=task, exception=exc) from exc
        if isinstance(outputs, list):
            task.data[self.decision] = outputs
        else:
            task.data.update(outputs)
        task.internal_data[PROVENANCE] = provenance
        return True


class DecisionTaskParser(TaskParser):
    def create_task(self):
        return self.spec_class(self.spec, self.bpmn_id, decision=self.node.get(f"{{{CX_NS}}}decision"),
                               decision_on=self.node.get(f"{{{CX_NS}}}on"),
                               decision_inputs=self.node.get(f"{{{CX_NS}}}inputs"),
                               **self.bpmn_attributes)


class DecisionTaskConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        dct.update(decision=spec.decision, decision_on=spec.decision_on, decision_inputs=spec.decision_inputs)
        return dct
