"""The script environment handed to SpiffWorkflow: every expression and script is compiled and
run by our sandbox. Spiff does not serialize it, so runtime.py builds a fresh one on every load."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from app.engine import sandbox
from app.engine.helpers import Bindings, callable_names, namespace_for


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, bindings: Bindings, time_limit: float):
        super().__init__(namespace_for(bindings))
        self.bindings = bindings
        self.time_limit = time_limit
        self.functions = callable_names()

    def _namespace(self, context: dict[str, Any], external_context: dict[str, Any] | None) -> dict[str, Any]:
        # Helpers last: task data can never shadow a helper. `case` is read now, not at load.
        return {**context, **(external_context or {}), **self.globals, "case": self.bindings.case_view()}

    def evaluate(self, expression, context, external_context=None):
        code = sandbox.compile_expression(expression, functions=self.functions)
        return sandbox.evaluate(code, self._namespace(context, external_context), time_limit=self.time_limit)

    def execute(self, script, context, external_context=None):
        code = sandbox.compile_script(script, functions=self.functions)
        changed = sandbox.execute(code, self._namespace(context, external_context), time_limit=self.time_limit)
        clash = set(changed) & (set(self.globals) | {"case"})
        if clash:
            names = ", ".join(sorted(clash))
            raise sandbox.SandboxError(f"脚本不能给内置函数名赋值：{names}", kind="runtime", source=script,
                                       english=f"a script may not assign to a built-in name: {names}")
        context.update(changed)
        return True

    def call_service(self, context, **kwargs):
        raise sandbox.SandboxError("不支持服务任务调用外部服务", kind="runtime", source="",
                                   english="service tasks cannot call external services")


class SandboxedScriptEngine(PythonScriptEngine):
    def __init__(self, bindings: Bindings, time_limit: float):
        super().__init__(environment=SandboxedEnvironment(bindings, time_limit))

    def validate(self, expression):
        sandbox.compile_expression(expression, functions=callable_names())
