"""Every web action has its API twin (issue 13): the sweep over the URL map, then each new route —
success, the wrong role (403), outside scope or unknown (404), bad input (422 naming the field in
Chinese) — with a bearer token only. Also: a body that parses but breaks its schema is a 422 on
every route; a nameless multipart part is a 400 before CSRF on every form; a handler fills a task
form with a civil servant field from the API alone."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.core.clock import clock
from app.engine import ProcessInstance
from app.core.extensions import db
from app.org.models import User
from tests.bpmn_builder import probe_process
from tests.support import RECORD
from tests.test_api_parity import fetch, fields_of
from tests.test_designer import v2
from tests.test_openapi_contract import _incident
from tests.web_support import login

# Web write endpoint → (method, API endpoint) doing the same thing through the same service.
WEB_TO_API = {
    "auth.login": ("POST", "api.issue_token"),
    "auth.logout": ("POST", "api.revoke_token"),
    "auth.change_password": ("POST", "api.change_own_password"),
    "auth.set_language": ("PUT", "api.set_language"),
    "cases.start": ("POST", "api.create_case"),
    "cases.upload": ("POST", "api.upload_attachment"),
    "tasks.complete": ("POST", "api.complete_task"),
    "tasks.claim": ("POST", "api.claim_task"),
    "tasks.release": ("POST", "api.release_task"),
    "tasks.reassign": ("POST", "api.reassign_task"),
    "notifications.read": ("POST", "api.read_notification"),
    "notifications.read_all": ("POST", "api.read_all_notifications"),
    "complaints.import_file": ("POST", "api.import_complaints"),
    "documents.report": ("POST", "api.issue_report"),
    "documents.correct": ("POST", "api.correct_document"),
    "admin.new_user": ("POST", "api.create_user"),
    "admin.edit_user": ("PUT", "api.update_user"),
    "admin.reset_password": ("POST", "api.reset_password"),
    "admin.deactivate_user": ("POST", "api.deactivate_user"),
    "admin.activate_user": ("POST", "api.activate_user"),
    "admin.new_department": ("POST", "api.create_department"),
    "admin.edit_department": ("PUT", "api.update_department"),
    "admin.deactivate_department": ("POST", "api.deactivate_department"),
    "admin.activate_department": ("POST", "api.activate_department"),
    "admin.import_calendar": ("POST", "api.import_calendar"),
    "admin.set_day": ("PUT", "api.set_calendar_day"),
    "designer.save_draft": ("PUT", "api.save_draft"),
    "designer.save_new_draft": ("POST", "api.save_new_draft"),
    "designer.upload": ("POST", "api.save_new_draft"),
    "designer.validate": ("POST", "api.validate_process"),
    "designer.compile_source": ("POST", "api.compile_source"),
    "designer.deploy": ("POST", "api.deploy_process"),
    "designer.migrate": ("POST", "api.migrate_instances"),  # and api.migration_plan, its dry run
    "designer.run_tests": ("POST", "api.run_process_tests"),
    "designer.form_editor": ("PUT", "api.save_form"),
    "designer.form_preview": ("POST", "api.check_form"),
    "cases.add_note": ("POST", "api.add_note"),
    "incidents.retry": ("POST", "api.retry_incident"),
    "incidents.skip": ("POST", "api.skip_incident"),
    "incidents.suspend": ("POST", "api.suspend_case"),
    "incidents.resume": ("POST", "api.resume_case"),
    "incidents.cancel": ("POST", "api.cancel_case"),
    "incidents.move": ("POST", "api.move_case"),
    "admin.dev_clock": ("POST", "api.set_dev_clock"),
    "rules.save_draft": ("POST", "api.save_rule_draft"),
    "rules.validate": ("POST", "api.validate_rule"),
    "rules.change_summary": ("POST", "api.rule_change_summary"),
    "rules.run_tests": ("POST", "api.run_rule_tests"),
    "rules.publish": ("POST", "api.publish_rule"),
    "sharing.resend": ("POST", "api.resend_sharing_event"),
    "sharing.resend_failed": ("POST", "api.resend_sharing"),
    "admin.resend_mail": ("POST", "api.resend_mail"),
    "admin.resend_failed_mail": ("POST", "api.resend_failed_mail"),
    "notifications.settings": ("PUT", "api.set_notification_settings"),
    "cases.send_event": ("POST", "api.send_case_event"),  # and api.send_correlated_event, by key
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Units, calendar days and the demo accounts are kept between tests: put back what these change.
pytestmark = pytest.mark.usefixtures("kept_rows_restored")


def web_writes(app) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") or not rule.methods & WRITES:
            continue
        found.setdefault(rule.endpoint, set()).update(rule.methods & WRITES)
    return found


def test_every_web_action_has_an_api_twin(app):
    """The kind: a new web POST without an entry here (and an API route) fails this test."""
    api_methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            api_methods.setdefault(rule.endpoint, set()).update(rule.methods)
    writes = web_writes(app)
    assert len(writes) >= 35
    missing = sorted(set(writes) - set(WEB_TO_API))
    assert missing == [], f"web actions without an API twin in WEB_TO_API: {missing}"
    assert sorted(set(WEB_TO_API) - set(writes)) == []  # no stale entries
    for web, (method, endpoint) in WEB_TO_API.items():
        assert method in api_methods.get(endpoint, set()), (web, method, endpoint)
    assert "POST" in api_methods["api.migration_plan"]


# ---------------------------------------------------------------- admin

def test_an_admin_manages_users_with_a_token(api):
    admin = api.as_("admin")
    fgw, czj = (db.session.scalar(select(User.department_id).where(User.username == n))
                for n in ("handler.fgw", "handler.czj"))
    body = {"username": "api.user", "full_name": "接口用户", "department_id": fgw, "roles": ["handler"],
            "password": "Api-Passw0rd-2026"}
    r = admin.post("/users", body)
    assert r.status_code == 201, r.get_json()
    user = r.get_json()
    assert user["username"] == "api.user" and user["roles"] == ["handler"] and user["department"]["id"] == fgw
    assert api.as_("api.user").get("/me").status_code == 200
    again = admin.post("/users", body)
    assert again.status_code == 422 and "username" in fields_of(again)
    weak = admin.post("/users", {**body, "username": "api.weak", "password": "123"})
    assert weak.status_code == 422 and "password" in fields_of(weak)
    shape = admin.post("/users", {"username": "x"})
    assert shape.status_code == 422 and fields_of(shape)["password"] == ["必填项"]

    edit = admin.client.put(f"/api/v1/users/{user['id']}", headers=admin._headers(),
                            json={"full_name": "接口用户二", "department_id": czj, "roles": ["handler", "recorder"]})
    assert edit.status_code == 200 and edit.get_json()["department"]["id"] == czj, edit.get_json()
    assert edit.get_json()["roles"] == ["handler", "recorder"]
    assert admin.get(f"/users/{user['id']}").get_json()["full_name"] == "接口用户二"
    me = admin.get("/me").get_json()["user"]
    own = admin.client.put(f"/api/v1/users/{me['id']}", headers=admin._headers(),
                           json={"full_name": me["full_name"], "department_id": me["department"]["id"], "roles": ["recorder"]})
    assert own.status_code == 422 and "roles" in fields_of(own)

    holder = api.as_("api.user")
    r = admin.post(f"/users/{user['id']}/password", {"password": "Another-Passw0rd-9"})
    assert r.status_code == 200 and holder.get("/me").status_code == 401  # its tokens are revoked
    r = admin.post(f"/users/{user['id']}/deactivate")
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert admin.post(f"/users/{me['id']}/deactivate").status_code == 422
    assert admin.post(f"/users/{user['id']}/activate").get_json()["active"] is True

    assert admin.post("/users/999999/deactivate").status_code == 404
    for other in ("recorder", "handler.fgw", "designer"):
        assert api.as_(other).post("/users", body).status_code == 403, other
        assert api.as_(other).post(f"/users/{user['id']}/deactivate").status_code == 403, other


def test_an_admin_manages_departments_and_a_calendar_day_with_a_token(api):
    admin = api.as_("admin")
    district = admin.get("/departments?kind=district").get_json()["items"][0]
    r = admin.post("/departments", {"code": "api_unit", "name": "接口测试局", "kind": "municipal", "district_id": None})
    assert r.status_code == 201, r.get_json()
    unit = r.get_json()
    assert unit["code"] == "api_unit" and unit["active"] is True
    assert admin.post("/departments", {"code": "api_unit", "name": "另一局", "kind": "municipal"}).status_code == 422
    bad = admin.post("/departments", {"code": "Bad Code", "name": "", "kind": "nothing"})
    assert bad.status_code == 422 and {"code", "name", "kind"} <= set(fields_of(bad))
    put = admin.client.put(f"/api/v1/departments/{unit['id']}", headers=admin._headers(),
                           json={"name": "接口测试分局", "kind": "agency", "district_id": district["id"]})
    assert put.status_code == 200 and put.get_json()["district_id"] == district["id"], put.get_json()
    assert admin.post(f"/departments/{unit['id']}/deactivate").get_json()["active"] is False
    assert admin.post(f"/departments/{unit['id']}/activate").get_json()["active"] is True
    fgw = next(d for d in admin.get("/departments?per_page=100").get_json()["items"] if d["code"] == "fgw")
    busy = admin.post(f"/departments/{fgw['id']}/deactivate")
    assert busy.status_code == 422 and "active" in fields_of(busy)  # it still has active users
    assert admin.post("/departments/999999/activate").status_code == 404
    assert api.as_("supervisor").post("/departments", {"code": "x_y", "name": "x", "kind": "agency"}).status_code == 403

    def set_day(user, day, body):
        return user.client.put(f"/api/v1/calendar/days/{day}", headers=user._headers(), json=body)

    r = set_day(admin, "2026-11-14", {"kind": "workday"})  # a Saturday worked
    assert r.status_code == 200 and r.get_json() == {"day": "2026-11-14", "kind": "workday", "name": "调休上班"}
    r = set_day(admin, "2026-11-16", {"kind": "holiday", "name": "接口节"})
    assert r.get_json() == {"day": "2026-11-16", "kind": "holiday", "name": "接口节"}
    assert set_day(admin, "2026-11-16", {"kind": None}).get_json()["kind"] == "normal"
    assert "kind" in fields_of(set_day(admin, "2026-11-17", {"kind": "workday"}))  # a Tuesday works anyway
    assert "name" in fields_of(set_day(admin, "2026-11-17", {"kind": "holiday"}))
    assert set_day(admin, "2026-13-40", {"kind": None}).status_code == 422
    assert "day" in fields_of(set_day(admin, "1999-01-04", {"kind": None}))  # a year not imported
    assert set_day(api.as_("supervisor"), "2026-11-14", {"kind": None}).status_code == 403


def test_a_user_changes_their_own_password_and_language_with_a_token(api):
    handler = api.as_("handler.czj")
    put = handler.client.put("/api/v1/me/language", headers=handler._headers(), json={"lang": "en"})
    assert put.status_code == 200 and put.get_json()["user"]["locale"] == "en"
    bad = handler.client.put("/api/v1/me/language", headers=handler._headers(), json={"lang": "fr"})
    assert bad.status_code == 422 and "lang" in fields_of(bad)
    wrong = handler.post("/me/password", {"current": "not-it", "new": "Fresh-Passw0rd-77", "confirm": "Fresh-Passw0rd-77"})
    assert wrong.status_code == 422 and "current" in fields_of(wrong)
    mismatch = handler.post("/me/password", {"current": "Demo@2026", "new": "Fresh-Passw0rd-77", "confirm": "other"})
    assert mismatch.status_code == 422 and "confirm" in fields_of(mismatch)
    r = handler.post("/me/password", {"current": "Demo@2026", "new": "Fresh-Passw0rd-77", "confirm": "Fresh-Passw0rd-77"})
    assert r.status_code == 204, r.get_json()
    assert handler.get("/me").status_code == 401  # every token revoked, this one too
    token = handler.client.post("/api/v1/auth/token", json={"username": "handler.czj", "password": "Fresh-Passw0rd-77"})
    assert token.status_code == 201


# ---------------------------------------------------------------- documents

def test_a_reviewer_issues_the_case_report_and_corrects_a_document_with_a_token(api):
    case = api.as_("recorder").register()
    reviewer = api.as_("reviewer")
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    r = reviewer.post(f"/cases/{case['id']}/documents/report")
    assert r.status_code == 201, r.get_json()
    report = r.get_json()
    assert report["type"] == "case_report" and report["number"] and report["version"] == 1
    pdf = fetch(reviewer, report["url"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    r = reviewer.post(f"/cases/{case['id']}/documents/{report['id']}/correct", {"reason": "更正案件摘要"})
    assert r.status_code == 201, r.get_json()
    corrected = r.get_json()
    assert corrected["number"] == report["number"] and corrected["version"] == 2
    assert corrected["correction_reason"] == "更正案件摘要"
    assert [d["version"] for d in reviewer.case(case["id"])["documents"] if d["type"] == "case_report"] == [1, 2]
    empty = reviewer.post(f"/cases/{case['id']}/documents/{report['id']}/correct", {"reason": "  "})
    assert empty.status_code == 422 and "reason" in fields_of(empty)
    assert reviewer.post(f"/cases/{case['id']}/documents/{report['id']}/correct", {}).status_code == 422
    other = api.as_("recorder").register()
    assert reviewer.post(f"/cases/{other['id']}/documents/{report['id']}/correct",
                         {"reason": "x"}).status_code == 404  # a document not of that case
    assert reviewer.post("/cases/999999/documents/report").status_code == 404
    for user in ("handler.fgw", "recorder"):
        assert api.as_(user).post(f"/cases/{case['id']}/documents/report").status_code == 403, user


# ---------------------------------------------------------------- designer

def test_a_designer_keeps_drafts_and_migrates_running_cases_with_a_token(api):
    designer = api.as_("designer")
    headers = designer._headers()
    xml = probe_process().decode()
    saved = designer.post("/designer/drafts", {"xml": xml})
    assert saved.status_code == 200 and saved.get_json()["key"] == "safety_probe", saved.get_json()
    put = designer.client.put("/api/v1/designer/drafts/safety_probe", headers=headers, json={"xml": xml})
    assert put.status_code == 200 and put.get_json()["updated_by"] == "designer"
    wrong = designer.client.put("/api/v1/designer/drafts/other_key", headers=headers, json={"xml": xml})
    assert wrong.status_code == 422 and "bpmn" in fields_of(wrong)
    assert "bpmn" in fields_of(designer.post("/designer/drafts", {"xml": "<not-xml"}))
    assert [d["key"] for d in designer.get("/designer/drafts").get_json()["items"]] == ["safety_probe"]
    assert designer.get("/designer/drafts/safety_probe").get_json()["xml"] == xml
    assert designer.client.delete("/api/v1/designer/drafts/safety_probe", headers=headers).status_code == 204
    assert designer.get("/designer/drafts/safety_probe").status_code == 404
    assert designer.client.delete("/api/v1/designer/drafts/safety_probe", headers=headers).status_code == 404

    assert designer.post("/designer/deploy", {"xml": xml, "comment": "第一版"}).status_code == 201
    recorder = api.as_("recorder")
    waiting = recorder.post("/cases", {"process": "safety_probe", "data": RECORD}).get_json()
    done = recorder.post("/cases", {"process": "safety_probe", "data": RECORD}).get_json()
    api.as_("reviewer").complete(done["id"], "review", {"entry_decision": "approve", "review_opinion": "ok"})
    assert designer.post("/designer/deploy", {"xml": v2(probe_process()).decode(), "comment": "增加复核"}).status_code == 201
    versions = designer.get("/designer/processes/safety_probe").get_json()["versions"]
    assert [(v["version"], v["running"]) for v in versions] == [(2, 0), (1, 1)]

    plan = designer.post("/designer/processes/safety_probe/migration-plan", {"source": 1, "target": 2})
    assert plan.status_code == 200 and plan.get_json()["items"] == [
        {"case_id": waiting["id"], "case_number": waiting["number"], "possible": True, "waiting": ["review"],
         "waiting_names": ["“审核”（review）"], "added": [], "reasons": []}]
    assert designer.post("/designer/processes/safety_probe/migration-plan", {"source": 1, "target": 9}).status_code == 404
    assert "target" in fields_of(designer.post("/designer/processes/safety_probe/migrate", {"source": 1}))
    moved = designer.post("/designer/processes/safety_probe/migrate", {"source": 1, "target": 2})
    assert moved.get_json() == {"moved": [waiting["number"]], "refused": []}
    case = db.session.get(Case, waiting["id"])
    db.session.expire_all()
    assert db.session.get(ProcessInstance, case.instance_id).version.version == 2
    assert api.as_("recorder").post("/designer/processes/safety_probe/migrate",
                                    {"source": 1, "target": 2}).status_code == 403


def test_a_designer_edits_forms_checks_code_and_runs_process_tests_with_a_token(api):
    designer = api.as_("designer")
    headers = designer._headers()
    listed = designer.get("/designer/forms").get_json()["items"]
    assert any(f["key"] == "entry_review" for f in listed)
    form = designer.get("/designer/forms/entry_review").get_json()
    assert form["key"] == "entry_review" and form["schema"]["properties"]
    schema = form["schema"]
    schema["properties"]["risk_note"] = {"type": "string", "title": "风险提示"}
    r = designer.client.put("/api/v1/designer/forms/entry_review", headers=headers,
                            json={"schema": schema, "comment": "增加风险提示"})
    assert r.get_json() == {"key": "entry_review", "version": form["version"] + 1, "changed": True}
    same = designer.client.put("/api/v1/designer/forms/entry_review", headers=headers, json={"schema": schema})
    assert same.get_json()["changed"] is False
    untitled = {"title": "x", "type": "object", "properties": {"a": {"type": "string"}}}
    bad = designer.client.put("/api/v1/designer/forms/entry_review", headers=headers, json={"schema": untitled})
    assert bad.status_code == 422 and "schema" in fields_of(bad)
    check = designer.post("/designer/forms/check", {"schema": untitled}).get_json()
    assert check["ok"] is False and any("中文标题" in p for p in check["problems"])
    assert designer.post("/designer/forms/check", {"schema": schema}).get_json() == {"ok": True, "problems": []}
    assert designer.get("/designer/forms/nothing_here").status_code == 404

    assert designer.post("/designer/compile", {"source": "amount > 100"}).get_json()["ok"] is True
    unsafe = designer.post("/designer/compile", {"source": "__import__('os')", "mode": "script"}).get_json()
    assert unsafe["ok"] is False and unsafe["message"]
    assert "mode" in fields_of(designer.post("/designer/compile", {"source": "x", "mode": "other"}))

    run = designer.post("/designer/processes/dishonesty_record/tests")
    assert run.status_code == 200, run.get_json()
    assert run.get_json()["passed"] is True and run.get_json()["items"]
    assert designer.post("/designer/processes/no_such_process/tests").status_code == 404
    assert api.as_("admin").post("/designer/compile", {"source": "1"}).status_code == 403


# ---------------------------------------------------------------- the kinds

def test_a_body_that_parses_but_breaks_its_schema_is_a_422_naming_the_fields_on_every_route(api, client, app, tmp_path):
    """The kind: every operation whose spec declares a JSON body schema (the development clock
    switched on for it, an open incident to operate on)."""
    app.config["DEV_CLOCK"] = True
    clock.use_development_offset(str(tmp_path / "dev-clock.json"))
    try:
        _every_body_route_answers_422(api, client)
    finally:
        clock.use_development_offset(None)
        app.config["DEV_CLOCK"] = False


def _every_body_route_answers_422(api, client):
    incident = _incident(client)
    case = api.as_("recorder").register()
    reviewer = api.as_("reviewer")
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    document = reviewer.case(case["id"])["documents"][0]
    recorder = db.session.scalar(select(User).where(User.username == "recorder"))
    values = {"case_id": case["id"], "task_id": reviewer.case(case["id"])["open_tasks"][0]["id"],
              "document_id": document["id"], "notification_id": 1, "attachment_id": 1, "user_id": recorder.id,
              "department_id": recorder.department_id, "key": "dishonesty_record", "day": "2026-11-14",
              "incident_id": incident, "decision": "publication_window", "number": 1}
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    users = [api.as_(name) for name in ("admin", "designer", "reviewer", "supervisor", "recorder", "handler.fgw",
                                        "approver")]
    checked = []
    for path, methods in paths.items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            assert "422" in operation["responses"], (method, path)
            url = path.format(**values)
            answers = []
            for user in users:
                response = user.client.open(url, method=method.upper(), headers=user._headers(),
                                            json={"no_such_field": 1})
                answers.append(response.status_code)
                if response.status_code == 422:
                    fields = fields_of(response)
                    if path.endswith("/complaints"):  # JSON or CSV items, bad rows reported line by line
                        assert fields == {"items": ["items 必须是数组"]}, fields
                    else:
                        assert fields.get("no_such_field") == ["不允许的字段"], (path, fields)
                    break
            assert answers[-1] == 422 and set(answers[:-1]) <= {403}, (method, path, answers)
            checked.append(f"{method} {path}")
    assert len(checked) >= 20, checked


NAMELESS = (b'--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n'
            b'--B\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--B--\r\n')


def test_a_nameless_multipart_part_is_a_400_before_csrf_on_every_form(app, client):
    """The kind: every web write (and the API's): a clear Chinese 400, never flask-wtf's 500."""
    urls = []
    for rule in app.url_map.iter_rules():
        methods = rule.methods & WRITES
        if not methods:
            continue
        values = {name: ("dishonesty_record" if name == "key" else "2026-11-14" if name == "day" else 1)
                  for name in rule.arguments}
        urls.append((sorted(methods)[0], rule.build(values, append_unknown=False)[1]))
    assert len(urls) > 60 and ("POST", "/login") in urls
    for method, url in urls:
        response = client.open(url, method=method, data=NAMELESS, content_type="multipart/form-data; boundary=B")
        assert response.status_code == 400, (method, url, response.status_code)
        assert "没有名称的部分".encode() in response.data, (method, url)


# ---------------------------------------------------------------- civil servants in task forms

OWNER_FORM = {"title": "指定整改责任人", "type": "object", "required": ["owner"],
              "properties": {"owner": {"type": "integer", "title": "整改责任人", "x-source": "civil_servants"}}}


def test_a_handler_fills_a_task_form_with_a_civil_servant_from_the_api_alone(api):
    designer = api.as_("designer")
    r = designer.client.put("/api/v1/designer/forms/owner_pick", headers=designer._headers(),
                            json={"schema": OWNER_FORM, "comment": "责任人"})
    assert r.status_code == 200, r.get_json()
    xml = probe_process(user_task='<bpmn:userTask id="review" name="指定责任人" cx:form="owner_pick" cx:due="5" />')
    xml = xml.replace(b'name="reviewer"', b'name="handler"')
    deployed = designer.post("/designer/deploy", {"xml": xml.decode(), "comment": "经办人选责任人"})
    assert deployed.status_code == 201, deployed.get_json()
    case = api.as_("recorder").post("/cases", {"process": "safety_probe",
                                               "data": {**RECORD, "subject_department": "czj"}}).get_json()

    handler = api.as_("handler.czj")
    listed = handler.get("/civil-servants")
    assert listed.status_code == 200, listed.get_json()
    assert [(s["name"], s["department"]) for s in listed.get_json()["items"]] == [("孙明", "czj")]  # own unit only
    task = handler.task_for(case["id"], "review")
    choices = handler.get(f"/tasks/{task['id']}").get_json()["form"]["properties"]["owner"]["oneOf"]
    assert [c["const"] for c in choices] == [s["id"] for s in listed.get_json()["items"]]
    assert handler.post(f"/tasks/{task['id']}/claim").status_code == 200
    done = handler.post(f"/tasks/{task['id']}/complete", {"data": {"owner": choices[0]["const"]}})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["task"]["status"] == "completed"

    other = api.as_("handler.fgw").get("/civil-servants")
    assert other.status_code == 200 and other.get_json()["items"] == []  # fgw has no civil servants listed
    assert len(api.as_("recorder").get("/civil-servants").get_json()["items"]) == 2  # recorders: every unit
    assert api.as_("admin").get("/civil-servants").status_code == 403  # fills no such form


def test_the_web_task_page_offers_a_handler_the_same_civil_servants(api, app):
    designer = api.as_("designer")
    designer.client.put("/api/v1/designer/forms/owner_pick", headers=designer._headers(),
                        json={"schema": OWNER_FORM, "comment": "责任人"})
    xml = probe_process(user_task='<bpmn:userTask id="review" name="指定责任人" cx:form="owner_pick" cx:due="5" />')
    designer.post("/designer/deploy", {"xml": xml.replace(b'name="reviewer"', b'name="handler"').decode(),
                                       "comment": "经办人选责任人"})
    case = api.as_("recorder").post("/cases", {"process": "safety_probe",
                                               "data": {**RECORD, "subject_department": "czj"}}).get_json()
    task = api.as_("handler.czj").task_for(case["id"], "review")
    web = app.test_client()
    login(web, "handler.czj")
    html = web.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "孙明" in html and "周华" not in html
