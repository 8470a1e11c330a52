"""Completing a task is one transaction: form validated, conflicts detected, nothing half-written."""
import threading

from sqlalchemy import func, select

from app.cases.models import Case, TimelineEvent
from app.engine import ProcessInstance
from app.core.extensions import db
from app.tasks.models import HumanTask
from app.core.transaction import unit_of_work
from tests.support import RECORD


def notified_case(api):
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    return case["id"]


def snapshot(case_id):
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    instance = db.session.get(ProcessInstance, case.instance_id)
    events = db.session.scalar(select(func.count()).select_from(TimelineEvent).where(TimelineEvent.case_id == case_id))
    tasks = db.session.execute(select(HumanTask.bpmn_id, HumanTask.status).where(HumanTask.case_id == case_id)
                               .order_by(HumanTask.id)).all()
    return case.record_status, instance.lock_version, instance.state_json, events, tasks


def test_invalid_form_data_is_422_with_field_messages_and_changes_nothing(api):
    case_id = notified_case(api)
    handler = api.as_("handler.fgw")
    task = handler.task_for(case_id, "respond_notice")
    before = snapshot(case_id)
    r = handler.post(f"/tasks/{task['id']}/complete", {"data": {"response": "object"}})
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert fields["objection_grounds"] == ["“异议理由”为必填项"]
    r = handler.post(f"/tasks/{task['id']}/complete", {"data": {"response": "maybe", "extra": 1}})
    fields = r.get_json()["error"]["fields"]
    assert r.status_code == 422 and "response" in fields and "extra" in fields
    r = handler.post(f"/tasks/{task['id']}/complete", {"data": {"response": "object", "objection_grounds": "x",
                                                                 "commitment": True, "objection_evidence": [12345]}})
    assert r.status_code == 422 and "objection_evidence" in r.get_json()["error"]["fields"]
    r = handler.post(f"/tasks/{task['id']}/complete", {"wrong": {}})  # parses, breaks the body schema
    assert r.status_code == 422 and "data" in r.get_json()["error"]["fields"]
    assert snapshot(case_id) == before


def test_invalid_registration_creates_no_case(api):
    recorder = api.as_("recorder")
    r = recorder.post("/cases", {"process": "dishonesty_record", "data": {**RECORD, "tier": "huge", "title": ""}})
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"tier", "title"}
    r = recorder.post("/cases", {"process": "dishonesty_record", "data": {**RECORD, "subject_department": "nowhere"}})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"subject_department": ["被记录单位不存在"]}
    r = recorder.post("/cases", {"process": "dishonesty_record", "data": {**RECORD, "subject_type": "civil_servant"}})
    assert r.status_code == 422 and "civil_servant_id" in r.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_civil_servant_subject_is_routed_to_their_department(api):
    from app.org.models import CivilServant

    servant = db.session.scalar(select(CivilServant).where(CivilServant.staff_number == "CZ-2019-0107"))
    case = api.as_("recorder").register(subject_type="civil_servant", subject_department="czj", civil_servant_id=servant.id)
    assert case["subject"] == "孙明（市财政局）"
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    assert api.as_("handler.czj").task_for(case["id"], "respond_notice")
    assert api.as_("handler.fgw").get(f"/cases/{case['id']}").status_code == 404


def test_completing_a_finished_task_is_a_conflict(api):
    case_id = notified_case(api)
    handler = api.as_("handler.fgw")
    task = handler.task_for(case_id, "respond_notice")
    assert handler.post(f"/tasks/{task['id']}/complete", {"data": {"response": "accept"}}).status_code == 200
    r = handler.post(f"/tasks/{task['id']}/complete", {"data": {"response": "accept"}})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict"


def test_concurrent_completion_one_succeeds_one_gets_409(app, api):
    case_id = notified_case(api)
    handler = api.as_("handler.fgw")
    task = handler.task_for(case_id, "respond_notice")
    barrier = threading.Barrier(2)
    results = []

    def submit():
        client = app.test_client()
        barrier.wait()
        r = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"response": "accept"}},
                        headers={"Authorization": f"Bearer {handler.token}"})
        results.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(code for code, _ in results) == [200, 409], results
    status, _, _, _, tasks = snapshot(case_id)
    assert status == "confirmed"
    assert [t for t in tasks if t[0] == "publication_decision"] == [("publication_decision", "open")]
    completions = db.session.scalar(select(func.count()).select_from(TimelineEvent).where(
        TimelineEvent.case_id == case_id, TimelineEvent.kind == "task.completed"))
    assert completions == 2  # the entry review and one answer to the notice


def test_a_stale_instance_write_is_refused_not_lost(app, api):
    """Optimistic locking: a writer holding an old version of the instance cannot overwrite a newer one."""
    from app.core.errors import Conflict

    case_id = notified_case(api)
    handler = api.as_("handler.fgw")
    instance_id = db.session.get(Case, case_id).instance_id
    loaded, proceed, outcome = threading.Event(), threading.Event(), []

    def stale_writer():
        with app.app_context():
            stale = db.session.get(ProcessInstance, instance_id)
            loaded.set()
            proceed.wait(10)
            try:
                with unit_of_work():
                    stale.state_json = "{}"
                outcome.append("saved")
            except Conflict as exc:
                outcome.append(exc.status)

    writer = threading.Thread(target=stale_writer)
    writer.start()
    loaded.wait(10)
    handler.complete(case_id, "respond_notice", {"response": "accept"})
    proceed.set()
    writer.join(30)
    assert outcome == [409]
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).state_json != "{}"


def test_every_missing_required_field_gets_its_own_message(api):
    r = api.as_("recorder").post("/cases", {"process": "dishonesty_record", "data": {"title": "只有标题"}})
    fields = r.get_json()["error"]["fields"]
    assert r.status_code == 422
    assert fields["tier"] == ["“失信程度”为必填项"] and fields["facts"] == ["“失信事实”为必填项"]
    assert fields["subject_department"] == ["“被记录单位”为必填项"]
