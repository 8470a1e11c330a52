"""A skipped test fails the run (issue 13): a test that cannot run — a missing tool, a missing
service — must say so as a failure, not vanish into an "s" in the progress line. Loaded by
tests/conftest.py; `-p tests.no_skips` loads it into any pytest run."""
from __future__ import annotations

import pytest

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append(f"{report.nodeid}: {reason.removeprefix('Skipped: ')}")


def pytest_terminal_summary(terminalreporter) -> None:
    if _skipped:
        terminalreporter.section("skipped tests fail the run", red=True)
        for line in _skipped:
            terminalreporter.line(line, red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
