"""Engine cases (issue 15): small models of faults other BPMN engines' users hit, kept as tests in
tests/engine/cases/ (copied from the issue's ../shared/cases/engine/). Each case is a kind; each
kind has one more test beside the given case."""
from __future__ import annotations

from pathlib import Path

from app import process_tests
from app.processes import deploy_path

CASES = Path(__file__).parent / "cases"


def run_case_folder(name: str) -> list[process_tests.CaseResult]:
    """Deploy the folder's process.bpmn and run its test.json with the product's process-test runner."""
    folder = CASES / name
    deploy_path(folder / "process.bpmn")
    return process_tests.run_file(folder / "test.json")


def failures(results) -> dict[str, list[str]]:
    return {r.name: r.failures for r in results if not r.passed}


# --- stale case fields: `case[...]` shows the case as it is now, within one step too ----------

def test_a_gateway_after_a_script_reads_the_fields_the_script_just_set(ctx):
    results = run_case_folder("stale-case-fields")
    assert results and failures(results) == {}


def test_a_script_after_a_sub_process_reads_the_fields_the_sub_process_set(ctx):
    results = run_case_folder("stale-case-fields-subprocess")
    assert results and failures(results) == {}


# --- timers: every timer on the product clock, scheduled for tick ---------------------------

def test_event_based_gateway_timers_run_on_the_product_clock(ctx):
    results = run_case_folder("event-gateway-timers")
    assert len(results) == 4 and failures(results) == {}


def test_a_timer_date_without_offset_means_shanghai(ctx):
    results = run_case_folder("timer-date-without-offset")
    assert len(results) == 2 and failures(results) == {}
