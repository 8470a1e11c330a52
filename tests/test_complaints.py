"""Complaint import (CSV and JSON, API and page) and the monitoring rule that raises a warning case
when one unit gets too many complaints (沪府发〔2017〕92号 §二(二)13–14). Real database, real engine."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.core.clock import clock
from app.complaints import service
from app.complaints.models import Complaint, ComplaintAlert
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.org.models import Department, User
from app.rules import service as rules
from tests.web_support import csrf_token, login

RULES = Path(__file__).resolve().parent.parent / "workflows" / "rules"
HEADER = "date,unit,channel,category,text,external_id\n"


def _csv(*lines: str) -> str:
    return HEADER + "".join(line + "\n" for line in lines)


def _items(unit: str, n: int, *, prefix: str, day: str = "2026-09-10", category: str = "办事效率",
           channel: str = "12345") -> list[dict]:
    return [{"date": day, "unit": unit, "channel": channel, "category": category,
             "text": f"第{i}件：窗口办理营业执照变更一再要求补充材料，两个月未办结。", "external_id": f"{prefix}-{i:03d}"}
            for i in range(1, n + 1)]


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _import(api, items: list[dict], username: str = "supervisor") -> dict:
    r = api.as_(username).post("/complaints", {"items": items})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _post_csv(api, body, username: str = "supervisor", content_type: str = "text/csv"):
    user = api.as_(username)
    return api.client.post("/api/v1/complaints", data=body, content_type=content_type, headers=user._headers())


# --- parsing and import ---------------------------------------------------------------------------

def test_csv_import_keeps_good_rows_skips_duplicates_and_reports_bad_rows_by_line(ctx):
    supervisor = _user("supervisor")
    first = service.import_complaints(service.parse_csv(_csv("2026-09-01,czj,12345,办事效率,早先导入的投诉,HX-OLD")),
                                      actor=supervisor)
    assert (first.imported, first.errors, first.warnings) == (1, [], [])
    text = _csv(
        "2026-09-02,fgw,12345,办事效率,审批超时,HX-001",                         # line 2: good (code)
        "2026-09-03,市财政局,企业服务,政策兑现,\"补贴迟迟不到账, 多次催问\",HX-002",  # line 3: good (name, alias, comma)
        "2026-09-03,czj,12345,办事效率,重复工单,HX-OLD",                         # line 4: already in the DB
        "2026-09-04,fgw,12345热线,态度,重复编号,HX-001",                         # line 5: repeated in the file
        "2026-09-05,nosuch,12345,办事效率,未知单位,HX-003",                       # line 6: unknown unit
        "2026/09/05,fgw,12345,办事效率,日期格式,HX-004",                          # line 7: bad date
        "2026-09-30,fgw,12345,办事效率,未来日期,HX-005",                          # line 8: future date
        "2026-09-05,fgw,wechat,办事效率,未知渠道,HX-006",                         # line 9: unknown channel
        "2026-09-05,fgw,12345,办事效率,,HX-007",                                # line 10: missing text
        "2026-09-05,fgw,12345,办事效率," + "长" * 5001 + ",HX-008",              # line 11: text too long
        "2026-09-05,fgw,12345,办事效率,编号过长," + "X" * 81,                      # line 12: external id too long
        "",                                                                   # line 13: blank, skipped
        "2026-09-06,pudong,enterprise,营商环境,\"多行\n内容\",HX-009",             # lines 14-15: good
        "2026-09-07,fgw,12345,办事效率,缺编号,",                                 # line 16: missing external id
    )
    report = service.import_complaints(service.parse_csv(text), actor=supervisor)

    assert report.imported == 3
    assert report.duplicates == ["HX-OLD", "HX-001"]
    assert report.warnings == []
    by_line = {e["line"]: e for e in report.errors}
    assert sorted(by_line) == [6, 7, 8, 9, 10, 11, 12, 16]
    assert "单位" in by_line[6]["reason"] and "nosuch" in by_line[6]["reason"] and by_line[6]["external_id"] == "HX-003"
    assert "日期" in by_line[7]["reason"] and "YYYY-MM-DD" in by_line[7]["reason"]
    assert "日期" in by_line[8]["reason"] and "晚于今天" in by_line[8]["reason"]
    assert "渠道" in by_line[9]["reason"] and "wechat" in by_line[9]["reason"]
    assert "投诉内容" in by_line[10]["reason"] and "缺少" in by_line[10]["reason"]
    assert "投诉内容" in by_line[11]["reason"] and "5000" in by_line[11]["reason"]
    assert "外部编号" in by_line[12]["reason"] and "80" in by_line[12]["reason"]
    assert "外部编号" in by_line[16]["reason"] and by_line[16]["external_id"] is None

    stored = {c.external_id: c for c in db.session.scalars(select(Complaint))}
    assert sorted(stored) == ["HX-001", "HX-002", "HX-009", "HX-OLD"]
    assert stored["HX-001"].department.code == "fgw" and stored["HX-001"].text == "审批超时"
    assert stored["HX-002"].department.code == "czj" and stored["HX-002"].channel == "enterprise"
    assert stored["HX-002"].text == "补贴迟迟不到账, 多次催问"
    assert stored["HX-009"].text == "多行\n内容" and stored["HX-009"].imported_by_id == supervisor.id
    assert str(stored["HX-002"].received_on) == "2026-09-03"


def test_csv_encodings_and_unreadable_files(ctx):
    body = _csv("2026-09-02,市发展改革委,12345热线,办事效率,审批超时,HX-101")
    for content in (body.encode("utf-8"), b"\xef\xbb\xbf" + body.encode("utf-8"), body.encode("gb18030")):
        rows = service.parse_csv(content)
        assert rows == [{"date": "2026-09-02", "unit": "市发展改革委", "channel": "12345热线", "category": "办事效率",
                         "text": "审批超时", "external_id": "HX-101", "line": 2}]
    # Columns in another order, Chinese header names.
    rows = service.parse_csv("编号,日期,单位,渠道,类别,内容\nHX-102,2026-09-02,fgw,12345,办事效率,慢\n")
    assert rows[0]["external_id"] == "HX-102" and rows[0]["text"] == "慢"
    with pytest.raises(ValidationFailed) as exc:
        service.parse_csv("date,unit,text\n2026-09-02,fgw,x\n")
    assert "channel" in exc.value.message and "external_id" in exc.value.message
    with pytest.raises(ValidationFailed):
        service.parse_csv(b"")


def test_api_json_import_and_list(api):
    items = _items("fgw", 2, prefix="API") + [
        {"date": "2026-09-11", "unit": "czj", "channel": "enterprise", "category": "政策兑现", "text": "补贴未兑现",
         "external_id": "API-CZJ"},
        {"date": "2026-09-11", "unit": "czj", "channel": "enterprise", "category": "政策兑现", "text": 12,
         "external_id": ["not", "text"]},
        "not an object",
    ]
    report = _import(api, items)
    assert report["imported"] == 3 and report["duplicates"] == [] and report["warnings"] == []
    assert [(e["line"], "外部编号" in e["reason"]) for e in report["errors"]] == [(4, True), (5, False)]
    again = _import(api, items[:1])
    assert again["imported"] == 0 and again["duplicates"] == ["API-001"]

    r = api.as_("supervisor").get("/complaints?unit=czj")
    body = r.get_json()
    assert r.status_code == 200 and body["total"] == 1 and body["page"] == 1
    assert body["items"][0]["external_id"] == "API-CZJ" and body["items"][0]["channel"] == "enterprise"
    body = api.as_("supervisor").get("/complaints?category=办事效率&per_page=1&page=2").get_json()
    assert body["total"] == 2 and len(body["items"]) == 1
    assert api.as_("supervisor").get("/complaints?unit=nosuch").status_code == 422
    assert api.as_("supervisor").get("/complaints?date_from=yesterday").status_code == 422  # like every bad filter


def test_api_csv_body_and_size_cap(api, app):
    r = _post_csv(api, _csv("2026-09-02,fgw,12345,办事效率,审批超时,CSV-1").encode("gb18030"))
    assert r.status_code == 200 and r.get_json()["imported"] == 1
    r = _post_csv(api, b"date,unit\n")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "validation_failed"
    limit = app.config["COMPLAINT_IMPORT_MAX_BYTES"]
    r = _post_csv(api, (HEADER + "x" * limit).encode())
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "payload_too_large"
    r = _post_csv(api, b"<xml/>", content_type="application/xml")
    assert r.status_code == 415
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_only_supervisors_and_admins_import_or_list(api):
    for username in ("handler.fgw", "recorder", "reviewer"):
        r = api.as_(username).post("/complaints", {"items": _items("fgw", 1, prefix=username)})
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden", username
        assert api.as_(username).get("/complaints").status_code == 403
    assert _count(Complaint) == 0
    assert _import(api, _items("czj", 1, prefix="ADM"), "admin")["imported"] == 1
    assert api.as_("admin").get("/complaints").get_json()["total"] == 1


# Page tests hold no app context of their own while requesting: each request gets its own, as in
# production (Flask-WTF and Flask-Login keep per-request state on `g`).

def test_the_pages_are_for_supervisors_and_admins_only(app, client):
    login(client, "handler.fgw")
    assert client.get("/complaints").status_code == 403
    token = csrf_token(client, "/tasks")
    r = client.post("/complaints/import", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(_csv("2026-09-02,fgw,12345,x,y,W-1").encode()), "c.csv"),
                          "csrf_token": token})
    assert r.status_code == 403
    with app.app_context():
        assert _count(Complaint) == 0
    client.post("/logout", data={"csrf_token": csrf_token(client, "/tasks")})
    login(client, "admin")
    assert client.get("/complaints").status_code == 200


# --- the monitoring rule --------------------------------------------------------------------------

def test_threshold_raises_one_warning_per_window(api):
    supervisor = api.as_("supervisor")
    report = _import(api, _items("fgw", 4, prefix="W1"))
    assert report["warnings"] == [] and _count(Case) == 0

    report = _import(api, _items("fgw", 1, prefix="W1B", channel="enterprise") + _items("czj", 2, prefix="C"))
    assert report["imported"] == 3 and len(report["warnings"]) == 1
    number = report["warnings"][0]
    case_id = report["warning_cases"][0]["id"]
    case = supervisor.case(case_id)
    assert case["number"] == number and number.startswith("YJ-2026-")
    assert case["process"] == "warning_rectification"
    assert case["subject_department"] == "fgw" and case["subject"] == "市发展改革委"
    assert case["status"] == "explaining"
    assert case["key_area"] == "市民服务"  # 4 of the 5 came through 12345
    assert "投诉集中" in case["title"]
    for i in range(1, 5):
        assert f"W1-{i:03d}" in case["facts"]
    assert "W1B-001" in case["facts"] and "企业服务平台" in case["facts"] and "2026-09-10" in case["facts"]
    assert "C-001" not in case["facts"]
    assert [t["element"] for t in case["open_tasks"]] == ["explain"]
    registered = next(e for e in case["timeline"] if e["kind"] == "case.registered")
    assert registered["actor"] is None and "投诉监测规则" in registered["summary"]
    assert registered["data"]["data"]["trigger"] == "complaints"

    complaints = {c.external_id: c for c in db.session.scalars(select(Complaint))}
    assert {k for k, c in complaints.items() if c.warning_case_id == case_id} == {
        "W1-001", "W1-002", "W1-003", "W1-004", "W1B-001"}
    assert complaints["C-001"].warning_case_id is None
    alert = db.session.scalar(select(ComplaintAlert))
    fgw = db.session.scalar(select(Department).where(Department.code == "fgw"))
    assert (alert.department_id, alert.category, alert.complaint_count, alert.case_id) == (fgw.id, "*", 5, case_id)
    assert (str(alert.window_start), str(alert.window_end)) == ("2026-08-16", "2026-09-14")
    # The fgw handler sees the warning in their inbox.
    assert api.as_("handler.fgw").task_for(case_id, "explain")

    # Two more in the same window: no second warning; the new ones are not linked to a case.
    report = _import(api, _items("fgw", 2, prefix="W2"))
    assert report["imported"] == 2 and report["warnings"] == []
    assert _count(Case) == 1 and _count(ComplaintAlert) == 1
    assert service.evaluate_rules() == []

    # After the window: a new cluster raises a new warning (the old complaints are out of the window).
    clock.advance(timedelta(days=31))
    assert service.evaluate_rules() == []
    report = _import(api, _items("fgw", 5, prefix="W3", day="2026-10-12"))
    assert len(report["warnings"]) == 1 and report["warnings"][0] != number
    second = supervisor.case(report["warning_cases"][0]["id"])
    assert second["subject_department"] == "fgw" and second["process"] == "warning_rectification"
    assert "W3-005" in second["facts"] and "W1-001" not in second["facts"]
    assert _count(Case) == 2 and _count(ComplaintAlert) == 2


def test_below_threshold_or_outside_the_window_raises_nothing(api):
    report = _import(api, _items("fgw", 4, prefix="B") + _items("czj", 4, prefix="C")
                     + _items("pudong", 5, prefix="OLD", day="2026-08-15"))  # 31 days ago: outside the window
    assert report["imported"] == 13 and report["warnings"] == []
    assert _count(Case) == 0 and _count(ComplaintAlert) == 0
    assert db.session.scalar(select(func.count()).where(Complaint.warning_case_id.is_not(None))) == 0


def test_a_category_rule_counts_that_category_only(api):
    """A rule approver publishes a category rule (decision table complaint_thresholds) effective today."""
    xml = (RULES / "complaint_thresholds.dmn").read_text(encoding="utf-8").replace(
        "<text>None</text>", "<text>\"政策兑现\"</text>").replace("<text>5</text>", "<text>3</text>").replace(
        "<text>30</text>", "<text>10</text>")
    designer, approver = (db.session.scalar(select(User).where(User.username == name)) for name in ("designer", "approver"))
    draft = rules.save_draft(designer, "complaint_thresholds", xml, comment="政策兑现类：10日内3件")
    rules.publish(approver, draft.id, effective_from=clock.today(), note="企业服务平台政策兑现投诉集中")
    report = _import(api, _items("czj", 2, prefix="P", category="政策兑现", channel="enterprise")
                     + _items("czj", 5, prefix="O", category="办事效率")
                     + _items("czj", 1, prefix="OLD", category="政策兑现", day="2026-09-04"))  # outside 10 days
    assert report["warnings"] == []
    report = _import(api, _items("czj", 1, prefix="Q", category="政策兑现", channel="enterprise"))
    assert len(report["warnings"]) == 1
    case = api.as_("supervisor").case(report["warning_cases"][0]["id"])
    assert case["subject_department"] == "czj" and case["key_area"] == "企业服务"
    assert "“政策兑现”类投诉" in case["facts"] and "O-001" not in case["facts"] and "OLD-001" not in case["facts"]
    alert = db.session.scalar(select(ComplaintAlert))
    assert alert.category == "政策兑现" and alert.complaint_count == 3
    assert str(alert.window_start) == "2026-09-05"
    linked = set(db.session.scalars(select(Complaint.external_id).where(Complaint.warning_case_id.is_not(None))))
    assert linked == {"P-001", "P-002", "Q-001"}


def test_a_large_cluster_keeps_the_reason_within_the_form_limit(api):
    report = _import(api, _items("fgw", 60, prefix="LONG-" + "9" * 60))
    assert len(report["warnings"]) == 1
    facts = api.as_("supervisor").case(report["warning_cases"][0]["id"])["facts"]
    assert len(facts) <= 5000 and "另有" in facts and "件未列出" in facts


# --- pages ----------------------------------------------------------------------------------------

def _upload(client, content: bytes, filename: str = "complaints.csv"):
    token = csrf_token(client, "/complaints")
    return client.post("/complaints/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), filename), "csrf_token": token})


def test_the_import_page_shows_the_report(app, client):
    login(client, "supervisor")
    page = client.get("/complaints").get_data(as_text=True)
    assert "没有符合条件的投诉" in page and 'enctype="multipart/form-data"' in page and "external_id" in page
    body = _csv(*[f"2026-09-1{i},fgw,12345,办事效率,审批超时第{i}次,PG-{i}" for i in range(5)],
                "2026-09-10,fgw,12345,办事效率,重复,PG-1",
                "2026-09-10,nosuch,12345,办事效率,未知单位,PG-X")
    r = _upload(client, body.encode("gb18030"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'data-count="imported">5 条' in html and 'data-count="duplicates">1 条' in html
    assert 'data-line="8"' in html and "第 8 行" in html and "nosuch" in html
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case is not None and f'href="/cases/{case.id}"' in html and case.number in html

    # No file, a wrong extension, an unreadable file, too large a file: nothing imported.
    token = csrf_token(client, "/complaints")
    r = client.post("/complaints/import", content_type="multipart/form-data", data={"csrf_token": token})
    assert r.status_code == 422 and "请选择" in r.get_data(as_text=True)
    r = _upload(client, body.encode(), "complaints.xlsx")
    assert r.status_code == 422 and ".csv" in r.get_data(as_text=True)
    r = _upload(client, b"date,unit\n2026-09-01,fgw\n")
    assert r.status_code == 422 and "表头缺少列" in r.get_data(as_text=True)
    r = _upload(client, b"x" * (client.application.config["COMPLAINT_IMPORT_MAX_BYTES"] + 1))
    assert r.status_code == 413
    # Without the CSRF token the form is refused.
    r = client.post("/complaints/import", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(body.encode()), "c.csv")})
    assert r.status_code == 400
    with app.app_context():
        assert _count(Complaint) == 5


def _import_as_supervisor(app, rows):
    with app.app_context():
        service.import_complaints(rows, actor=_user("supervisor"))
        db.session.remove()


def test_the_list_page_filters_and_paginates(app, client):
    _import_as_supervisor(app, _items("fgw", 3, prefix="F", day="2026-09-01")
                          + _items("czj", 2, prefix="Z", category="政策兑现", channel="enterprise", day="2026-09-12"))
    login(client, "supervisor")
    html = client.get("/complaints").get_data(as_text=True)
    assert all(f'data-external-id="{i}"' in html for i in ("F-001", "F-003", "Z-001", "Z-002"))
    assert "共 5 件" in html

    html = client.get("/complaints?unit=czj").get_data(as_text=True)
    assert 'data-external-id="Z-001"' in html and 'data-external-id="F-001"' not in html
    html = client.get("/complaints?channel=12345").get_data(as_text=True)
    assert 'data-external-id="F-001"' in html and 'data-external-id="Z-001"' not in html
    html = client.get("/complaints?category=政策兑现").get_data(as_text=True)
    assert "共 2 件" in html
    html = client.get("/complaints?date_from=2026-09-10&date_to=2026-09-14").get_data(as_text=True)
    assert "共 2 件" in html and 'data-external-id="F-001"' not in html
    html = client.get("/complaints?unit=nosuch&date_from=bad").get_data(as_text=True)
    assert "未知单位" in html and "日期格式应为" in html and "共 5 件" in html
    html = client.get("/complaints?unit=hbj").get_data(as_text=True)
    assert "没有符合条件的投诉" in html

    _import_as_supervisor(app, _items("pudong", 25, prefix="PD", day="2026-08-01"))
    html = client.get("/complaints").get_data(as_text=True)
    assert "共 30 件" in html and 'aria-label="投诉分页"' in html and "page=2" in html
    html = client.get("/complaints?page=2").get_data(as_text=True)
    assert 'data-external-id="PD-001"' in html
