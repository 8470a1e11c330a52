"""Parity of the API with the web: what a signed-in user can do on the pages, a client can do with a
bearer token — download every file, fill forms from their schemas alone (choices included), read
the reference lists, read notifications, deploy processes and import the calendar. Each route:
success, the wrong role (403), outside the user's scope (404), bad input (4xx naming the field)."""
from __future__ import annotations

import hashlib
import io
import json

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.complaints.models import CHANNELS
from app.core.extensions import db
from app.org.models import CivilServant, Department
from app.core.transaction import unit_of_work
from tests.bpmn_builder import probe_process
from tests.support import RECORD
from tests.test_warning_lifecycle import WARNING

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEW_ROUTES = [("GET", "/complaints/filters"), ("GET", "/departments"), ("GET", "/civil-servants"), ("GET", "/users"), ("GET", "/tasks/1/assignees"),
              ("GET", "/notifications"), ("GET", "/notifications/unread-count"), ("POST", "/notifications/1/read"),
              ("POST", "/notifications/read-all"), ("POST", "/designer/validate"), ("POST", "/designer/deploy"),
              ("POST", "/calendar/import"), ("GET", "/calendar/2026"), ("GET", "/supervision"),
              ("GET", "/cases/1/documents/1.pdf"),
              ("GET", "/designer/processes/dishonesty_record/versions/1.bpmn"),
              ("GET", "/me/notification-settings"), ("PUT", "/me/notification-settings"), ("GET", "/mail/outbox"),
              ("POST", "/mail/outbox/1/resend"), ("POST", "/mail/outbox/resend-failed")]


def bearer(user) -> dict:
    return user._headers()


def fetch(user, url: str):
    """GET a URL exactly as the API gave it (it already carries /api/v1), with the bearer token only."""
    return user.client.get(url, headers=bearer(user))


def upload(user, case_id: int, name: str, content: bytes):
    return user.client.post(f"/api/v1/cases/{case_id}/attachments", headers=bearer(user),
                            data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def fields_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]["fields"]


@pytest.fixture()
def notified(api) -> int:
    """A registered and approved case: the notice is issued to 市发展改革委 (handler.fgw)."""
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    return case["id"]


@pytest.fixture()
def pudong_inactive(ctx):
    """浦东新区 deactivated for the test (departments are kept between tests: put it back)."""
    def set_active(active: bool) -> None:
        with unit_of_work():
            db.session.scalar(select(Department).where(Department.code == "pudong")).active = active

    set_active(False)
    yield
    set_active(True)


# ---------------------------------------------------------------- files

def test_a_document_and_an_attachment_download_with_a_bearer_token(api, notified):
    handler = api.as_("handler.fgw")
    attachment = upload(handler, notified, "银行回单.pdf", PDF).get_json()
    case = handler.case(notified)
    [document] = case["documents"]
    assert document["url"] == f"/api/v1/cases/{notified}/documents/{document['id']}.pdf"
    pdf = fetch(handler, document["url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and hashlib.sha256(pdf.data).hexdigest() == document["sha256"]
    [listed] = case["attachments"]
    got = fetch(handler, listed["url"])
    assert got.status_code == 200 and got.data == PDF
    assert hashlib.sha256(got.data).hexdigest() == attachment["sha256"] == listed["sha256"]

    outsider = api.as_("handler.czj")
    for url in (document["url"], listed["url"]):
        assert fields_of(fetch(outsider, url)) == {} and fetch(outsider, url).status_code == 404
        assert handler.client.get(url).status_code == 401  # no token: a JSON 401, not the login page
    wrong_case = api.as_("recorder").register()["id"]
    assert handler.get(f"/cases/{wrong_case}/documents/{document['id']}.pdf").status_code == 404
    assert api.as_("reviewer").get(f"/cases/{wrong_case}/documents/{document['id']}.pdf").status_code == 404
    assert handler.get(f"/cases/{notified}/documents/999999.pdf").status_code == 404


def test_every_link_in_api_answers_works_with_the_token_alone(api, notified):
    """The whole kind: every `url` the API hands out is an API URL that answers the bearer token."""
    handler = api.as_("handler.fgw")
    upload(handler, notified, "说明.pdf", PDF)
    case = handler.case(notified)
    urls = [item["url"] for key in ("documents", "attachments") for item in case[key]]
    urls.append(upload(handler, notified, "补充.pdf", PDF + b" ").get_json()["url"])
    assert len(urls) == 3
    for url in urls:
        assert url.startswith("/api/v1/"), url
        response = fetch(handler, url)
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), url


def test_a_client_verifies_a_document_by_its_code_without_a_token(api, notified):
    """Found by attack 13: the public verification page (/verify/<code>) had no API twin, so a
    partner system (the city credit platform) had to scrape HTML. GET /api/v1/verify/<code>
    answers what the page shows — nothing of the case or its people — and marks a corrected
    version superseded, naming the version in force."""
    [document] = api.as_("handler.fgw").case(notified)["documents"]
    anonymous = api.client
    response = anonymous.get(f"/api/v1/verify/{document['verification_code']}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "current" and body["current"] is None
    assert body["document"] == {"number": document["number"], "version": 1, "title": document["title"],
                                "issued_at": body["document"]["issued_at"], "issuer": body["document"]["issuer"],
                                "sha256": document["sha256"]}
    assert body["document"]["issuer"]  # the issuing authority's name, as printed
    assert anonymous.get(f"/api/v1/verify/{document['verification_code'].lower()}").status_code == 200
    missing = anonymous.get("/api/v1/verify/ABCD-EFGH-JKMN")
    assert missing.status_code == 404 and fields_of(missing) == {}
    corrected = api.as_("reviewer").post(f"/cases/{notified}/documents/{document['id']}/correct", {"reason": "更正笔误"})
    assert corrected.status_code == 201, corrected.get_json()
    old = anonymous.get(f"/api/v1/verify/{document['verification_code']}").get_json()
    assert old["status"] == "superseded" and old["current"]["version"] == 2 and old["current"]["number"] == document["number"]
    new = anonymous.get(f"/api/v1/verify/{corrected.get_json()['verification_code']}").get_json()
    assert new["status"] == "current" and new["document"]["version"] == 2


# ---------------------------------------------------------------- forms with their choices

def fill(schema: dict) -> dict:
    """What a client that reads only the schema would send: each required field from its choices
    (`oneOf` const, `enum`) or a plausible value of its type and format."""
    data = {}
    for name in schema["required"]:
        prop = schema["properties"][name]
        if "oneOf" in prop:
            data[name] = prop["oneOf"][0]["const"]
        elif "enum" in prop:
            data[name] = prop["enum"][0]
        elif prop.get("format") == "date":
            data[name] = "2026-03-15"
        elif prop["type"] == "string":
            data[name] = "按表单填写的内容"
        else:
            raise AssertionError(f"cannot fill {name}: {prop}")
    return data


def start_form(user, key: str) -> dict:
    r = user.get("/processes")
    assert r.status_code == 200
    return next(p for p in r.get_json()["items"] if p["key"] == key)["form"]


def test_a_client_fills_the_start_form_from_processes_alone_and_creates_a_case(api):
    recorder = api.as_("recorder")
    form = start_form(recorder, "dishonesty_record")
    unit = form["properties"]["subject_department"]
    assert {"const": "fgw", "title": "市发展改革委"} in unit["oneOf"]
    servants = form["properties"]["civil_servant_id"]["oneOf"]
    assert all(isinstance(choice["const"], int) and choice["title"] for choice in servants) and len(servants) == 2
    r = recorder.post("/cases", {"process": "dishonesty_record", "data": fill(form)})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["subject_department"] == unit["oneOf"][0]["const"]
    supervisor = api.as_("supervisor")
    warning = start_form(supervisor, "warning_rectification")
    assert warning["properties"]["subject_department"]["oneOf"] == unit["oneOf"]
    assert supervisor.post("/cases", {"process": "warning_rectification", "data": fill(warning)}).status_code == 201


def register_with_files(user, process: str, data, files: list[tuple[str, str, bytes]], **form):
    """POST /cases as multipart, as the web's start page sends it: `process`, `data` (JSON text) and
    one part per file, named after its field."""
    body = {"process": process, "data": data if isinstance(data, str) else json.dumps(data), **form}
    parts = [(field, (io.BytesIO(content), name)) for field, name, content in files]
    return user.client.post("/api/v1/cases", headers=bearer(user), content_type="multipart/form-data",
                            data=MultiDict([*body.items(), *parts]))


def test_a_case_is_registered_with_its_evidence_files_as_on_the_web(api):
    """Found by attack 13: the web's start page takes the evidence files with the form, the API
    took JSON only — and once a warning is raised its supervisor holds no task on it, so a
    supervisor's client could not attach the evidence at all. POST /cases also takes
    multipart/form-data: the files land in the form's file fields, recorded with the start step."""
    recorder = api.as_("recorder")
    created = register_with_files(recorder, "dishonesty_record", RECORD,
                                  [("evidence", "处罚决定书.pdf", PDF), ("evidence", "送达回证.pdf", PDF + b" ")])
    assert created.status_code == 201, created.get_json()
    case = recorder.case(created.get_json()["id"])
    files = {a["filename"]: a for a in case["attachments"]}
    assert set(files) == {"处罚决定书.pdf", "送达回证.pdf"} and {a["step"] for a in files.values()} == {"登记政务失信记录"}
    [registered] = [e for e in case["timeline"] if e["kind"] == "case.registered"]
    assert sorted(registered["data"]["data"]["evidence"]) == sorted(a["id"] for a in files.values())
    assert fetch(recorder, files["处罚决定书.pdf"]["url"]).data == PDF

    supervisor = api.as_("supervisor")
    warned = register_with_files(supervisor, "warning_rectification", WARNING, [("evidence", "投诉清单.pdf", PDF)])
    assert warned.status_code == 201, warned.get_json()
    assert [a["filename"] for a in supervisor.case(warned.get_json()["id"])["attachments"]] == ["投诉清单.pdf"]

    before = recorder.get("/cases").get_json()["total"]
    refused = register_with_files(recorder, "dishonesty_record", RECORD, [("photos", "x.pdf", PDF)])
    assert refused.status_code == 422 and list(fields_of(refused)) == ["photos"]
    refused = register_with_files(recorder, "dishonesty_record", RECORD, [("evidence", "x.exe", b"MZ")])
    assert refused.status_code == 422 and list(fields_of(refused)) == ["evidence"]
    refused = register_with_files(recorder, "dishonesty_record", "{not json", [])
    assert refused.status_code == 400 and list(fields_of(refused)) == ["data"]
    refused = register_with_files(recorder, "dishonesty_record", "[1]", [])
    assert refused.status_code == 422 and "data" in fields_of(refused)
    refused = register_with_files(recorder, "", {**RECORD, "title": ""}, [])
    assert refused.status_code == 422 and "process" in fields_of(refused)
    assert recorder.get("/cases").get_json()["total"] == before  # nothing registered by a refusal


def test_the_choices_are_exactly_the_values_validation_accepts(api, pudong_inactive):
    """Every offered unit and civil servant is accepted; a deactivated unit and its civil servants
    are neither offered nor accepted."""
    recorder = api.as_("recorder")
    form = start_form(recorder, "dishonesty_record")
    units = [c["const"] for c in form["properties"]["subject_department"]["oneOf"]]
    active = set(db.session.scalars(select(Department.code).where(Department.active.is_(True))))
    assert set(units) == active and "pudong" not in units and len(units) == len(set(units))
    for code in units:
        r = recorder.post("/cases", {"process": "dishonesty_record", "data": {**RECORD, "subject_department": code}})
        assert r.status_code == 201, (code, r.get_json())
    r = recorder.post("/cases", {"process": "dishonesty_record", "data": {**RECORD, "subject_department": "pudong"}})
    assert r.status_code == 422 and "subject_department" in fields_of(r)

    offered = [c["const"] for c in form["properties"]["civil_servant_id"]["oneOf"]]
    servants = db.session.scalars(select(CivilServant)).all()
    assert {s.id for s in servants if s.department.active} == set(offered)
    for servant in servants:
        data = {**RECORD, "subject_type": "civil_servant", "subject_department": servant.department.code,
                "civil_servant_id": servant.id}
        r = recorder.post("/cases", {"process": "dishonesty_record", "data": data})
        assert r.status_code == (201 if servant.id in offered else 422), (servant.name, r.get_json())


def test_task_forms_in_the_api_carry_their_choices_too(api):
    """A designer's process whose review step uses a form with x-source fields."""
    xml = probe_process(user_task='<bpmn:userTask id="review" name="审核" cx:form="record_register" cx:due="5" />')
    r = api.as_("designer").post("/designer/deploy", {"xml": xml.decode(), "comment": "带选项的审核表单"})
    assert r.status_code == 201, r.get_json()
    case = api.as_("recorder").post("/cases", {"process": "safety_probe", "data": RECORD}).get_json()
    reviewer = api.as_("reviewer")
    task = reviewer.task_for(case["id"], "review")
    form = reviewer.get(f"/tasks/{task['id']}").get_json()["form"]
    assert form["properties"]["subject_department"]["oneOf"] == start_form(api.as_("recorder"), "dishonesty_record")[
        "properties"]["subject_department"]["oneOf"]
    assert form["properties"]["civil_servant_id"]["oneOf"]


# ---------------------------------------------------------------- reference lists

def test_departments_are_readable_by_every_signed_in_user_and_paginated(api, pudong_inactive):
    handler = api.as_("handler.fgw")
    body = handler.get("/departments?per_page=100").get_json()
    assert set(body) == {"items", "total", "total_capped", "page", "per_page"}
    codes = [d["code"] for d in body["items"]]
    assert body["total"] == len(codes) and not body["total_capped"] and "fgw" in codes and "pudong" not in codes
    assert codes == [c["const"] for c in start_form(api.as_("recorder"), "dishonesty_record")[
        "properties"]["subject_department"]["oneOf"]]  # the same list, in the same order, as the form
    second = handler.get("/departments?per_page=5&page=2").get_json()
    assert [d["code"] for d in second["items"]] == codes[5:10] and second["page"] == 2
    districts = handler.get("/departments?kind=district&per_page=100").get_json()["items"]
    assert districts and {d["kind"] for d in districts} == {"district"}
    everything = api.as_("admin").get("/departments?include_inactive=1&per_page=100").get_json()
    assert {"code": "pudong", "active": False}.items() <= next(d for d in everything["items"] if d["code"] == "pudong").items()
    r = handler.get("/departments?include_inactive=1")
    assert r.status_code == 403
    for query, field in (("kind=moon", "kind"), ("include_inactive=maybe", "include_inactive"), ("per_page=0", "per_page"),
                         ("page=x", "page"), ("per_page=101", "per_page")):
        r = handler.get(f"/departments?{query}")
        assert r.status_code == 422 and field in fields_of(r), query


def test_civil_servants_are_listed_to_those_whose_forms_offer_them(api):
    recorder = api.as_("recorder")
    body = recorder.get("/civil-servants").get_json()
    assert [(s["name"], s["department"]) for s in body["items"]] == [("孙明", "czj"), ("周华", "pudong")]
    assert body["total"] == 2 and body["total_capped"] is False
    assert [s["name"] for s in recorder.get("/civil-servants?department=czj").get_json()["items"]] == ["孙明"]
    assert api.as_("designer").get("/civil-servants").status_code == 200
    for user in ("handler.fgw", "reviewer", "supervisor"):
        assert api.as_(user).get("/civil-servants").status_code == 403, user
    r = recorder.get("/civil-servants?department=nowhere")
    assert r.status_code == 422 and "department" in fields_of(r)
    r = recorder.get("/civil-servants?per_page=-1")
    assert r.status_code == 422 and "per_page" in fields_of(r)


def test_users_are_listed_to_admins_with_the_admin_page_filters(api):
    admin = api.as_("admin")
    body = admin.get("/users?per_page=100").get_json()
    names = [u["username"] for u in body["items"]]
    assert names == sorted(names) and "handler.fgw" in names and body["total"] == len(names)
    assert body["total_capped"] is False
    handlers = admin.get("/users?role=handler").get_json()["items"]
    assert {u["username"] for u in handlers} == {"handler.fgw", "handler.czj", "handler.pudong"}
    fgw = db.session.scalar(select(Department.id).where(Department.code == "fgw"))
    assert [u["username"] for u in admin.get(f"/users?department={fgw}").get_json()["items"]] == ["discipline.fgw", "handler.fgw"]
    assert [u["username"] for u in admin.get("/users?q=supervisor").get_json()["items"]] == ["supervisor"]
    assert "password_hash" not in body["items"][0]
    for user in ("supervisor", "reviewer", "handler.fgw"):
        assert api.as_(user).get("/users").status_code == 403, user
    for query, field in (("role=king", "role"), ("status=gone", "status"), ("department=abc", "department"),
                         ("department=99999999999", "department"), ("page=0", "page")):
        r = admin.get(f"/users?{query}")
        assert r.status_code == 422 and field in fields_of(r), query


def test_a_supervisor_reads_the_assignees_of_a_task_and_reassigns_to_one(api, notified):
    handler = api.as_("handler.fgw")
    task = handler.task_for(notified, "respond_notice")
    supervisor = api.as_("supervisor")
    r = supervisor.get(f"/tasks/{task['id']}/assignees")
    assert r.status_code == 200
    [person] = r.get_json()["items"]
    assert person["username"] == "handler.fgw" and person["department"] == "fgw"
    r = supervisor.post(f"/tasks/{task['id']}/reassign", {"assignee_id": person["id"]})
    assert r.status_code == 200 and r.get_json()["claimed_by"] == "handler.fgw"
    assert handler.get(f"/tasks/{task['id']}/assignees").status_code == 403
    assert api.as_("handler.czj").get(f"/tasks/{task['id']}/assignees").status_code == 404
    assert supervisor.get("/tasks/99999999/assignees").status_code == 404


# ---------------------------------------------------------------- notifications

def test_notifications_are_listed_counted_and_marked_read_by_their_owner(api, notified):
    handler = api.as_("handler.fgw")
    body = handler.get("/notifications").get_json()
    assert body["items"] and body["unread"] == body["total"] >= 1 and body["total_capped"] is False
    note = body["items"][0]
    assert note["case_id"] == notified and note["read_at"] is None and note["kind_label"]
    assert handler.get("/notifications/unread-count").get_json() == {"unread": body["unread"]}
    read = handler.post(f"/notifications/{note['id']}/read")
    assert read.status_code == 200 and read.get_json()["read_at"]
    assert handler.get("/notifications/unread-count").get_json()["unread"] == body["unread"] - 1
    assert handler.get("/notifications?unread=1").get_json()["total"] == body["unread"] - 1
    assert api.as_("handler.czj").post(f"/notifications/{note['id']}/read").status_code == 404
    assert handler.post("/notifications/99999999/read").status_code == 404
    marked = handler.post("/notifications/read-all").get_json()["marked"]
    assert marked == body["unread"] - 1 and handler.get("/notifications/unread-count").get_json() == {"unread": 0}
    for query, field in (("unread=yes", "unread"), ("per_page=1000", "per_page")):
        r = handler.get(f"/notifications?{query}")
        assert r.status_code == 422 and field in fields_of(r), query


# ---------------------------------------------------------------- complaints

def test_complaints_list_and_filter_choices_match_the_web_page(api):
    supervisor = api.as_("supervisor")
    items = [{"date": "2026-09-10", "unit": "fgw", "channel": "12345", "category": "办事效率",
              "text": f"投诉 {n}", "external_id": f"P-{n}"} for n in range(3)]
    assert supervisor.post("/complaints", {"items": items}).status_code == 200
    body = supervisor.get("/complaints?per_page=2").get_json()
    assert body["total"] == 3 and body["total_capped"] is False and len(body["items"]) == 2
    filters = supervisor.get("/complaints/filters").get_json()
    assert filters["units"] == [{"code": "fgw", "name": "市发展改革委"}] and filters["categories"] == ["办事效率"]
    assert filters["channels"] == [{"code": code, "label": label} for code, label in CHANNELS.items()]
    for user in ("handler.fgw", "recorder", "designer"):
        assert api.as_(user).get("/complaints/filters").status_code == 403, user
    r = supervisor.get("/complaints?unit=nowhere")
    assert r.status_code == 422 and "unit" in fields_of(r)


# ---------------------------------------------------------------- designer and calendar

def test_a_designer_validates_and_deploys_a_process_with_a_token(api):
    designer = api.as_("designer")
    xml = probe_process(key="api_probe").decode()
    assert designer.post("/designer/validate", {"xml": xml}).get_json() == {"ok": True, "problems": []}
    broken = xml.replace(' cx:form="entry_review"', "")
    checked = designer.post("/designer/validate", {"xml": broken}).get_json()
    assert checked["ok"] is False and any(p["element_id"] == "review" for p in checked["problems"])
    r = designer.post("/designer/deploy", {"xml": xml, "comment": "首次部署"})
    assert r.status_code == 201 and r.get_json()["key"] == "api_probe" and r.get_json()["version"] == 1
    assert any(p["key"] == "api_probe" for p in api.as_("recorder").get("/processes").get_json()["items"])
    r = designer.post("/designer/deploy", {"xml": broken, "comment": "去掉表单"})
    assert r.status_code == 422 and "bpmn" in fields_of(r)
    r = designer.post("/designer/deploy", {"xml": xml, "comment": "再次部署"})
    assert r.status_code == 422 and "bpmn" in fields_of(r)  # unchanged content: no new version
    r = designer.post("/designer/deploy", {"xml": xml, "comment": "  "})
    assert r.status_code == 422 and "comment" in fields_of(r)
    for body, field in (({"xml": xml}, "comment"), ({"comment": "x"}, "xml"), ({"xml": 1, "comment": "x"}, "xml")):
        r = designer.post("/designer/deploy", body)
        assert r.status_code == 422 and field in fields_of(r), body
    r = designer.post("/designer/validate", {"xml": ""})
    assert r.status_code == 422 and "xml" in fields_of(r)
    for user in ("admin", "recorder", "reviewer"):
        assert api.as_(user).post("/designer/deploy", {"xml": xml, "comment": "x"}).status_code == 403, user
        assert api.as_(user).post("/designer/validate", {"xml": xml}).status_code == 403, user


def calendar_upload(user, content: bytes | None, name: str = "2027.csv"):
    data = {} if content is None else {"file": (io.BytesIO(content), name)}
    return user.client.post("/api/v1/calendar/import", headers=bearer(user), data=data,
                            content_type="multipart/form-data")


def test_an_admin_imports_the_calendar_with_a_token(api):
    admin = api.as_("admin")
    schedule = "2027-01-01,holiday,元旦\n2027-02-06,workday,调休上班\n".encode()
    r = calendar_upload(admin, schedule)
    assert r.status_code == 200 and r.get_json() == {"years": [2027]}
    assert "2027 年工作日历尚未导入" not in " ".join(admin.get("/me").get_json()["warnings"])
    assert calendar_upload(api.as_("supervisor"), schedule).status_code == 403
    r = calendar_upload(admin, None)
    assert r.status_code == 400 and "file" in fields_of(r)
    for content, name in ((b"2027-13-01,holiday,x\n", "bad.csv"), (schedule, "cal.exe"), (b"x" * (1024 * 1024 + 1), "big.csv")):
        r = calendar_upload(admin, content, name)
        assert r.status_code == 422 and "file" in fields_of(r), name


@pytest.mark.usefixtures("kept_rows_restored")
def test_an_admin_reads_a_calendar_year_with_a_token(api):
    """Found by attack 13: the admin calendar page had no API twin (a client could set days and
    import years but not read them). GET /api/v1/calendar/<year>: the loaded state and the year's
    holidays and worked weekends, as the page and the working-day arithmetic read them."""
    admin = api.as_("admin")
    changed = admin.client.put("/api/v1/calendar/days/2026-11-14", headers=bearer(admin),
                               json={"kind": "workday", "name": "调休上班"})
    assert changed.status_code == 200, changed.get_json()
    year = admin.get("/calendar/2026")
    assert year.status_code == 200, year.get_json()
    body = year.get_json()
    assert body["year"] == 2026 and body["loaded"] is True and body["source"] and body["loaded_at"]
    assert 2026 in body["years"] and body["years"] == sorted(body["years"])
    days = {d["day"]: (d["kind"], d["name"]) for d in body["days"]}
    assert days["2026-11-14"] == ("workday", "调休上班") and days["2026-10-01"][0] == "holiday"
    assert [d["day"] for d in body["days"]] == sorted(days)
    empty = admin.get("/calendar/2099").get_json()
    assert empty["loaded"] is False and empty["days"] == [] and empty["source"] is None
    assert admin.get("/calendar/1999").status_code == 404 and admin.get("/calendar/2101").status_code == 404
    assert api.as_("supervisor").get("/calendar/2026").status_code == 403


# ---------------------------------------------------------------- authentication

@pytest.mark.parametrize(("method", "path"), NEW_ROUTES)
def test_every_new_route_needs_a_bearer_token(client, method, path):
    r = client.open(f"/api/v1{path}", method=method)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert fields_of(r) == {}


# ---------------------------------------------------------------- every web operation

# Each endpoint of the web and its API twin (the API operation that does the same with a token),
# or why it has none: a page that only shows a form or a grid whose data another API operation
# answers. A new web route fails test_every_web_operation_has_an_api_twin until it is listed here.
WEB_TWINS = {
    "admin.index": "page: links to the admin pages", "admin.users": "api.list_users", "admin.new_user": "api.create_user",
    "admin.edit_user": "api.update_user", "admin.activate_user": "api.activate_user",
    "admin.deactivate_user": "api.deactivate_user", "admin.reset_password": "api.reset_password",
    "admin.departments": "api.list_departments", "admin.new_department": "api.create_department",
    "admin.edit_department": "api.update_department", "admin.activate_department": "api.activate_department",
    "admin.deactivate_department": "api.deactivate_department", "admin.calendar": "api.calendar_year",
    "admin.import_calendar": "api.import_calendar", "admin.set_day": "api.set_calendar_day",
    "admin.dev_clock": "api.set_dev_clock",
    "admin.mail": "api.list_mail", "admin.resend_mail": "api.resend_mail",
    "admin.resend_failed_mail": "api.resend_failed_mail",
    "auth.index": "page: redirects to the inbox", "auth.login": "api.issue_token", "auth.logout": "api.revoke_token",
    "auth.change_password": "api.change_own_password", "auth.set_language": "api.set_language",
    "cases.index": "api.list_cases", "cases.export": "api.list_cases", "cases.show": "api.get_case",
    "cases.start": "api.create_case", "cases.add_note": "api.add_note", "cases.upload": "api.upload_attachment",
    "cases.attachment": "api.download_attachment", "cases.print_view": "api.get_case",
    "cases.diagram": "page: the process drawing; the state it shows is api.get_case's open_tasks and timeline",
    "complaints.index": "api.list_complaints", "complaints.import_file": "api.import_complaints",
    "designer.index": "api.list_drafts", "designer.new": "api.save_new_draft", "designer.upload": "api.save_new_draft",
    "designer.versions": "api.process_versions", "designer.modeler": "api.get_draft", "designer.xml": "api.get_draft",
    "designer.save_draft": "api.save_draft", "designer.save_new_draft": "api.save_new_draft",
    "designer.validate": "api.validate_process", "designer.compile_source": "api.compile_source",
    "designer.deploy": "api.deploy_process", "designer.download": "api.download_version",
    "designer.run_tests": "api.run_process_tests", "designer.migrate": "api.migrate_instances",
    "designer.form_list": "api.list_forms", "designer.form_editor": "api.save_form", "designer.form_preview": "api.check_form",
    "documents.download": "api.download_document", "documents.case_bundle": "api.download_bundle",
    "documents.report": "api.issue_report", "documents.correct": "api.correct_document",
    "documents.verify": "api.verify_document",
    "incidents.index": "api.list_incidents", "incidents.show": "api.get_incident", "incidents.retry": "api.retry_incident",
    "incidents.skip": "api.skip_incident", "incidents.suspend": "api.suspend_case", "incidents.resume": "api.resume_case",
    "incidents.cancel": "api.cancel_case", "incidents.move": "api.move_case",
    "notifications.index": "api.list_notifications", "notifications.read": "api.read_notification",
    "notifications.read_all": "api.read_all_notifications",
    "notifications.settings": "api.set_notification_settings",
    "rules.index": "api.list_rules", "rules.history": "api.get_rule", "rules.editor": "api.get_rule",
    "rules.save_draft": "api.save_rule_draft", "rules.validate": "api.validate_rule", "rules.run_tests": "api.run_rule_tests",
    "rules.change_summary": "api.rule_change_summary", "rules.publish": "api.publish_rule",
    "rules.download": "api.download_rule_version",
    "supervision.index": "api.supervision",
    "cases.send_event": "api.send_case_event",
    "publication.portal": "api.public_records", "publication.public_detail": "api.public_record",
    "publication.register": "api.publication_register",
    "sharing.index": "api.list_sharing_events", "sharing.resend": "api.resend_sharing_event",
    "sharing.resend_failed": "api.resend_sharing",
    "tasks.inbox": "api.list_tasks", "tasks.show": "api.get_task", "tasks.claim": "api.claim_task",
    "tasks.release": "api.release_task", "tasks.reassign": "api.reassign_task", "tasks.complete": "api.complete_task",
    "health.healthz": "page: the load balancer's probe", "health.favicon": "page: the browser's icon",
    "api_docs": "page: Swagger UI over api.openapi_spec",
}


def test_every_web_operation_has_an_api_twin(app):
    """The whole kind of parity: every web endpoint names its API twin (an operation of the spec)
    or says why it has none; a web route added later fails here until it has one."""
    web = {rule.endpoint for rule in app.url_map.iter_rules()
           if rule.endpoint != "static" and not rule.endpoint.startswith("api.")}
    assert sorted(web - set(WEB_TWINS)) == [], "web operations without an API twin"
    assert sorted(set(WEB_TWINS) - web) == [], "listed operations the web no longer has"
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    operations = {"api." + op["operationId"] for methods in spec["paths"].values() for op in methods.values()}
    twins = {twin for twin in WEB_TWINS.values() if not twin.startswith("page: ")}
    assert sorted(twins - operations) == [], "twins that are not operations of the API"
