"""Engine cases (issue 15): small models of faults other BPMN engines' users hit, kept as tests in
tests/engine/cases/ (copied from the issue's ../shared/cases/engine/). Each case is a kind; each
kind has one more test beside the given case."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import process_tests
from app.engine import DeployRefused
from app.processes import deploy_bytes, deploy_path

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


# --- constructs the engine cannot run are refused at deploy, in the designer's words ----------

def test_an_error_end_in_a_multi_instance_sub_process_is_refused_at_deploy(ctx):
    with pytest.raises(DeployRefused) as refused:
        deploy_path(CASES / "error-end-in-multi-instance" / "process.bpmn")
    (problem,) = refused.value.problems
    assert problem.element_id == "err_end" and "多实例子流程“两项核查”" in problem.message
    assert "排他网关" in problem.message  # says what to do instead


def test_an_error_thrown_deeper_inside_a_multi_instance_sub_process_is_refused_too(ctx):
    """Same kind, another placement: the error end sits in a plain sub-process nested in the
    multi-instance one."""
    xml = (CASES / "error-end-in-multi-instance" / "process.bpmn").read_text()
    xml = xml.replace('<bpmn:endEvent id="err_end" name="核查失败"><bpmn:errorEventDefinition errorRef="err_fail" /></bpmn:endEvent>',
                      '<bpmn:subProcess id="inner" name="内层"><bpmn:startEvent id="i_start" />'
                      '<bpmn:endEvent id="err_end" name="核查失败"><bpmn:errorEventDefinition errorRef="err_fail" /></bpmn:endEvent>'
                      '<bpmn:sequenceFlow id="fi" sourceRef="i_start" targetRef="err_end" /></bpmn:subProcess>')
    xml = xml.replace('targetRef="err_end" />\n', 'targetRef="inner" />\n', 1)
    with pytest.raises(DeployRefused) as refused:
        deploy_bytes(xml.encode(), "nested.bpmn")
    assert [p.element_id for p in refused.value.problems] == ["err_end"]


def test_an_error_end_in_a_plain_sub_process_still_deploys_and_runs(ctx):
    xml = (CASES / "error-end-in-multi-instance" / "process.bpmn").read_text()
    xml = xml.replace("<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>", "")
    deploy_bytes(xml.encode(), "plain.bpmn")
    doc = json.loads((CASES / "error-end-in-multi-instance" / "test.json").read_text())
    first = doc["cases"][0]
    first["steps"][0]["expect"]["open_tasks"] = ["b_task"]
    assert failures(process_tests.run_tests({**doc, "cases": [first]})) == {}
