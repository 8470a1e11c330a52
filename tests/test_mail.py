"""Issue 20, notifications by mail: the user's e-mail address on the admin forms and the API
(validated), the user's own choice — in-app only, an e-mail each, a daily digest — on a page and
through the API, the daily digest (one mail per user and Asia/Shanghai day, queued by `tick` and
delivered to a real SMTP server), and the admins' mail outbox (failures, filter, pages, resend)."""
from __future__ import annotations

import email
import email.policy
import re
from datetime import date, datetime, timedelta
from email.header import decode_header, make_header
from html import unescape

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from app.notifications import digest, service
from app.notifications.models import EmailOutbox, Notification
from app.org.models import Department, User
from tests.mail_support import MailConfig, SmtpSink
from tests.test_notifications import make_user, notified_case, open_task  # noqa: F401  (make_user: a fixture)
from tests.web_support import csrf_token, login, post

APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}
PASSWORD = "Qiuyu-lantern-47"


def fgw_id() -> int:
    return db.session.scalar(select(Department.id).where(Department.code == "fgw"))


def get_user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def create(admin_api, username: str, **extra):
    return admin_api.post("/users", {"username": username, "full_name": "测试 邮件", "department_id": fgw_id(),
                                     "roles": ["handler"], "password": PASSWORD, **extra})


def put(user_api, url: str, body: dict):
    return user_api.client.put(f"/api/v1{url}", json=body, headers=user_api._headers())


def mails() -> list[EmailOutbox]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmailOutbox).order_by(EmailOutbox.id)))


# --- the address -------------------------------------------------------------------------------

@pytest.mark.parametrize("address, message", [
    ("zhang.san", "格式不正确"),
    ("zhang san@fgw.sh.gov.cn", "格式不正确"),
    ("zhang@localhost", "格式不正确"),
    ("a@b.cn\r\nBcc: spy@example.com", "格式不正确"),  # no header smuggled into a mail
    ("a..b@fgw.sh.gov.cn", "格式不正确"),
    ("x" * 110 + "@fgw.gov.cn", "不能超过 120"),
])
def test_a_bad_address_is_refused_naming_the_field(api, address, message):
    r = create(api.as_("admin"), "mail.bad", email=address)
    assert r.status_code == 422 and message in r.get_json()["error"]["fields"]["email"][0], r.get_json()
    assert get_user("mail.bad") is None


def test_admins_set_change_and_remove_an_address_through_the_api(api):
    admin = api.as_("admin")
    r = create(admin, "mail.api", email="  Zhang.San@FGW.sh.gov.cn ")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["email"] == "Zhang.San@FGW.sh.gov.cn" and body["mail_preference"] == "email"
    user_id = body["id"]
    profile = {"full_name": "测试 邮件", "department_id": fgw_id(), "roles": ["handler"]}
    r = admin.client.put(f"/api/v1/users/{user_id}", json=profile, headers=admin._headers())
    assert r.status_code == 200 and r.get_json()["email"] == "Zhang.San@FGW.sh.gov.cn"  # left out: unchanged
    r = admin.client.put(f"/api/v1/users/{user_id}", json={**profile, "email": "bad"}, headers=admin._headers())
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["email"]
    r = admin.client.put(f"/api/v1/users/{user_id}", json={**profile, "email": ""}, headers=admin._headers())
    assert r.status_code == 200 and r.get_json()["email"] is None and r.get_json()["mail_preference"] == "in_app"
    assert admin.get(f"/users/{user_id}").get_json()["email"] is None
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.updated")
                               .order_by(AuditEvent.id.desc())).first()
    assert audit.data["email_changed"] is True and "电子邮箱已更改" in audit.summary
    assert create(api.as_("supervisor"), "mail.sneaky", email="a@b.cn").status_code == 403


def test_the_admin_forms_take_the_address(app, client):
    with app.app_context():
        fgw = fgw_id()
    login(client, "admin")
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'id="f-email"' in page and 'type="email"' in page
    data = {"username": "mail.web", "full_name": "测试 邮件", "department_id": fgw, "roles": ["handler"],
            "password": PASSWORD, "email": "not-an-address"}
    r = post(client, "/admin/users/new", data, page="/admin/users/new")
    assert r.status_code == 422
    html = unescape(r.get_data(as_text=True))
    assert re.search(r'id="f-email-error"[^>]*>[^<]*格式不正确', html) and 'value="not-an-address"' in html
    r = post(client, "/admin/users/new", {**data, "email": "li.si@fgw.sh.gov.cn"}, page="/admin/users/new")
    assert r.status_code == 302
    with app.app_context():
        user = get_user("mail.web")
        assert user.email == "li.si@fgw.sh.gov.cn"
        edit = f"/admin/users/{user.id}/edit"
    assert 'value="li.si@fgw.sh.gov.cn"' in client.get(edit).get_data(as_text=True)
    r = post(client, edit, {"full_name": "测试 邮件", "department_id": fgw, "roles": ["handler"],
                            "email": "li.si2@fgw.sh.gov.cn"}, page=edit)
    assert r.status_code == 302
    with app.app_context():
        assert get_user("mail.web").email == "li.si2@fgw.sh.gov.cn"
    assert "每条通知发送邮件" in unescape(client.get(edit).get_data(as_text=True))


# --- the user's choice -------------------------------------------------------------------------

def test_a_user_chooses_how_to_be_told_through_the_api(api, make_user):
    make_user("mail.pref", "fgw", ["handler"], email="pref@fgw.sh.gov.cn")
    me = api.as_("mail.pref")
    settings = me.get("/me/notification-settings").get_json()
    assert settings["email"] == "pref@fgw.sh.gov.cn" and settings["mail_preference"] == "email"
    assert [c["code"] for c in settings["choices"]] == ["in_app", "email", "digest"]
    r = put(me, "/me/notification-settings", {"mail_preference": "digest"})
    assert r.status_code == 200 and r.get_json()["mail_preference"] == "digest"
    assert get_user("mail.pref").digest_through == clock.today() - timedelta(days=1)  # the digest starts today
    for bad in ({"mail_preference": "sms"}, {}, {"mail_preference": 3}):
        r = put(me, "/me/notification-settings", bad)
        assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["mail_preference"], bad
    nobody = api.as_("handler.czj")  # no address: in-app only
    assert [c["code"] for c in nobody.get("/me/notification-settings").get_json()["choices"]] == ["in_app"]
    r = put(nobody, "/me/notification-settings", {"mail_preference": "email"})
    assert r.status_code == 422 and "联系系统管理员" in r.get_json()["error"]["fields"]["mail_preference"][0]
    assert put(nobody, "/me/notification-settings", {"mail_preference": "in_app"}).status_code == 200


def add_user(app, username: str, address: str | None) -> None:
    """A handler of 市发展改革委 with this address (removed again by the suite's clean-up)."""
    with app.app_context():
        user = User(username=username, full_name=f"测试 {username}", email=address, department_id=fgw_id())
        user.set_password(PASSWORD)
        user.set_roles(["handler"])
        db.session.add(user)
        db.session.commit()


def test_the_settings_page_saves_the_choice(app, client):
    add_user(app, "mail.page", "page@fgw.sh.gov.cn")
    login(client, "mail.page", PASSWORD)
    html = unescape(client.get("/notifications/settings").get_data(as_text=True))
    assert "page@fgw.sh.gov.cn" in html and re.search(r'value="email" id="pref-email"\s+checked', html)
    r = post(client, "/notifications/settings", {"mail_preference": "in_app"}, page="/notifications/settings")
    assert r.status_code == 302
    assert "已保存通知方式：仅站内通知" in unescape(client.get(r.headers["Location"]).get_data(as_text=True))
    r = post(client, "/notifications/settings", {"mail_preference": "fax"}, page="/notifications/settings")
    assert r.status_code == 422 and 'id="f-mail_preference-error"' in r.get_data(as_text=True)
    r = client.post("/notifications/settings", data={"mail_preference": "email"})  # no CSRF token
    assert r.status_code == 400
    with app.app_context():
        assert get_user("mail.page").mail_preference == "in_app"


def test_only_users_who_chose_mail_for_each_notification_get_one(api, make_user):
    make_user("mail.each", "fgw", ["handler"], email="each@fgw.sh.gov.cn")
    make_user("mail.quiet", "fgw", ["handler"], email="quiet@fgw.sh.gov.cn")
    make_user("mail.daily", "fgw", ["handler"], email="daily@fgw.sh.gov.cn")
    service.set_mail_preference(get_user("mail.quiet"), "in_app")
    service.set_mail_preference(get_user("mail.daily"), "digest")
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", APPROVE)
    task = open_task(case["id"], "respond_notice")
    told = {db.session.get(User, n.user_id).username for n in db.session.scalars(
        select(Notification).where(Notification.task_id == task.id))}
    assert {"mail.each", "mail.quiet", "mail.daily"} <= told  # everyone sees it in the notification centre
    assert [(m.to_address, m.kind, m.user_id) for m in mails()] == [("each@fgw.sh.gov.cn", "notification",
                                                                     get_user("mail.each").id)]


# --- the daily digest ----------------------------------------------------------------------------

def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=LOCAL_TZ)


def test_one_digest_a_day_lists_that_days_notifications_and_arrives_over_smtp(app, api, make_user, tick):
    make_user("mail.digest", "fgw", ["handler"], email="digest@fgw.sh.gov.cn")
    service.set_mail_preference(get_user("mail.digest"), "digest")
    case, task = notified_case(api)  # 2026-09-14 09:00; the notifications so far are dropped
    record = task.case
    service.task_assigned(task)  # 09:00 on the 14th
    clock.set(local(14, 23, 30))
    service.case_decision(record, f"{case['number']} 督办函：请限期办理", "23:30 的通知")
    clock.set(local(15, 0, 10))  # the next day in Shanghai (still the 14th in UTC)
    service.case_decision(record, f"{case['number']} 记录已确认", "00:10 的通知")
    db.session.commit()
    assert mails() == []  # nothing sent at once

    with SmtpSink() as sink, MailConfig(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_USE_TLS=False,
                                        MAIL_USERNAME="", PUBLIC_BASE_URL="https://chengxin.example.gov.cn"):
        tick(local(15, 6, 59))  # before MAIL_DIGEST_HOUR: the 14th's digest is not due yet
        assert mails() == []
        tick(local(15, 7, 0))
        tick(local(15, 7, 5))  # a second tick queues nothing more
        [first] = mails()
        assert (first.kind, first.digest_day, first.status, first.to_address) == \
            ("digest", date(2026, 9, 14), "sent", "digest@fgw.sh.gov.cn")
        tick(local(16, 7, 0))
        digests = [m for m in mails() if m.kind == "digest"]
        assert [m.digest_day for m in digests] == [date(2026, 9, 14), date(2026, 9, 15)]

    received = [email.message_from_bytes(m["data"], policy=email.policy.default) for m in sink.messages]
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in received]
    assert subjects[0] == "每日通知汇总：2026-09-14（2 条）"
    day14 = received[0].get_content()
    assert f"新任务：异议或确认（{case['number']}）" in day14 and "督办函" in day14 and "记录已确认" not in day14
    assert f"https://chengxin.example.gov.cn/tasks/{task.id}" in day14
    assert "https://chengxin.example.gov.cn/notifications/settings" in day14
    on_15th = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == get_user("mail.digest").id, Notification.created_at >= local(15, 0, 0),
        Notification.created_at < local(16, 0, 0)))
    assert subjects[1] == f"每日通知汇总：2026-09-15（{on_15th} 条）" and "记录已确认" in received[1].get_content()
    assert get_user("mail.digest").digest_through == date(2026, 9, 15)


def test_digests_are_claimed_once_and_catch_up_at_most_a_week(app, api, make_user):
    make_user("mail.late", "fgw", ["handler"], email="late@fgw.sh.gov.cn")
    late = get_user("mail.late")
    late.mail_preference, late.digest_through = "digest", date(2026, 8, 1)
    for day in range(1, 14):  # a notification every day of September up to the 13th
        db.session.add(Notification(user_id=late.id, kind="case.decision", title=f"9 月 {day} 日的通知", body="",
                                    created_at=local(day, 10)))
    db.session.commit()
    assert digest.queue_digests() == 7  # the 7th … the 13th: at most a week caught up
    assert digest.queue_digests() == 0
    assert sorted(m.digest_day.day for m in mails()) == list(range(7, 14))
    assert get_user("mail.late").digest_through == date(2026, 9, 13)
    assert digest._queue_for(late.id, date(2026, 9, 13)) == 0  # another ticker finds the days claimed


# --- the admins' outbox ---------------------------------------------------------------------------

@pytest.fixture()
def outbox_rows(app):
    """One sent, one failed (with the server's answer), one unconfigured and 21 pending rows."""
    add_user(app, "mail.box", "box@fgw.sh.gov.cn")
    with app.app_context():
        uid, now = get_user("mail.box").id, clock.now()
        rows = [("sent", None), ("failed", "550 5.1.1 no such user"), ("unconfigured", "未配置邮件服务器")] + \
            [("pending", None)] * 21
        for n, (status, error) in enumerate(rows):
            db.session.add(EmailOutbox(user_id=uid, kind="notification", to_address=f"box{n}@fgw.sh.gov.cn",
                                       subject=f"通知 {n}", body="正文", status=status,
                                       attempts=5 if status == "failed" else 0, last_error=error,
                                       next_attempt_at=now, created_at=now, sent_at=now if status == "sent" else None))
        db.session.commit()
        return {m.status: m.id for m in mails() if m.status != "pending"}


def test_the_outbox_api_lists_filters_and_resends(api, outbox_rows):
    admin = api.as_("admin")
    page = admin.get("/mail/outbox").get_json()
    assert page["counts"] == {"pending": 21, "sent": 1, "failed": 1, "unconfigured": 1}
    assert page["total"] == 24 and len(page["items"]) == 20 and page["configured"] is False
    assert len(admin.get("/mail/outbox?page=2").get_json()["items"]) == 4
    [failed] = admin.get("/mail/outbox?status=failed").get_json()["items"]
    assert failed["last_error"] == "550 5.1.1 no such user" and failed["attempts"] == 5
    assert [m["to_address"] for m in admin.get("/mail/outbox?q=box1@").get_json()["items"]] == ["box1@fgw.sh.gov.cn"]
    assert admin.get("/mail/outbox?q=box1&kind=notification").get_json()["total"] == 11  # box1, box10 … box19
    assert admin.get("/mail/outbox?q=通知 2").get_json()["total"] == 5  # by subject: 2, 20 … 23
    for bad in ("status=lost", "kind=fax", "page=0", "q=" + "x" * 121):
        r = admin.get(f"/mail/outbox?{bad}")
        assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == [bad.split("=")[0]], bad

    r = admin.post(f"/mail/outbox/{outbox_rows['failed']}/resend")
    assert r.status_code == 200 and r.get_json()["status"] == "pending" and r.get_json()["attempts"] == 0
    assert admin.post(f"/mail/outbox/{outbox_rows['sent']}/resend").status_code == 409
    assert admin.post("/mail/outbox/999999/resend").status_code == 404
    r = admin.post("/mail/outbox/resend-failed")
    assert r.status_code == 200 and r.get_json()["resent"] == 1  # the unconfigured one; the failed one was resent
    assert admin.get("/mail/outbox").get_json()["counts"] == {"pending": 23, "sent": 1, "failed": 0, "unconfigured": 0}
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "mail.resent")))
    assert len(actions) == 2
    for user in ("supervisor", "handler.fgw"):
        assert api.as_(user).get("/mail/outbox").status_code == 403
        assert api.as_(user).post(f"/mail/outbox/{outbox_rows['failed']}/resend").status_code == 403


def test_the_outbox_page_shows_failures_and_resends_with_confirmation(app, client, outbox_rows):
    login(client, "admin")
    html = unescape(client.get("/admin/mail").get_data(as_text=True))
    assert 'id="mail-unconfigured"' in html and 'data-tab="mail"' in html
    assert re.search(r'data-status="failed">.*?发送失败.*?：<span class="fw-semibold">1</span>', html, re.S)
    assert html.count('<tr id="mail-') == 20 and 'aria-label="邮件分页"' in html
    failed = unescape(client.get("/admin/mail?status=failed").get_data(as_text=True))
    assert failed.count('<tr id="mail-') == 1 and "550 5.1.1 no such user" in failed
    row = failed.split(f'id="mail-{outbox_rows["failed"]}"')[1].split("</tr>")[0]
    assert "data-confirm=" in row and "name=\"csrf_token\"" in row
    r = post(client, f"/admin/mail/{outbox_rows['failed']}/resend", {"next": "/admin/mail?status=failed"},
             page="/admin/mail")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/mail?status=failed")
    with app.app_context():
        assert db.session.get(EmailOutbox, outbox_rows["failed"]).status == "pending"
    r = post(client, f"/admin/mail/{outbox_rows['sent']}/resend", page="/admin/mail")
    assert r.status_code == 302
    assert "已发送，不能重发" in unescape(client.get(r.headers["Location"]).get_data(as_text=True))
    r = post(client, "/admin/mail/resend-failed", page="/admin/mail")
    assert r.status_code == 302 and "已重新排队 1 封邮件" in unescape(client.get("/admin/mail").get_data(as_text=True))
    assert 'id="no-mail"' in client.get("/admin/mail?status=failed").get_data(as_text=True)
    other = app.test_client()
    login(other, "supervisor")
    assert other.get("/admin/mail").status_code == 403
    assert other.post(f"/admin/mail/{outbox_rows['failed']}/resend",
                      data={"csrf_token": csrf_token(other, "/tasks")}).status_code == 403
