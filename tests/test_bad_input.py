"""Bad input is answered with a 4xx naming the problem, never a 500, and no redirect leaves the
site (issue 12, findings 8 and 10). The examples of the issue, one by one; the sweep over every
route and method is tests/test_fuzz_urlmap.py."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.cases.models import Case
from app.core.extensions import db
from app.core.views import safe_next
from tests.support import RECORD, Api
from tests.web_support import csrf_token, login, post

EVIL_NEXT = ["https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example", "/%2f%2fevil.example",
             "/%5cevil.example", "https:evil.example", "/\tevil", "/\r\nLocation: https://evil.example", "javascript:alert(1)",
             " //evil.example", "/%0d%0aSet-Cookie:x=1"]
HUGE = 2**63
BPMN_DIR = Path(__file__).resolve().parent.parent / "workflows"


def _web(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _case(app, client, **record) -> dict:
    with app.app_context():
        return Api(client).as_("recorder").register(**record)


def _review_task_id(app, client, case_id: int) -> int:
    with app.app_context():
        return Api(client).as_("reviewer").task_for(case_id, "entry_review")["id"]


def _api(app, client, username):
    with app.app_context():
        return Api(client).as_(username)


def _off_site(location: str | None) -> bool:
    if not location:
        return False
    parts = urlsplit(location)
    return bool(parts.netloc and parts.netloc != "localhost") or location.startswith(("//", "/\\"))


# ---------------------------------------------------------------- finding 8: open redirect

@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_claim_and_release_do_not_follow_an_off_site_next(app, client, target):
    task_id = _review_task_id(app, client, _case(app, client)["id"])
    reviewer = _web(app, "reviewer")
    for action in ("claim", "release"):
        response = post(reviewer, f"/tasks/{task_id}/{action}", {"next": target})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/tasks/{task_id}", (action, target)


def test_safe_next_keeps_site_paths_and_refuses_every_trick():
    for target in EVIL_NEXT:
        assert safe_next(target, "/home") == "/home", target
    for target in ("/tasks?tab=mine", "/cases/3#documents", "/admin/users?q=%E5%BC%A0"):
        assert safe_next(target, "/home") == target


def test_no_post_route_redirects_off_site_whatever_next_says(app, client):
    """Every POST page route (path ids filled with a real case's and task's), as the users who may
    use it, with each trick in `next`, in the form and as the referrer: no Location leaves the site."""
    case = _case(app, client)
    task_id = _review_task_id(app, client, case["id"])
    ids = {"task_id": task_id, "case_id": case["id"], "user_id": 1, "department_id": 1, "notification_id": 1,
           "document_id": 1, "attachment_id": 1}
    web_posts = sorted(r.rule for r in app.url_map.iter_rules()
                       if "POST" in r.methods and not r.rule.startswith("/api/") and r.endpoint != "auth.logout")
    assert len(web_posts) > 20
    checked = 0
    for username in ("reviewer", "admin", "supervisor"):
        web = _web(app, username)
        token = csrf_token(web, "/notifications")
        for rule in web_posts:
            url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), "dishonesty_record")), rule)
            for target in EVIL_NEXT[:3]:  # every trick against safe_next itself: the test above
                response = web.post(url, data={"next": target, "csrf_token": token},
                                    headers={"Referer": target if target.startswith("http") else "https://evil.example/"})
                assert response.status_code < 500, (url, target)
                assert not _off_site(response.headers.get("Location")), (username, url, target,
                                                                         response.headers.get("Location"))
                checked += 1
    assert checked > 150


# ---------------------------------------------------------------- finding 10: no 500 on bad input

def test_integers_beyond_the_database_range_are_404_or_400_naming_the_field(app, client):
    case = _case(app, client)
    task_id = _review_task_id(app, client, case["id"])
    reviewer, web = _api(app, client, "reviewer"), _web(app, "reviewer")
    assert reviewer.get(f"/tasks/{HUGE}").status_code == 404
    assert reviewer.get(f"/cases/{10**30}").status_code == 404
    assert web.get(f"/tasks/{HUGE}").status_code == 404
    response = reviewer.get("/cases?page=99999999999999999999")  # the API: 422 like any bad query value
    assert response.status_code == 422 and "page" in response.get_json()["error"]["fields"]
    assert web.get("/cases?page=99999999999999999999").status_code == 400
    assert _web(app, "supervisor").get("/tasks?tab=supervised&page=99999999999999999999").status_code == 400
    response = _api(app, client, "supervisor").post(f"/tasks/{task_id}/reassign", {"assignee_id": 10**30})
    assert response.status_code == 422 and "assignee_id" in response.get_json()["error"]["fields"]  # body schema
    response = post(_web(app, "admin"), "/admin/users/new", {"username": "big.id", "full_name": "大编号",
                                                             "department_id": str(10**30), "roles": "recorder",
                                                             "password": "Big1d-Passw0rd"}, page="/admin/users/new")
    assert response.status_code == 422  # an unknown unit, named on the form


def test_a_civil_servant_id_beyond_the_database_range_is_422_naming_it(app, client):
    """Found by attack 13: the start form's `civil_servant_id` (an `x-source` choice) went to the
    database as it came — 2**70 was a 500 on SQLite (OverflowError). The API (JSON) and the web
    (19 digits pass the form reader) answer 422 naming the field, as for an unknown id."""
    servant = {"subject_type": "civil_servant", "subject_department": "czj"}
    recorder = _api(app, client, "recorder")
    for huge in (2**70, HUGE, 2**31):
        response = recorder.post("/cases", {"process": "dishonesty_record",
                                            "data": {**_record(), **servant, "civil_servant_id": huge}})
        assert response.status_code == 422, (huge, response.get_json())
        assert "civil_servant_id" in response.get_json()["error"]["fields"], huge
    web = _web(app, "recorder")
    response = post(web, "/cases/new?process=dishonesty_record",
                    {**_record(), **servant, "civil_servant_id": "9" * 19, "process": "dishonesty_record"},
                    page="/cases/new?process=dishonesty_record")
    assert response.status_code == 422, response.status_code


@pytest.mark.parametrize("text, reason", [("{not json", "属性名应使用双引号"), ('{"a": 1 "b": 2}', "缺少逗号"),
                                          ("{}  x", "末尾有多余的内容"), ("", "此处应为一个值")])
def test_malformed_json_is_explained_in_chinese_with_line_and_column(app, client, text, reason):
    """The decoder's English reasons never reach the user (API body and form editor alike)."""
    token = _api(app, client, "recorder").token
    response = client.post("/api/v1/cases", data=text or " ", content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    body_error = response.get_json()["error"]["fields"]["body"][0]
    assert reason in body_error and "第 1 行第" in body_error and "Expecting" not in body_error, body_error
    designer = _web(app, "designer")
    page = designer.post("/designer/forms/entry_review", data={"schema": text, "csrf_token": csrf_token(
        designer, "/designer/forms/entry_review")}).get_data(as_text=True)
    assert f"JSON 格式错误：第 1 行第" in page and reason in page and "Expecting" not in page


def test_json_nested_100000_deep_is_a_400_naming_the_nesting(app, client):
    token = _api(app, client, "recorder").token
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/cases", data=deep, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "嵌套" in response.get_json()["error"]["fields"]["body"][0]
    designer = _web(app, "designer")
    response = designer.post("/designer/api/deploy", data=deep, content_type="application/json",
                             headers={"X-CSRFToken": csrf_token(designer, "/designer")})
    assert response.status_code == 400 and "嵌套" in response.get_json()["error"]["message"]


def test_lone_surrogates_and_nul_are_refused_wherever_text_comes_in(app, client):
    recorder = _api(app, client, "recorder")
    body = '{"process": "dishonesty_record", "data": {"title": "\\ud800"}}'
    response = client.post("/api/v1/cases", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {recorder.token}"})
    assert response.status_code == 400 and "代理字符" in response.get_json()["error"]["message"]
    web = _web(app, "recorder")
    response = web.get("/cases?q=a%00b")
    assert response.status_code == 400 and "q" in response.get_data(as_text=True)
    response = post(web, "/cases/new", {"process": "dishonesty_record", "title": "a\x00b"})
    assert response.status_code == 400
    assert _web(app, "designer").get("/designer/forms/x%00y").status_code == 400


def test_unicode_digits_that_int_refuses_are_400(app, client):
    case = _case(app, client)
    task_id = _review_task_id(app, client, case["id"])
    assert _api(app, client, "reviewer").get("/cases?per_page=²").status_code == 422  # the API's query check
    assert _web(app, "admin").get("/admin/users?department=²").status_code == 400
    assert _web(app, "admin").get("/admin/calendar?year=²").status_code == 200  # the default year instead
    assert _web(app, "supervisor").get("/supervision?district=²").status_code == 400
    response = post(_web(app, "supervisor"), f"/tasks/{task_id}/reassign", {"assignee_id": "²"})
    assert response.status_code == 302  # back to the task with the message, nothing changed
    assert _web(app, "reviewer").get("/tasks/²").status_code == 404
    designer = _web(app, "designer")
    for source in ("²", "99999999999999999999"):
        assert designer.get(f"/designer/api/dishonesty_record/xml?source={source}").status_code == 400


def test_dates_out_of_range_are_422_naming_the_field(app, client):
    recorder = _api(app, client, "recorder")
    for day in ("0001-01-01", "9999-12-31"):
        response = recorder.post("/cases", {"process": "dishonesty_record",
                                            "data": {**_record(), "occurred_on": day}})
        assert response.status_code == 422 and "occurred_on" in response.get_json()["error"]["fields"], day
        response = _api(app, client, "supervisor").get(f"/complaints?date_from={day}")
        assert response.status_code == 422 and "date_from" in response.get_json()["error"]["fields"]
        response = _web(app, "reviewer").get(f"/cases?created_from={day}")
        assert response.status_code == 422 and "日期应在" in response.get_data(as_text=True)


def _record() -> dict:
    return dict(RECORD)


@pytest.mark.parametrize("declared, codec", [("UTF-16", "utf-16"), ("GBK", "gbk"), ("ISO-8859-1", "latin-1")])
def test_bpmn_in_another_declared_encoding_is_accepted(app, declared, codec):
    text = (BPMN_DIR / "dishonesty_record.bpmn").read_text(encoding="utf-8")
    data = text.replace('encoding="UTF-8"', f'encoding="{declared}"', 1).encode(codec, "xmlcharrefreplace")
    designer = _web(app, "designer")
    headers = {"X-CSRFToken": csrf_token(designer, "/designer")}
    response = designer.post("/designer/api/validate", data=data, content_type="application/xml", headers=headers)
    assert response.status_code == 200 and response.get_json()["ok"], response.get_json()
    response = designer.put("/designer/api/dishonesty_record/draft", data=data, content_type="application/xml",
                            headers=headers)
    assert response.status_code == 200, response.get_json()
    xml = designer.get("/designer/api/dishonesty_record/xml?source=draft").get_data(as_text=True)
    assert 'encoding="UTF-8"' in xml and "政务失信记录：告知—异议—审查—修复" in xml


def test_bpmn_whose_bytes_do_not_match_its_encoding_is_a_clear_422(app):
    text = (BPMN_DIR / "dishonesty_record.bpmn").read_text(encoding="utf-8")
    designer = _web(app, "designer")
    response = designer.put("/designer/api/draft", data=text.encode("gbk", "xmlcharrefreplace"),
                            content_type="application/xml", headers={"X-CSRFToken": csrf_token(designer, "/designer")})
    assert response.status_code == 422 and "XML" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("schema, problem", [
    ({"type": "object", "title": "t", "properties": {"a": {"title": "A", "enum": ["x"], "x-enum-labels": 5}}},
     "x-enum-labels"),
    ({"type": "object", "title": "t", "properties": {"a": {"title": ["A"]}}}, "is not of type"),
    ({"type": "object", "title": "t", "properties": {"a": {"title": "A", "x-widget": ["file"]}}}, "x-widget"),
    ({"type": "object", "title": "t", "then": True, "properties": {"a": {"title": "A"}}}, "then"),
    ({"type": "object", "title": "t", "properties": {"a": {"title": "A", "$ref": "https://evil.example/s.json"}}},
     "$ref"),
    ("[" * 5000 + "]" * 5000, "嵌套"),
    ('{"title": NaN}', "NaN"),
])
def test_malformed_schemas_in_the_form_preview_are_422_with_the_problem(app, schema, problem):
    designer = _web(app, "designer")
    text = schema if isinstance(schema, str) else json.dumps(schema)
    response = post(designer, "/designer/api/forms/preview", {"schema": text}, page="/designer/forms")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert problem in response.get_data(as_text=True)
    response = post(designer, "/designer/forms/fuzz_form", {"schema": text, "comment": "x"}, page="/designer/forms")
    assert response.status_code == 422


@pytest.mark.parametrize("title", ["拖欠\n=1+1", "拖欠\x00合同款", "拖欠\x1b[31m合同款", "a\rb", "x\x7fy"])
def test_control_characters_in_a_one_line_field_are_refused_naming_it(app, client, title):
    response = _api(app, client, "recorder").post("/cases", {"process": "dishonesty_record",
                                                             "data": {**RECORD, "title": title}})
    assert response.status_code in (400, 422), response.get_json()
    error = response.get_json()["error"]
    assert "title" in error["fields"] or "body" in error["fields"], error


def test_one_line_fields_are_stripped_and_text_areas_keep_their_lines(app, client):
    recorder = _api(app, client, "recorder")
    facts = "第一段。\n\t第二段：未按期拨付。"
    response = recorder.post("/cases", {"process": "dishonesty_record",
                                        "data": {**RECORD, "title": "  =1+1 拖欠合同款 ", "facts": facts}})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["title"] == "=1+1 拖欠合同款"
    with app.app_context():
        assert db.session.get(Case, case["id"]).facts == facts
