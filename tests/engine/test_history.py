"""An instance's stored state holds only what can still run: its size and the tasks in it stay
flat however often a case loops, and the case still runs to its end. Also: the state written
without the spec is exactly SpiffWorkflow's own serialization minus the spec, and a version's
spec is parsed once."""
import json

from sqlalchemy import select

from app.cases.models import Case
from app.engine import Bindings, ProcessInstance, ProcessVersion, latest_version
from app.engine.runtime import _load
from app.engine.serializer import SERIALIZER, state_to_dict, version_specs
from app.core.extensions import db
from tests.support import elements
from tests.test_warning_lifecycle import PLAN, after, explained_and_planned, raise_warning, report, stage

CORRECTION = {"title": "拖欠中标企业合同款", "source_type": "administrative_penalty", "document_number": "沪财监〔2026〕18号",
              "key_area": "政府采购", "tier": "general", "facts": "未按合同约定拨付合同款 120 万元。", "decided_on": "2026-09-14",
              "correction_note": "补正"}


def _state(case_id: int) -> dict:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return json.loads(db.session.get(ProcessInstance, case.instance_id).state_json)


def _size(state: dict) -> tuple[int, int]:
    """(tasks in the state, including sub-processes; bytes of JSON)."""
    tasks = len(state["tasks"]) + sum(len(sp["tasks"]) for sp in state["subprocesses"].values())
    return tasks, len(json.dumps(state, ensure_ascii=False))


def test_a_record_returned_for_correction_many_times_keeps_a_flat_state_and_still_finishes(api):
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    case_id = recorder.register()["id"]
    sizes = []
    for _ in range(12):
        reviewer.complete(case_id, "entry_review", {"entry_decision": "return", "review_opinion": "补正"})
        recorder.complete(case_id, "correct_entry", CORRECTION)
        sizes.append(_size(_state(case_id)))
    # Unpruned, every loop adds its tasks (about 2 KB): 12 loops would more than quadruple the state.
    assert sizes[-1][0] == sizes[0][0], sizes
    assert sizes[-1][1] <= sizes[0][1] * 1.1, sizes
    reviewer.complete(case_id, "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    case = reviewer.case(case_id)
    assert case["status"] == "notified" and elements(case) == ["respond_notice"]
    assert len([e for e in case["timeline"] if e["kind"] == "task.completed"]) == 25  # the history is ours


def test_tracking_loop_inside_the_sub_process_with_boundary_timers_stays_flat(api, tick):
    case_id = raise_warning(api)
    explained_and_planned(api, case_id, plan={**PLAN, "rectification_deadline": "2026-12-04"})
    sizes = []
    for _ in range(4):
        tick(after(10))
        report(api, case_id, completed=False)
        assert stage(api, case_id) == "tracking"
        sizes.append(_size(_state(case_id)))
    assert sizes[-1][0] <= sizes[1][0] and sizes[-1][1] <= sizes[1][1] * 1.1, sizes
    tick(after(10))
    report(api, case_id, completed=True)
    api.as_("reviewer").complete(case_id, "verify", {"verification": "accept", "verification_opinion": "整改到位"})
    assert stage(api, case_id) == "closed"


def test_state_is_spiffworkflows_own_serialization_without_the_spec(api):
    case_id = api.as_("recorder").register()["id"]
    case = db.session.get(Case, case_id)
    workflow = _load(db.session.get(ProcessInstance, case.instance_id), Bindings(subject=case))
    theirs = SERIALIZER.to_dict(workflow)
    for key in ("spec", "subprocess_specs"):
        theirs.pop(key)
    ours = state_to_dict(workflow)
    assert ours.pop(SERIALIZER.VERSION_KEY) == SERIALIZER.VERSION
    assert ours == theirs


def test_a_versions_spec_is_parsed_once_and_shared(api):
    version = latest_version("dishonesty_record")
    spec, subprocess_specs = version_specs(version)
    again = db.session.scalar(select(ProcessVersion).where(ProcessVersion.id == version.id))
    assert version_specs(again)[0] is spec
    other = latest_version("warning_rectification")
    assert version_specs(other)[0] is not spec and version_specs(other)[0].name == "warning_rectification"
