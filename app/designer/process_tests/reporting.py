"""What a process-test run reports: one result per test case, failures that name the step
("第 3 步 expect：状态应为 confirmed，实际为 notified"), and the terminal report of
`flask --app wsgi test-processes`."""
from __future__ import annotations

from dataclasses import dataclass, field

import click

from app.core.errors import DomainError
from app.designer.process_tests.validation import STEP_KINDS


@dataclass
class CaseResult:
    """One test case's outcome: `failures` in Chinese, each prefixed with where it happened."""

    name: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    steps_run: int = 0
    duration_ms: int = 0


class StepFailed(Exception):
    """Ends a test case: the messages are its failures."""

    def __init__(self, *messages: str):
        super().__init__(messages[0] if messages else "")
        self.messages = list(messages)


def error_text(exc: Exception) -> str:
    """A refused step (DomainError: its message and field messages) or an engine crash, in Chinese."""
    if isinstance(exc, DomainError):
        details = [m for messages in exc.fields.values() for m in messages]
        return exc.message + (f"（{'；'.join(details)}）" if details else "")
    return f"内部错误：{type(exc).__name__}: {exc}"


def step_label(step: dict) -> str:
    """How a failure names a (checked) step: its kind and value, e.g. `complete entry_review`."""
    kind = next(k for k in STEP_KINDS if k in step)
    return kind if kind == "expect" else f"{kind} {step[kind]}"


def echo_report(results: dict[str, list[CaseResult]]) -> int:
    """Print a line per test case (✓/✗ process › name (ms), then its failures) and the totals;
    returns the number of failed cases."""
    passed = failed = 0
    for process_key, case_results in results.items():
        for r in case_results:
            mark = click.style("✓", fg="green") if r.passed else click.style("✗", fg="red")
            click.echo(f"{mark} {process_key} › {r.name} ({r.duration_ms} ms)")
            for failure in r.failures:
                click.echo(click.style(f"    {failure}", fg="red"))
            passed, failed = passed + r.passed, failed + (not r.passed)
    click.echo(f"{passed} passed, {failed} failed")
    return failed
