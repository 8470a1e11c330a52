"""Who may add evidence files to a case, which step each file came with, and which file ids a
form may name (issue 12, findings 11 and 12). Web and API alike."""
import io

from sqlalchemy import func, select

from app.cases.models import Attachment, Case
from app.core.extensions import db
from tests.support import RECORD, Api
from tests.test_warning_lifecycle import WARNING
from tests.web_support import csrf_token, login

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}
DEMO_USERS = ("admin", "designer", "recorder", "reviewer", "supervisor", "handler.fgw", "handler.czj", "handler.pudong")


def upload(user, case_id, name="证据.pdf", content=PDF):
    return user.client.post(f"/api/v1/cases/{case_id}/attachments", headers=user._headers(),
                            data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def web_upload(client, case_id, name="证据.pdf"):
    return client.post(f"/cases/{case_id}/attachments", content_type="multipart/form-data",
                       data={"file": [(io.BytesIO(PDF), name)], "csrf_token": csrf_token(client, "/notifications")})


def cases_at_each_stage(api) -> dict[str, int]:
    """A case waiting for the reviewer, one waiting for the handler, one whose process ended."""
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    in_review = recorder.register()["id"]
    notified = recorder.register()["id"]
    reviewer.complete(notified, "entry_review", APPROVE)
    ended = recorder.register()["id"]
    reviewer.complete(ended, "entry_review", {"entry_decision": "exempt", "review_opinion": "符合容错情形"})
    return {"in_review": in_review, "notified": notified, "ended": ended}


# Who gets what, per stage: 201 added, 403 may see the case but not add to it, 404 outside scope.
EXPECTED = {
    "in_review": {"recorder": 201, "reviewer": 201, "supervisor": 403, "handler.fgw": 403},
    "notified": {"recorder": 201, "reviewer": 403, "supervisor": 403, "handler.fgw": 201},
    "ended": {"recorder": 403, "reviewer": 403, "supervisor": 403, "handler.fgw": 403},
}


# --- finding 12: who may add files ---------------------------------------------------------

def test_every_user_at_every_stage_adds_files_only_with_a_current_task_or_as_recorder(app):
    """The sweep: each demo user against a case at each stage, through the API and the web (the
    case page shows the upload form exactly to those whose upload is accepted). Web clients run
    outside the API's app context (their CSRF tokens would share its `g`)."""
    with app.app_context():
        api = Api(app.test_client())
        stages = cases_at_each_stage(api)
        for stage, case_id in stages.items():
            for username in DEMO_USERS:
                r = upload(api.as_(username), case_id)
                assert r.status_code == EXPECTED[stage].get(username, 404), (stage, username, r.get_json())
    for stage, case_id in stages.items():
        for username in DEMO_USERS:
            expected = EXPECTED[stage].get(username, 404)
            client = app.test_client()
            login(client, username)
            page = client.get(f"/cases/{case_id}")
            assert page.status_code == (404 if expected == 404 else 200), (stage, username)
            assert ('id="attachments-card"' in page.get_data(as_text=True)) == (expected == 201), (stage, username)
            assert web_upload(client, case_id).status_code == (302 if expected == 201 else expected), (stage, username)
    with app.app_context():
        added = db.session.scalars(select(Attachment.case_id)).all()
        accepted = [stages[stage] for stage, users in EXPECTED.items() for code in users.values() if code == 201]
        assert sorted(added) == sorted(accepted * 2)  # once through the API, once through the web


def test_a_closed_case_takes_no_files_even_from_its_recorder(app):
    with app.app_context():
        api = Api(app.test_client())
        case_id = cases_at_each_stage(api)["ended"]
        r = upload(api.as_("recorder"), case_id)
        assert r.status_code == 403 and "案件已办结" in r.get_json()["error"]["message"]
    client = app.test_client()
    login(client, "recorder")
    assert web_upload(client, case_id).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.case_id == case_id)) == 0


def test_a_viewer_without_a_task_is_refused(api):
    case_id = cases_at_each_stage(api)["notified"]  # waiting for the handler
    for username in ("supervisor", "reviewer"):
        r = upload(api.as_(username), case_id)
        assert r.status_code == 403 and "待办任务" in r.get_json()["error"]["message"], username
    assert upload(api.as_("handler.czj"), case_id).status_code == 404


def test_a_file_records_the_step_it_came_with(app):
    with app.app_context():
        api = Api(app.test_client())
        case_id = cases_at_each_stage(api)["notified"]
        handler = api.as_("handler.fgw")
        task = handler.task_for(case_id, "respond_notice")
        r = upload(handler, case_id, "回单.pdf")
        assert r.status_code == 201, r.get_json()
        attachment = db.session.get(Attachment, r.get_json()["id"])
        assert (attachment.task_id, attachment.step) == (task["id"], task["name"])
        assert r.get_json()["step"] == task["name"]  # the API says it too
        recorder_file = db.session.get(Attachment, upload(api.as_("recorder"), case_id, "补充.pdf").get_json()["id"])
        assert (recorder_file.task_id, recorder_file.step) == (None, None)  # the recording unit, outside a task
    client = app.test_client()
    login(client, "handler.fgw")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    listed = page.split('id="case-attachments"')[1].split("</ul>")[0]
    assert "回单.pdf" in listed and f"环节：{task['name']}" in listed


def test_files_sent_with_a_task_form_and_a_start_form_record_their_step(app, client):
    login(client, "recorder")
    r = client.post("/cases/new?process=dishonesty_record", content_type="multipart/form-data",
                    data={**RECORD, "evidence": [(io.BytesIO(PDF), "判决书.pdf")],
                          "csrf_token": csrf_token(client, "/cases/new")})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        case = db.session.scalar(select(Case).order_by(Case.id.desc()))
        start_file = db.session.scalar(select(Attachment).where(Attachment.case_id == case.id))
        assert (start_file.filename, start_file.task_id, start_file.step) == ("判决书.pdf", None, "登记政务失信记录")
        api = Api(app.test_client())
        api.as_("reviewer").complete(case.id, "entry_review", APPROVE)
        task = api.as_("handler.fgw").task_for(case.id, "respond_notice")
    handler = app.test_client()
    login(handler, "handler.fgw")
    r = handler.post(f"/tasks/{task['id']}", content_type="multipart/form-data",
                     data={"response": "object", "objection_grounds": "已支付", "commitment": "on",
                           "objection_evidence": [(io.BytesIO(PDF), "银行回单.pdf")],
                           "csrf_token": csrf_token(handler, "/tasks")})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        step_file = db.session.scalar(select(Attachment).where(Attachment.filename == "银行回单.pdf"))
        assert (step_file.task_id, step_file.step) == (task["id"], task["name"])


# --- finding 11: start-form file ids ----------------------------------------------------------

VALID_START = {"dishonesty_record": RECORD, "warning_rectification": WARNING}


def start_forms_with_files(api) -> list[tuple[str, str, dict, list[str]]]:
    """(who, process, valid data, file fields) for every process a demo user may start whose start
    form has file fields."""
    found = []
    for who in DEMO_USERS:
        for process in api.as_(who).get("/processes").get_json()["items"]:
            fields = [n for n, p in process["form"]["properties"].items() if p.get("x-widget") == "file"]
            if fields:
                found.append((who, process["key"], VALID_START[process["key"]], fields))
    return found


def test_api_start_form_refuses_another_cases_file_and_a_missing_one(api):
    recorder = api.as_("recorder")
    other = recorder.register()["id"]
    foreign = upload(recorder, other, "别案.pdf").get_json()["id"]
    cases_before = db.session.scalar(select(func.count()).select_from(Case))
    r = recorder.post("/cases", {"process": "dishonesty_record", "data": {**RECORD, "evidence": [foreign, 999999]}})
    assert r.status_code == 422, r.get_json()
    assert f"{foreign}, 999999" in r.get_json()["error"]["fields"]["evidence"][0]
    assert db.session.scalar(select(func.count()).select_from(Case)) == cases_before  # nothing registered


def test_every_start_form_file_field_takes_only_files_sent_with_it(api):
    """The sweep: every start form with file fields, each foreign, missing or absurd id, alone."""
    recorder = api.as_("recorder")
    foreign = upload(recorder, recorder.register()["id"], "别案.pdf").get_json()["id"]
    forms = start_forms_with_files(api)
    assert {process for _, process, _, _ in forms} == {"dishonesty_record", "warning_rectification"}
    for who, process, data, fields in forms:
        for field in fields:
            for bad in (foreign, 999999, 2**31, 2**63 - 1):
                r = api.as_(who).post("/cases", {"process": process, "data": {**data, field: [bad]}})
                assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (process, field, bad)


def test_web_start_form_refuses_another_cases_file_and_a_missing_one(app, client):
    with app.app_context():
        recorder = Api(app.test_client()).as_("recorder")
        foreign = upload(recorder, recorder.register()["id"], "别案.pdf").get_json()["id"]
        cases_before = db.session.scalar(select(func.count()).select_from(Case))
    login(client, "recorder")
    r = client.post("/cases/new?process=dishonesty_record",
                    data={**RECORD, "evidence": [str(foreign), "999999"], "csrf_token": csrf_token(client, "/cases/new")})
    assert r.status_code == 422
    assert f"附件不存在或不属于本案件：{foreign}, 999999" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == cases_before


def test_task_completion_applies_the_same_check(api):
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    foreign = upload(recorder, recorder.register()["id"], "别案.pdf").get_json()["id"]
    case_id = recorder.register()["id"]
    reviewer.complete(case_id, "entry_review", APPROVE)
    handler = api.as_("handler.fgw")
    task = handler.task_for(case_id, "respond_notice")
    r = handler.post(f"/tasks/{task['id']}/complete", {"data": {
        "response": "object", "objection_grounds": "已支付", "commitment": True, "objection_evidence": [foreign, 999999]}})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["objection_evidence"] == [f"附件不存在或不属于本案件：{foreign}, 999999"]
