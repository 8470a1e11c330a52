"""The designer's server side: validation rules with element ids, sandbox compile, drafts,
deployment with change summary, instance migration (dry run and move) and the form editor."""
import io
import json

import pytest
from sqlalchemy import select

from app.cases.models import Case, TimelineEvent
from app.engine import ProcessInstance
from app.core.extensions import db
from tests.bpmn_builder import probe_process
from tests.support import RECORD, Api
from tests.web_support import csrf_token, login

V2_EXTRA = (b'<bpmn:sequenceFlow id="f1" sourceRef="review" targetRef="done" />',
            b'<bpmn:userTask id="extra" name="\xe5\xa4\x8d\xe6\xa0\xb8" cx:form="entry_review" />'
            b'<bpmn:sequenceFlow id="f1" sourceRef="review" targetRef="extra" />'
            b'<bpmn:sequenceFlow id="f2" sourceRef="extra" targetRef="done" />')


def v2(xml: bytes) -> bytes:
    return xml.replace(*V2_EXTRA).replace(b"<bpmn:flowNodeRef>done</bpmn:flowNodeRef>",
                                          b"<bpmn:flowNodeRef>done</bpmn:flowNodeRef><bpmn:flowNodeRef>extra</bpmn:flowNodeRef>")


@pytest.fixture()
def designer(client):
    login(client, "designer")
    token = csrf_token(client, "/designer")
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


def post_xml(client, url, xml: bytes, method="post"):
    return getattr(client, method)(url, data=xml, content_type="application/xml")


def test_designer_pages_are_for_designers(client):
    login(client, "reviewer")
    assert client.get("/designer").status_code == 403
    assert client.post("/designer/api/validate", data=b"<x/>").status_code in (400, 403)


def test_the_list_shows_versions_and_running_cases(designer, app):
    with app.app_context():
        Api(app.test_client()).as_("recorder").register()
    html = designer.get("/designer").get_data(as_text=True)
    row = html.split('data-key="dishonesty_record"')[1].split("</tr>")[0]
    assert "第 1 版" in row and '<td class="text-end">1</td>' in row


@pytest.mark.parametrize("mutate, element, fragment", [
    (lambda x: x.replace(b'name="reviewer"', b'name="nobody"'), "review", "不是已知角色"),
    (lambda x: x.replace(b' cx:form="entry_review"', b""), "review", "缺少表单"),
    (lambda x: x.replace(b'cx:form="entry_review"', b'cx:form="missing_form"'), "review", "不存在"),
    (lambda x: x.replace(b'id="done"', b'id="End"').replace(b'targetRef="done"', b'targetRef="End"')
     .replace(b">done<", b">End<"), "End", "保留字"),
    (lambda x: x.replace(b' default="f_default"', b""), "probe_gw", "默认流"),
    (lambda x: x.replace(b"len(facts) &gt; 1000", b"__import__('os')"), "f_cond", "下划线"),
    (lambda x: x.replace(b"len(facts) &gt; 1000", b"unknown_action(1)"), "f_cond", "未知函数"),
])
def test_server_validation_names_the_element_for_each_rule(designer, mutate, element, fragment):
    xml = mutate(probe_process(condition="len(facts) > 1000"))
    body = post_xml(designer, "/designer/api/validate", xml).get_json()
    assert body["ok"] is False
    assert any(p["element_id"] == element and fragment in p["message"] for p in body["problems"]), body["problems"]


def test_a_valid_process_validates_and_bad_xml_is_reported(designer):
    assert post_xml(designer, "/designer/api/validate", probe_process()).get_json() == {"ok": True, "problems": []}
    body = post_xml(designer, "/designer/api/validate", b'<!DOCTYPE x [<!ENTITY a "b">]><x/>').get_json()
    assert body["ok"] is False and "DOCTYPE" in body["problems"][0]["message"]


def test_expressions_are_checked_by_the_sandbox_as_you_type(designer):
    ok = designer.post("/designer/api/compile", json={"source": "working_days_deadline(5)", "mode": "expression"})
    assert ok.get_json()["ok"] is True
    bad = designer.post("/designer/api/compile", json={"source": "().__class__", "mode": "expression"}).get_json()
    assert bad["ok"] is False and "下划线" in bad["message"]
    script = designer.post("/designer/api/compile", json={"source": "x = set_record_status('notified')", "mode": "script"})
    assert script.get_json()["ok"] is True
    assert designer.post("/designer/api/compile", json={"mode": "script"}).status_code == 400


def test_drafts_are_saved_and_reopened_and_the_process_id_cannot_change(designer, app):
    xml = probe_process(script="step = 1")
    assert post_xml(designer, "/designer/api/draft", xml, "put").get_json()["key"] == "safety_probe"
    assert designer.get("/designer/api/safety_probe/xml").data == xml
    other = xml.replace(b'id="safety_probe"', b'id="other_probe"')
    r = post_xml(designer, "/designer/api/safety_probe/draft", other, "put")
    assert r.status_code == 422 and "流程 id 不能修改" in r.get_json()["error"]["message"]
    r = post_xml(designer, "/designer/api/safety_probe/draft", b"<bpmn:definitions", "put")
    assert r.status_code == 422


def deploy(client, xml: bytes, comment="测试部署"):
    return client.post("/designer/api/deploy", json={"xml": xml.decode(), "comment": comment})


def test_deploy_creates_a_version_with_author_comment_and_change_summary(designer, app):
    assert deploy(designer, probe_process()).get_json()["version"] == 1
    body = deploy(designer, v2(probe_process()), "增加复核").get_json()
    assert body["ok"] and body["version"] == 2
    assert body["summary"]["added"] == ["extra", "f2"] and "f1" in body["summary"]["changed"]
    again = deploy(designer, v2(probe_process()))
    assert again.status_code == 422 and "相同" in again.get_json()["error"]["message"]
    assert deploy(designer, probe_process(), "").status_code == 422  # a comment is required
    refused = deploy(designer, probe_process().replace(b' cx:form="entry_review"', b""))
    assert refused.status_code == 422 and refused.get_json()["problems"][0]["element_id"] == "review"
    html = designer.get("/designer/safety_probe").get_data(as_text=True)
    assert "增加复核" in html and "流程设计员 周敏" in html and "+ extra, f2" in html


def test_migration_dry_run_then_move_and_the_moved_case_follows_the_new_version(designer, app):
    deploy(designer, probe_process())
    with app.app_context():
        api = Api(app.test_client())
        first = api.as_("recorder").post("/cases", {"process": "safety_probe", "data": RECORD}).get_json()
        done = api.as_("recorder").post("/cases", {"process": "safety_probe", "data": RECORD}).get_json()
        api.as_("reviewer").complete(done["id"], "review", {"entry_decision": "approve", "review_opinion": "ok"})
    deploy(designer, v2(probe_process()), "增加复核")
    token = csrf_token(designer, "/designer/safety_probe")
    dry = designer.post("/designer/safety_probe/migrate", data={"source": "1", "target": "2", "csrf_token": token})
    html = dry.get_data(as_text=True)
    assert f'data-case="{first["number"]}" data-possible="yes"' in html and done["number"] not in html
    moved = designer.post("/designer/safety_probe/migrate", data={"source": "1", "target": "2", "confirm": "1",
                                                                "csrf_token": token}, follow_redirects=True)
    assert "已迁移 1 件案件到第 2 版" in moved.get_data(as_text=True)
    with app.app_context():
        case = db.session.get(Case, first["id"])
        assert db.session.get(ProcessInstance, case.instance_id).version.version == 2
        assert db.session.scalar(select(TimelineEvent).where(TimelineEvent.case_id == case.id,
                                                             TimelineEvent.kind == "process.migrated")) is not None
        api = Api(app.test_client())
        api.as_("reviewer").complete(first["id"], "review", {"entry_decision": "approve", "review_opinion": "ok"})
        assert [t["element"] for t in api.as_("reviewer").case(first["id"])["open_tasks"]] == ["extra"]


def test_a_case_waiting_at_a_removed_task_cannot_migrate(designer, app):
    deploy(designer, v2(probe_process()))
    with app.app_context():
        api = Api(app.test_client())
        case = api.as_("recorder").post("/cases", {"process": "safety_probe", "data": RECORD}).get_json()
        api.as_("reviewer").complete(case["id"], "review", {"entry_decision": "approve", "review_opinion": "ok"})
    deploy(designer, probe_process(), "去掉复核")
    token = csrf_token(designer, "/designer/safety_probe")
    html = designer.post("/designer/safety_probe/migrate", data={"source": "1", "target": "2", "csrf_token": token}
                         ).get_data(as_text=True)
    assert 'data-possible="no"' in html and "等待中的环节“复核”（extra）在第 2 版中已删除" in html


def test_form_editor_validates_versions_and_running_processes_keep_their_form(designer, app):
    token = csrf_token(designer, "/designer/forms/entry_review")
    bad = designer.post("/designer/forms/entry_review", data={"schema": "{not json", "csrf_token": token})
    assert bad.status_code == 422 and "JSON 格式错误" in bad.get_data(as_text=True)
    untitled = designer.post("/designer/forms/entry_review", data={"csrf_token": token, "schema": json.dumps(
        {"title": "x", "type": "object", "properties": {"a": {"type": "string"}}})})
    assert untitled.status_code == 422 and "需要中文标题" in untitled.get_data(as_text=True)
    with app.app_context():
        api = Api(app.test_client())
        case = api.as_("recorder").register()
    schema = json.loads(designer.get("/designer/forms/entry_review").get_data(as_text=True)
                        .split('name="schema"')[1].split(">", 1)[1].split("</textarea>")[0].replace("&#34;", '"').replace("&quot;", '"'))
    schema["properties"]["risk_note"] = {"type": "string", "title": "风险提示", "minLength": 1}
    schema["required"].append("risk_note")
    saved = designer.post("/designer/forms/entry_review", data={"csrf_token": token, "schema": json.dumps(schema, ensure_ascii=False),
                                                               "comment": "增加风险提示"}, follow_redirects=True)
    assert "已保存表单 entry_review 第 2 版" in saved.get_data(as_text=True)
    with app.app_context():
        api = Api(app.test_client())
        # The running process version was deployed with version 1 of the form: no risk_note needed.
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})


def test_form_preview_renders_like_the_task_page(designer):
    token = csrf_token(designer, "/designer/forms/entry_review")
    schema = {"title": "现场核查", "type": "object", "required": ["result"],
              "properties": {"result": {"type": "string", "title": "核查结果", "enum": ["ok", "bad"], "x-enum-labels": ["属实", "不属实"]}}}
    html = designer.post("/designer/api/forms/preview", data={"schema": json.dumps(schema, ensure_ascii=False),
                                                             "csrf_token": token}).get_data(as_text=True)
    assert 'for="preview-result"' in html and "核查结果" in html and "属实" in html
    html = designer.post("/designer/api/forms/preview", data={"schema": '{"type": "string"}', "csrf_token": token}
                         ).get_data(as_text=True)
    assert "preview-problems" in html


def test_migrating_a_case_waiting_on_a_task_with_boundary_timers_keeps_its_timers(designer, app, tick):
    from datetime import datetime

    from app.core.clock import LOCAL_TZ

    with app.app_context():
        api = Api(app.test_client())
        case = api.as_("recorder").register()
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    xml = designer.get("/designer/api/dishonesty_record/xml?source=latest").data
    assert deploy(designer, xml.replace("视为无异议".encode(), "逾期未答复，视为无异议".encode()), "改名").get_json()["version"] == 2
    token = csrf_token(designer, "/designer/dishonesty_record")
    designer.post("/designer/dishonesty_record/migrate", data={"source": "1", "target": "2", "confirm": "1", "csrf_token": token})
    tick(datetime(2026, 9, 21, 0, 0, 1, tzinfo=LOCAL_TZ))  # the objection window closes
    with app.app_context():
        moved = Api(app.test_client()).as_("reviewer").case(case["id"])
        assert moved["status"] == "confirmed"
        assert any(e["summary"] == "逾期未答复，视为无异议" for e in moved["timeline"])


def test_an_edited_form_is_not_reverted_by_the_next_deploy_of_the_shipped_files(designer, app, runner):
    token = csrf_token(designer, "/designer/forms/entry_review")
    with app.app_context():
        from app import forms

        schema = forms.load_form("entry_review")
    schema["title"] = "录入审核（修订）"
    designer.post("/designer/forms/entry_review", data={"csrf_token": token, "schema": json.dumps(schema, ensure_ascii=False)})
    assert runner.invoke(args=["deploy-all"]).exit_code == 0
    with app.app_context():
        from app import forms

        assert forms.load_form("entry_review")["title"] == "录入审核（修订）"


def test_an_uploaded_new_process_opens_in_the_modeler_as_imported_not_blank(designer):
    """Uploading a process that was never deployed opens the modeler on that draft (the issue-15
    attack found the blank template instead, and deploying it created an empty process)."""
    token = csrf_token(designer, "/designer")
    r = designer.post("/designer/upload", data={"file": (io.BytesIO(probe_process(key="uploaded_probe")), "p.bpmn"),
                                                "csrf_token": token}, content_type="multipart/form-data")
    assert r.status_code == 302 and r.headers["Location"].endswith("/designer/new?draft=uploaded_probe")
    page = designer.get(r.headers["Location"]).get_data(as_text=True)
    assert "/designer/api/uploaded_probe/xml" in page and "/designer/api/new_process/xml" not in page
    xml = designer.get("/designer/api/uploaded_probe/xml").get_data(as_text=True)
    assert 'id="uploaded_probe"' in xml
