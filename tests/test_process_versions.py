"""Versioned process definitions: the spec is stored once per version, a changed file deploys a new
version, running instances stay on theirs, and instance state is stored without the spec."""
import json

from sqlalchemy import select

from app.cases.models import Case
from app.engine import ProcessInstance, ProcessVersion, latest_version
from app.core.extensions import db
from tests.bpmn_builder import probe_process
from tests.support import RECORD


def test_identical_content_is_not_redeployed_and_a_change_makes_a_new_version(runner, tmp_path, api):
    path = tmp_path / "probe.bpmn"
    path.write_bytes(probe_process(script="step = 1"))
    assert "第 1 版" in runner.invoke(args=["deploy", str(path)]).output
    assert "内容未变化" in runner.invoke(args=["deploy", str(path)]).output
    r = api.as_("recorder").post("/cases", {"process": "safety_probe", "data": RECORD})
    assert r.status_code == 201
    case_id = r.get_json()["id"]

    path.write_bytes(probe_process(script="step = 2"))
    assert "第 2 版" in runner.invoke(args=["deploy", str(path)]).output
    db.session.expire_all()
    assert latest_version("safety_probe").version == 2
    case = db.session.get(Case, case_id)
    instance = db.session.get(ProcessInstance, case.instance_id)
    assert instance.version.version == 1  # the running case stays on its version
    reviewer = api.as_("reviewer")
    reviewer.complete(case_id, "review", {"entry_decision": "approve", "review_opinion": "ok"})
    db.session.expire_all()
    assert db.session.get(ProcessInstance, case.instance_id).status == "completed"
    new = api.as_("recorder").post("/cases", {"process": "safety_probe", "data": RECORD}).get_json()
    new_instance = db.session.get(ProcessInstance, db.session.get(Case, new["id"]).instance_id)
    assert new_instance.version.version == 2


def test_instance_state_is_stored_without_the_spec(api):
    case = api.as_("recorder").register()
    instance = db.session.get(ProcessInstance, db.session.get(Case, case["id"]).instance_id)
    state = json.loads(instance.state_json)
    assert "spec" not in state and "subprocess_specs" not in state
    version = db.session.get(ProcessVersion, instance.version_id)
    assert "entry_review" in version.spec_json
    assert len(instance.state_json) < len(version.spec_json)


def test_deploying_the_shipped_workflows_is_idempotent(runner, ctx):
    first = runner.invoke(args=["deploy-all"])
    assert first.exit_code == 0 and "未变化" in first.output
    versions = db.session.scalars(select(ProcessVersion)).all()
    assert sorted(v.definition.key for v in versions) == ["dishonesty_record", "joint_sanctions", "warning_rectification"]
    assert [v.version for v in versions] == [1, 1, 1]
