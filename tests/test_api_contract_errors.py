"""What an API client written against the contract found (issue 13): text longer than its column is a
422 naming the field, not a 500 on PostgreSQL; every error answer under /api keeps the
`{"error": {code, message, fields}}` shape, in Chinese; bad bodies are explained without Python's
words; the spec says what the server does (required reasons, lengths, enums, empty parameters);
the development clock takes strict integers; headers (Retry-After, Allow, 204 without a type);
a designer downloads a deployed version's BPMN."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import delete, select

from app.auth.models import LoginThrottle
from app.cases.models import KEY_AREAS
from app.core.clock import clock
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.transaction import unit_of_work
from tests.bpmn_builder import probe_process
from tests.test_dev_clock import dev_clock  # noqa: F401  (the development clock switched on)

CJK = re.compile("[\u4e00-\u9fff]")


def error_of(response, status: int) -> dict:
    body = response.get_json()
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    assert CJK.search(body["error"]["message"]), body
    return body["error"]


# ---------------------------------------------------------------- text longer than its column

def test_a_designer_gets_422_for_a_process_id_or_name_longer_than_its_column(api):
    designer = api.as_("designer")
    long_id = probe_process(key="p" * 150).decode()
    error = error_of(designer.post("/designer/drafts", {"xml": long_id}), 422)
    assert error["code"] == "validation_failed" and "最多 100 个" in " ".join(error["fields"]["bpmn"])
    error = error_of(designer.post("/designer/deploy", {"xml": long_id, "comment": "长 id"}), 422)
    assert "最多 100 个" in " ".join(error["fields"]["bpmn"])
    long_name = probe_process(key="long_name_probe").decode().replace('name="安全探针"', f'name="{"名" * 300}"')
    error = error_of(designer.post("/designer/deploy", {"xml": long_name, "comment": "长名称"}), 422)
    problem = " ".join(error["fields"]["bpmn"])
    assert problem.startswith("long_name_probe") and "流程名称过长" in problem  # names the element
    long_task = probe_process(key="long_task_probe").decode().replace('name="审核"', f'name="{"审" * 201}"')
    error = error_of(designer.post("/designer/deploy", {"xml": long_task, "comment": "长任务名"}), 422)
    assert any(p.startswith("review") and "元素名称过长" in p for p in error["fields"]["bpmn"]), error


@pytest.mark.parametrize("key", ["../../etc", "a b", "p" * 5000, "流程"])
def test_a_draft_takes_a_process_id_only_as_deployment_would(api, key):
    designer = api.as_("designer")
    xml = probe_process(key="safety_probe").decode().replace('id="safety_probe"', f'id="{key}"')
    error = error_of(designer.post("/designer/drafts", {"xml": xml}), 422)
    assert error["code"] == "validation_failed" and error["fields"]["bpmn"]
    assert key not in {d["key"] for d in designer.get("/designer/drafts").get_json()["items"]}


def test_a_calendar_day_name_longer_than_its_column_is_422_naming_the_line(api):
    admin = api.as_("admin")
    content = f"2027-10-01,holiday,{'国' * 3000}\n".encode()
    response = admin.client.post("/api/v1/calendar/import", headers=admin._headers(),
                                 data={"file": (io.BytesIO(content), "2027.csv")}, content_type="multipart/form-data")
    error = error_of(response, 422)
    assert error["code"] == "validation_failed" and "第 1 行" in error["fields"]["file"][0]
    assert "最多 40 个" in error["fields"]["file"][0]


def test_a_value_too_long_for_its_column_is_a_422_not_a_500(ctx):
    """The net behind the input checks: PostgreSQL refuses the value ("value too long for type
    character varying(140)") and the unit of work answers 422 `validation_failed`, nothing saved.
    SQLite keeps any length, so there the row is stored (and removed again)."""
    key = "x" * 3000
    row = LoginThrottle(key=key, failures=1, window_start=clock.now())
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(ValidationFailed) as refused:
            with unit_of_work():
                db.session.add(row)
        assert refused.value.status == 422 and refused.value.fields == {"body": [refused.value.message]}
        assert db.session.scalar(select(LoginThrottle).where(LoginThrottle.key == key)) is None
    else:
        with unit_of_work():
            db.session.add(row)
        with unit_of_work():
            db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def test_a_start_form_value_longer_than_its_case_column_is_422_naming_it(api, ctx):
    from app.cases.service import _check_case_columns

    with pytest.raises(ValidationFailed) as refused:
        _check_case_columns({"title": "题" * 201, "document_number": "号" * 81, "tier": "a"})
    assert set(refused.value.fields) == {"title", "document_number"}


# ---------------------------------------------------------------- error answers keep the contract

def test_unknown_paths_and_bad_ids_are_json_404_in_chinese(api):
    reviewer = api.as_("reviewer")
    for path in ("/cases/abc", "/cases/2147483648", "/cases/-5", "/nowhere", "/cases/99999999999999999999/notes"):
        assert error_of(reviewer.get(path), 404)["code"] == "not_found", path
    headers = reviewer._headers()
    for method, path in (("PUT", "/users/2147483648"), ("POST", "/cases/2147483648/notes")):
        response = reviewer.client.open(f"/api/v1{path}", method=method, headers=headers, json={})
        assert error_of(response, 404)["code"] == "not_found", path  # not a 405 from a refused id
    web = reviewer.client.get("/cases/abc")
    assert web.status_code == 404 and web.mimetype == "text/html"  # pages keep their HTML error page


def test_a_method_a_path_does_not_have_is_405_with_allow(api):
    reviewer = api.as_("reviewer")
    response = reviewer.client.delete("/api/v1/cases", headers=reviewer._headers())
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed" and "DELETE" in error["message"]
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}
    page = reviewer.client.put("/login")  # a page: its Chinese HTML error page, with Allow too
    assert page.status_code == 405 and page.mimetype == "text/html" and "GET" in page.headers["Allow"]
    assert "此页面不支持这种操作" in page.get_data(as_text=True)


def test_an_oversized_body_is_a_json_413_in_chinese(app, api):
    reviewer = api.as_("reviewer")
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = reviewer.post("/cases", {"process": "x" * 2000})
        token = reviewer.client.post("/api/v1/auth/token", json={"username": "x" * 2000, "password": "x"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert error_of(response, 413)["message"] == "请求体过大：上限为 1000 字节"
    assert error_of(token, 413)["code"] == "payload_too_large"


@pytest.mark.parametrize("body, reason", [(b'{"username": "\xff"}', "第 15 个字节不是有效的 UTF-8 编码"),
                                          (b'{"username": ' + b"9" * 5000 + b"}", "整数位数过多（5000 位）")])
def test_a_body_python_cannot_read_is_explained_in_chinese(client, body, reason):
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    error = error_of(response, 400)
    assert reason in error["fields"]["body"][0] and "codec" not in error["message"] and "limit" not in error["message"]


def test_nul_in_a_query_is_bad_request_naming_the_parameter(api):
    error = error_of(api.as_("reviewer").get("/cases?q=a%00b"), 400)
    assert error["code"] == "bad_request" and list(error["fields"]) == ["q"]


# ---------------------------------------------------------------- query parameters

def test_bad_filter_values_are_422_naming_the_parameter_and_empty_ones_are_ignored(api):
    supervisor, admin = api.as_("supervisor"), api.as_("admin")
    for user, path, name in ((supervisor, "/cases?area=火星", "area"), (supervisor, "/cases?page=abc", "page"),
                             (supervisor, "/complaints?date_to=2027-13-01", "date_to"),
                             (supervisor, "/complaints?channel=fax", "channel"),
                             (supervisor, "/notifications?unread=2", "unread"), (admin, "/users?department=x", "department"),
                             (admin, "/departments?include_inactive=yes", "include_inactive"),
                             (supervisor, "/incidents?status=x", "status"), (supervisor, "/tasks?scope=x", "scope")):
        error = error_of(user.get(path), 422)
        assert error["code"] == "validation_failed" and name in error["fields"], path
    for user, path in ((supervisor, "/cases?page=&per_page=&area=&status="), (supervisor, "/complaints?date_to=&date_from="),
                       (supervisor, "/tasks?scope="), (supervisor, "/incidents?status="), (admin, "/users?department=")):
        assert user.get(path).status_code == 200, path
    assert supervisor.get(f"/cases?area={KEY_AREAS[0]}").status_code == 200


# ---------------------------------------------------------------- the spec says what the server does

def test_the_spec_states_the_server_limits_required_reasons_and_enums(client, api):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    reason = schemas["Reason"]
    assert "reason" in reason["required"] and reason["properties"]["reason"]["minLength"] == 1
    assert reason["properties"]["reason"]["maxLength"] == 2000 and "null" not in str(reason["properties"]["reason"]["type"])
    assert schemas["Correction"]["properties"]["reason"]["maxLength"] == 500
    assert schemas["UserCreate"]["properties"]["full_name"]["maxLength"] == 60
    assert schemas["UserCreate"]["properties"]["password"]["maxLength"] == 128
    assert schemas["DepartmentCreate"]["properties"]["name"]["maxLength"] == 120
    assert schemas["CalendarDayRequest"]["properties"]["name"]["maxLength"] == 40
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert parameters["area"]["schema"]["enum"] == KEY_AREAS and len(KEY_AREAS) == 16
    for operation in document["paths"].values():
        for answer in operation.values():
            assert "413" in answer["responses"]
    case = api.as_("recorder").register()
    missing = api.as_("supervisor").post(f"/cases/{case['id']}/suspend", {})
    assert "reason" in error_of(missing, 422)["fields"]


def test_the_token_answer_says_how_long_it_lives_and_429_says_when_to_retry(app, client):
    response = client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "Demo@2026"},
                           environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert response.status_code == 201
    assert response.get_json()["expires_in"] == app.config["API_TOKEN_HOURS"] * 3600
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "wrong"},
                    environ_base={"REMOTE_ADDR": "192.0.2.78"})
    throttled = client.post("/api/v1/auth/token", json={"username": "reviewer", "password": "wrong"},
                            environ_base={"REMOTE_ADDR": "192.0.2.78"})
    assert error_of(throttled, 429)["code"] == "too_many_attempts"
    assert int(throttled.headers["Retry-After"]) == app.config["LOGIN_LOCK_MINUTES"] * 60


def test_a_204_has_no_content_type(api):
    recorder = api.as_("recorder")
    response = recorder.post("/auth/logout")
    assert response.status_code == 204 and "Content-Type" not in response.headers


def test_a_new_report_says_pending_or_rendered_as_stored(api):
    case = api.as_("recorder").register()
    reviewer = api.as_("reviewer")
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    report = reviewer.post(f"/cases/{case['id']}/documents/report").get_json()
    assert report["status"] == "rendered" and report["sha256"]  # rendered right after the commit here
    corrected = reviewer.post(f"/cases/{case['id']}/documents/{report['id']}/correct", {"reason": "更正摘要"}).get_json()
    assert corrected["status"] == "rendered" and corrected["sha256"] and corrected["sha256"] != report["sha256"]


# ---------------------------------------------------------------- development clock

@pytest.mark.parametrize("body, named", [({"advance_days": 1.5}, {"advance_days"}), ({"advance_days": "2"}, {"advance_days"}),
                                         ({"reset": "yes"}, {"reset"}),
                                         ({"when": "2027-01-04T09:00", "advance_days": 2}, {"when", "advance_days"}),
                                         ({"when": "2027-01-04", "advance_days": 2, "reset": True},
                                          {"when", "advance_days", "reset"})])
def test_the_dev_clock_takes_strict_integers_and_names_every_clashing_field(api, dev_clock, body, named):
    error = error_of(api.as_("admin").post("/admin/dev-clock", body), 422)
    assert set(error["fields"]) == named
    assert abs(api.as_("admin").get("/admin/dev-clock").get_json()["offset_seconds"]) < 60  # nothing moved


# ---------------------------------------------------------------- designer: a deployed version's BPMN

def test_a_designer_downloads_a_deployed_versions_bpmn(api):
    designer = api.as_("designer")
    headers = designer._headers()
    response = designer.client.get("/api/v1/designer/processes/dishonesty_record/versions/1.bpmn", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert b'<bpmn:process id="dishonesty_record"' in response.data
    assert error_of(designer.client.get("/api/v1/designer/processes/dishonesty_record/versions/999.bpmn",
                                        headers=headers), 404)["code"] == "not_found"
    assert error_of(designer.client.get("/api/v1/designer/processes/nothing/versions/1.bpmn", headers=headers),
                    404)["code"] == "not_found"
    assert api.as_("reviewer").get("/designer/processes/dishonesty_record/versions/1.bpmn").status_code == 403
