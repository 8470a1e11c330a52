"""Server-rendered pages with the Flask client: scope on every page, CSRF, CSV export, uploads,
supervisor reassignment, session expiry and login throttling."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.clock import clock
from app.core.extensions import db
from app.org.models import User
from tests.support import Api
from tests.web_support import csrf_token, login, post

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture()
def notified(app, client):
    with app.app_context():
        api = Api(app.test_client())
        case = api.as_("recorder").register()
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
        task = api.as_("handler.fgw").task_for(case["id"], "respond_notice")
    return case, task


def test_every_page_needs_login(client, notified):
    case, task = notified
    for url in ("/tasks", "/cases", f"/cases/{case['id']}", f"/tasks/{task['id']}", "/cases/new", "/cases/export.csv"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


def test_pages_outside_scope_are_404_and_roles_are_403(client, notified):
    case, task = notified
    login(client, "handler.czj")
    for url in (f"/cases/{case['id']}", f"/tasks/{task['id']}", f"/cases/{case['id']}/diagram",
                f"/cases/{case['id']}/attachments/1"):
        assert client.get(url).status_code == 404, url
    assert client.get("/cases/new").status_code == 403
    assert client.get("/admin/users").status_code == 403
    r = post(client, f"/tasks/{task['id']}", {"response": "accept"})
    assert r.status_code == 404


def test_forms_without_a_csrf_token_are_refused(client, notified):
    case, task = notified
    login(client, "handler.fgw")
    r = client.post(f"/tasks/{task['id']}", data={"response": "accept"})
    assert r.status_code == 400
    assert "已告知" in client.get(f"/cases/{case['id']}").get_data(as_text=True)


def test_completing_from_the_task_page_names_the_next_step(client, notified):
    case, task = notified
    login(client, "handler.fgw")
    r = post(client, f"/tasks/{task['id']}", {"response": "object", "objection_grounds": "已支付", "commitment": "on"},
             page=f"/tasks/{task['id']}", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "已提交，等待审核员办理“异议审查”" in html


def test_a_bad_attachment_on_the_task_form_is_reported_on_its_field_and_nothing_is_kept(client, notified):
    case, task = notified
    login(client, "handler.fgw")
    data = {"response": "object", "objection_grounds": "已支付", "commitment": "on", "csrf_token": csrf_token(client, "/tasks"),
            "objection_evidence": [(io.BytesIO(b"not a pdf"), "回单.pdf")]}
    r = client.post(f"/tasks/{task['id']}", data=data, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "回单.pdf：文件内容与扩展名不符" in html
    assert "回单.pdf" not in client.get(f"/cases/{case['id']}").get_data(as_text=True).split("证据材料")[-1]


def test_evidence_upload_and_download_on_the_case_page(client, notified):
    case, _ = notified
    login(client, "handler.fgw")
    r = client.post(f"/cases/{case['id']}/attachments", content_type="multipart/form-data",
                    data={"file": [(io.BytesIO(PDF), "说明.pdf")], "csrf_token": csrf_token(client, "/tasks")},
                    follow_redirects=True)
    assert "已上传 1 个文件" in r.get_data(as_text=True)
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "说明.pdf" in page
    assert client.get(f"/cases/{case['id']}/attachments/1").data == PDF


def test_case_list_filters_and_csv_export(client, app):
    with app.app_context():
        api = Api(app.test_client())
        api.as_("recorder").register(title="采购记录")
        api.as_("recorder").register(title="审计记录", key_area="审计", subject_department="czj")
    login(client, "reviewer")
    html = client.get("/cases?area=审计").get_data(as_text=True)
    assert "审计记录" in html and "采购记录" not in html
    assert "日期格式应为 YYYY-MM-DD" in client.get("/cases?created_from=yesterday").get_data(as_text=True)
    r = client.get("/cases/export.csv?subject=czj")
    text = r.data.decode("utf-8-sig")
    assert r.mimetype == "text/csv" and text.splitlines()[0].startswith("案件编号,标题")
    assert len(text.splitlines()) == 2 and "审计记录" in text
    other = app.test_client()
    login(other, "handler.pudong")
    assert len(other.get("/cases/export.csv").data.decode("utf-8-sig").splitlines()) == 1  # header only


def test_supervisor_reassigns_from_the_task_page(app, client, notified):
    case, task = notified
    login(client, "supervisor")
    html = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "改派给" in html and "经办人 张伟" in html and "经办人 刘洋" not in html  # only eligible users
    with app.app_context():
        fgw_id = db.session.scalar(select(User.id).where(User.username == "handler.fgw"))
    r = post(client, f"/tasks/{task['id']}/reassign", {"assignee_id": str(fgw_id)}, follow_redirects=True)
    assert "已改派给 经办人 张伟（市发展改革委）" in r.get_data(as_text=True)
    assert "全部待办（督导）" in client.get("/tasks").get_data(as_text=True)


def test_session_expires_after_inactivity(client, app):
    login(client, "reviewer")
    assert client.get("/tasks").status_code == 200
    with client.session_transaction() as session:
        session.permanent = True
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    try:
        import time

        time.sleep(2.2)  # the signed cookie's age is counted in whole seconds
        r = client.get("/tasks")
    finally:
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=30)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_login_is_throttled_after_repeated_failures(client):
    for _ in range(5):
        assert login(client, "recorder", "wrong").status_code == 401
    r = login(client, "recorder")
    assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
    clock.advance(timedelta(minutes=16))
    assert login(client, "recorder").status_code == 302


def test_open_redirects_through_next_are_refused(client):
    token = csrf_token(client)
    r = client.post("/login?next=https://evil.example/", data={"username": "reviewer", "password": "Demo@2026",
                                                               "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/tasks"
