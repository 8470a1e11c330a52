"""Notification centre: who is notified of new tasks, reminders, overdue tasks and decisions; the
e-mail outbox (not sent and said so without a server, a real SMTP conversation, retries with back-off when the
server is down); and the pages (bell in the header, own notifications only, mark read)."""
from __future__ import annotations

import email
import email.policy
import logging
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import delete, select, update

from app.cases.models import Case
from app.core.clock import LOCAL_TZ, clock
from app.core.errors import NotFound
from app.core.extensions import db
from app.notifications import service
from app.notifications.mail import deliver_outbox
from app.notifications.models import EmailOutbox, Notification
from app.org.models import Department, User
from app.tasks.models import HumanTask
from tests.mail_support import MailConfig, SmtpSink, unused_port
from tests.support import Api
from tests.web_support import login, post

# --- helpers ---------------------------------------------------------------------------------

def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def notes(username: str | None = None, kind: str | None = None) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    if username:
        query = query.where(Notification.user_id == user(username).id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def recipients(kind: str) -> list[str]:
    return sorted(db.session.get(User, n.user_id).username for n in notes(kind=kind))


def forget_notifications() -> None:
    """Drop what the engine's own wiring may already have sent, so a test counts only its calls."""
    db.session.execute(delete(EmailOutbox))
    db.session.execute(delete(Notification))
    db.session.commit()


def outbox(kind: str) -> list[EmailOutbox]:
    return list(db.session.scalars(select(EmailOutbox).join(Notification, Notification.id == EmailOutbox.notification_id)
                                   .where(Notification.kind == kind).order_by(EmailOutbox.id)))


def open_task(case_id: int, element: str) -> HumanTask:
    return db.session.scalar(select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.bpmn_id == element, HumanTask.status == "open"))


def notified_case(api) -> tuple[dict, HumanTask]:
    """A record registered and approved: the handlers of 市发展改革委 must respond (异议或确认)."""
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    forget_notifications()
    return case, open_task(case["id"], "respond_notice")


@pytest.fixture()
def make_user(ctx):
    """Users created by a test (user tables are kept between tests): removed again afterwards,
    with everything that points at them."""
    created: list[int] = []

    def _make(username, department="fgw", roles=("handler",), email=None, active=True, scope=None):
        dept = db.session.scalar(select(Department).where(Department.code == department))
        u = User(username=username, full_name=f"测试 {username}", department=dept, email=email, active=active)
        if scope:
            u.scope_district_id = db.session.scalar(select(Department.id).where(Department.code == scope))
        u.set_password("Test@2026-x")
        u.set_roles(roles)
        db.session.add(u)
        db.session.commit()
        created.append(u.id)
        return u

    yield _make
    db.session.rollback()
    if created:
        db.session.execute(update(HumanTask).where(HumanTask.claimed_by_id.in_(created))
                           .values(claimed_by_id=None, claimed_at=None))
        mine = select(Notification.id).where(Notification.user_id.in_(created))
        db.session.execute(delete(EmailOutbox).where(EmailOutbox.notification_id.in_(mine)))
        db.session.execute(delete(Notification).where(Notification.user_id.in_(created)))
        for uid in created:
            db.session.delete(db.session.get(User, uid))
        db.session.commit()


def deadline(task: HumanTask) -> str:
    return (task.due_at - timedelta(seconds=1)).astimezone(LOCAL_TZ).date().isoformat()


# --- who is notified -------------------------------------------------------------------------

def test_a_new_task_notifies_everyone_who_may_act_on_it_once(api):
    case = api.as_("recorder").register()
    forget_notifications()
    task = open_task(case["id"], "entry_review")
    service.task_assigned(task)
    db.session.commit()
    assert recipients("task.assigned") == ["reviewer"]
    note = notes("reviewer")[0]
    assert note.title == f"新任务：录入审核（{case['number']}）"
    assert note.case_id == case["id"] and note.task_id == task.id and note.read_at is None
    assert case["title"] in note.body
    service.task_assigned(task)  # defensive: the same task never twice for the same user
    db.session.commit()
    assert len(notes(kind="task.assigned")) == 1
    assert db.session.scalar(select(db.func.count(EmailOutbox.id))) == 0  # demo users have no address


def test_unit_tasks_go_to_the_units_active_users_or_only_the_claimant(api, make_user):
    colleague = make_user("notif.fgw2", "fgw", ["handler"], email="fgw2@example.gov.cn")
    make_user("notif.fgw.off", "fgw", ["handler"], email="off@example.gov.cn", active=False)
    make_user("notif.czj", "czj", ["handler"], email="czj@example.gov.cn")
    case, task = notified_case(api)
    service.task_assigned(task)
    db.session.commit()
    assert recipients("task.assigned") == ["handler.fgw", "notif.fgw2"]
    note = notes("handler.fgw")[0]
    assert note.title == f"新任务：异议或确认（{case['number']}）"
    assert f"办理期限：{deadline(task)}" in note.body and "市发展改革委" in note.body
    # Only the colleague has an address: one mail, with the notification's title and a link.
    [mail] = outbox("task.assigned")
    assert mail.to_address == "fgw2@example.gov.cn" and mail.status == "pending" and mail.attempts == 0
    assert mail.subject == note.title and mail.body.endswith(f"/tasks/{task.id}")
    assert mail.notification_id == notes("notif.fgw2")[0].id

    # Claimed: the reminder goes to the claimant only.
    task.claimed_by_id, task.claimed_at = colleague.id, clock.now()
    db.session.commit()
    service.task_reminder(db.session.get(Case, case["id"]), "respond_notice")
    db.session.commit()
    assert recipients("task.reminder") == ["notif.fgw2"]
    assert notes("notif.fgw2", "task.reminder")[0].title == \
        f"期限提醒：异议或确认（{case['number']}）将于 {deadline(task)} 到期"


def test_reminders_and_overdue_notices(api, make_user):
    make_user("notif.sup.pudong", "pudong", ["supervisor"], scope="pudong")  # another district's supervisor
    case, task = notified_case(api)
    record = task.case
    service.task_reminder(record, "respond_notice")
    service.task_reminder(record, "respond_notice")
    service.task_reminder(record, "objection_review")  # no open task there: nobody
    db.session.commit()
    assert recipients("task.reminder") == ["handler.fgw"]

    service.task_overdue(record, "respond_notice")
    service.task_overdue(record, "respond_notice")
    db.session.commit()
    assert recipients("task.overdue") == ["handler.fgw", "supervisor"]  # city-wide supervisor only
    overdue = notes("supervisor", "task.overdue")[0]
    assert overdue.title == f"逾期督办：异议或确认（{case['number']}）已超过办理期限 {deadline(task)}"
    assert overdue.task_id == task.id


def test_decisions_go_to_the_subject_units_handlers_and_the_recording_units_recorders(api, make_user):
    make_user("notif.off", "fgw", ["handler"], active=False)
    case, task = notified_case(api)
    service.case_decision(task.case, f"{case['number']} 异议审查结论：维持记录", "经审查，原记录准确。")
    db.session.commit()
    assert recipients("case.decision") == ["handler.fgw", "recorder"]
    note = notes("recorder", "case.decision")[0]
    assert note.title == f"{case['number']} 异议审查结论：维持记录"
    assert note.body == f"经审查，原记录准确。\n案件：{case['title']}"
    assert note.task_id is None and note.case_id == case["id"]
    service.case_decision(task.case, "信用修复申请未通过", case["title"])  # no number in the title: in the body
    db.session.commit()
    assert notes("handler.fgw", "case.decision")[-1].body == f"{case['title']}\n案件编号：{case['number']}"


def test_a_status_change_the_process_decides_tells_the_units(api):
    """The diagram's set_record_status('returned') (a case action) announces the decision with the
    case_decided signal; the receiver the notifications package connected at start-up tells the
    subject unit's handlers and the recording unit's recorders, in the step's transaction."""
    case = api.as_("recorder").register()
    forget_notifications()
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "return", "review_opinion": "事实不清"})
    assert db.session.get(Case, case["id"]).record_status == "returned"
    assert recipients("case.decision") == ["handler.fgw", "recorder"]
    note = notes("recorder", "case.decision")[0]
    assert note.title == f"{case['number']} 记录状态：退回补正"
    assert note.body == case["title"] and note.case_id == case["id"]


def test_reading_side_pages_and_marks_only_own_notifications(api):
    _case, task = notified_case(api)
    record = task.case
    service.task_assigned(task)
    service.task_reminder(record, "respond_notice")
    service.case_decision(record, "记录已确认")
    db.session.commit()
    fgw, recorder = user("handler.fgw"), user("recorder")
    assert service.unread_count(fgw) == 3 and service.unread_count(recorder) == 1
    items, total = service.list_for(fgw, page=1, per_page=2)
    assert total == 3 and len(items) == 2 and items[0].kind == "case.decision"  # newest first
    items, total = service.list_for(fgw, page=2, per_page=2)
    assert total == 3 and [n.kind for n in items] == ["task.assigned"]

    first = notes("handler.fgw")[0]
    with pytest.raises(NotFound):
        service.mark_read(recorder, first.id)
    with pytest.raises(NotFound):
        service.mark_read(fgw, 999999)
    assert service.mark_read(fgw, first.id).read_at == clock.now()
    assert service.unread_count(fgw) == 2
    assert service.list_for(fgw, page=1, per_page=20, unread_only=True)[1] == 2
    assert service.mark_all_read(fgw) == 2
    assert service.unread_count(fgw) == 0 and service.unread_count(recorder) == 1
    assert service.mark_all_read(fgw) == 0


# --- e-mail ----------------------------------------------------------------------------------

def test_without_a_mail_server_nothing_is_sent_and_the_outbox_says_so(app, api, make_user, caplog):
    """Issue 20: no MAIL_SERVER used to log the mail and count it sent. Now the row says clearly it
    was not sent for want of a server (status `unconfigured`, the reason in last_error), the log
    warns, and nothing is retried until an admin resends it."""
    make_user("notif.mail", "fgw", ["handler"], email="mail@example.gov.cn")
    case, task = notified_case(api)
    service.task_assigned(task)
    db.session.commit()
    caplog.set_level(logging.INFO, logger="chengxin.mail")
    # The test database is built by Alembic, whose fileConfig() disables loggers that already
    # exist (this module imported the mail sender before that): switch it back on for the test.
    mail_log = logging.getLogger("chengxin.mail")
    was_disabled, mail_log.disabled = mail_log.disabled, False
    try:
        with MailConfig(app, MAIL_SERVER=""):
            assert deliver_outbox() == {"sent": 0, "retried": 0, "failed": 0, "unconfigured": 1}
            assert deliver_outbox() == {"sent": 0, "retried": 0, "failed": 0, "unconfigured": 0}
    finally:
        mail_log.disabled = was_disabled
    logged = [r.getMessage() for r in caplog.records if r.name == "chengxin.mail"]
    assert logged == ["1 mail(s) not sent: MAIL_SERVER is not configured"]
    mail = db.session.scalars(select(EmailOutbox)).one()
    db.session.refresh(mail)
    assert mail.status == "unconfigured" and mail.sent_at is None and mail.attempts == 0
    assert "未配置邮件服务器（MAIL_SERVER 为空）" in mail.last_error
    assert mail.subject == f"新任务：异议或确认（{case['number']}）" and mail.to_address == "mail@example.gov.cn"


def test_mail_goes_through_a_real_smtp_server_and_a_refused_address_does_not_block_the_rest(app, api, make_user):
    make_user("notif.good", "fgw", ["handler"], email="good@example.gov.cn")
    make_user("notif.bad", "fgw", ["handler"], email="bad@example.gov.cn")
    case, task = notified_case(api)
    service.task_assigned(task)
    db.session.commit()
    with SmtpSink(reject={"bad@example.gov.cn"}) as sink, \
            MailConfig(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_FROM="chengxin@example.gov.cn",
                       MAIL_USE_TLS=False, MAIL_USERNAME=""):
        assert deliver_outbox() == {"sent": 1, "retried": 1, "failed": 0, "unconfigured": 0}
    assert len(sink.messages) == 1
    received = sink.messages[0]
    assert received["from"] == "chengxin@example.gov.cn" and received["to"] == ["good@example.gov.cn"]
    msg = email.message_from_bytes(received["data"], policy=email.policy.default)
    assert str(make_header(decode_header(msg["Subject"]))) == f"新任务：异议或确认（{case['number']}）"
    assert f"/tasks/{task.id}" in msg.get_content()
    rows = {r.to_address: r for r in db.session.scalars(select(EmailOutbox))}
    for r in rows.values():
        db.session.refresh(r)
    assert rows["good@example.gov.cn"].status == "sent"
    bad = rows["bad@example.gov.cn"]
    assert bad.status == "pending" and bad.attempts == 1 and "no such user" in bad.last_error
    assert bad.next_attempt_at == clock.now() + timedelta(minutes=2)


def test_an_unreachable_server_is_retried_with_back_off_then_given_up(app, api, make_user):
    make_user("notif.retry", "fgw", ["handler"], email="retry@example.gov.cn")
    _case, task = notified_case(api)
    service.task_assigned(task)
    db.session.commit()
    start = clock.now()
    mail = db.session.scalars(select(EmailOutbox)).one()
    with MailConfig(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=unused_port(), MAIL_MAX_ATTEMPTS=3):
        assert deliver_outbox() == {"sent": 0, "retried": 1, "failed": 0, "unconfigured": 0}
        db.session.refresh(mail)
        assert mail.status == "pending" and mail.attempts == 1 and mail.last_error
        assert mail.next_attempt_at == start + timedelta(minutes=2)
        assert deliver_outbox() == {"sent": 0, "retried": 0, "failed": 0, "unconfigured": 0}  # not due yet

        clock.advance(timedelta(minutes=2))
        assert deliver_outbox() == {"sent": 0, "retried": 1, "failed": 0, "unconfigured": 0}
        db.session.refresh(mail)
        assert mail.attempts == 2 and mail.next_attempt_at == clock.now() + timedelta(minutes=4)

        clock.advance(timedelta(minutes=4))
        assert deliver_outbox() == {"sent": 0, "retried": 0, "failed": 1, "unconfigured": 0}
        db.session.refresh(mail)
        assert mail.status == "failed" and mail.attempts == 3 and mail.sent_at is None
        clock.advance(timedelta(hours=1))
        assert deliver_outbox() == {"sent": 0, "retried": 0, "failed": 0, "unconfigured": 0}  # failed rows stay failed


def test_starttls_is_required_when_configured(app, api, make_user):
    make_user("notif.tls", "fgw", ["handler"], email="tls@example.gov.cn")
    _case, task = notified_case(api)
    service.task_assigned(task)
    db.session.commit()
    with SmtpSink() as sink, MailConfig(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_USE_TLS=True):
        assert deliver_outbox() == {"sent": 0, "retried": 1, "failed": 0, "unconfigured": 0}
    assert sink.messages == []  # never sent in clear text when TLS was asked for
    mail = db.session.scalars(select(EmailOutbox)).one()
    db.session.refresh(mail)
    assert "STARTTLS" in mail.last_error


# --- pages -----------------------------------------------------------------------------------

@pytest.fixture()
def two_units(app):
    """Notifications for handler.fgw (3) and handler.czj (1), created through real cases."""
    with app.app_context():
        api = Api(app.test_client())
        case, task = notified_case(api)
        other = api.as_("recorder").register(subject_department="czj", title="未按期兑现政策承诺")
        forget_notifications()
        service.task_assigned(task)
        service.task_reminder(task.case, "respond_notice")
        service.case_decision(task.case, "记录已确认")
        service.case_decision(db.session.get(Case, other["id"]), "记录已撤销")
        db.session.commit()
        ids = {u: [n.id for n in notes(u)] for u in ("handler.fgw", "handler.czj")}
        result = {"case": case, "task_id": task.id, "other": other, "ids": ids}
        db.session.remove()
    return result


def test_the_header_shows_the_unread_count(client, two_units):
    assert "notification-bell" not in client.get("/login").get_data(as_text=True)
    login(client, "handler.fgw")
    html = client.get("/tasks").get_data(as_text=True)
    assert 'aria-label="通知，3 条未读"' in html and 'id="notification-count">3<' in html
    login_as_other = client.application.test_client()
    login(login_as_other, "reviewer")
    html = login_as_other.get("/tasks").get_data(as_text=True)
    assert 'aria-label="通知，没有未读"' in html and 'id="notification-count"' not in html


def test_the_list_shows_only_own_notifications(client, two_units):
    login(client, "handler.czj")
    html = client.get("/notifications").get_data(as_text=True)
    assert "记录已撤销" in html and two_units["other"]["number"] in html
    assert two_units["case"]["number"] not in html
    assert html.count('data-kind="') == 1 and "办理结果" in html and "全部标为已读" in html
    for nid in two_units["ids"]["handler.fgw"]:
        assert f'id="notification-{nid}"' not in html

    client = client.application.test_client()
    login(client, "handler.fgw")
    html = client.get("/notifications").get_data(as_text=True)
    assert all(f'id="notification-{nid}"' in html for nid in two_units["ids"]["handler.fgw"])
    assert "新任务" in html and "期限提醒" in html and 'data-read="0"' in html
    assert f'href="/tasks/{two_units["task_id"]}"' not in html  # unread: opened through "mark read"


def test_mark_read_opens_the_task_and_someone_elses_notification_is_404(client, two_units):
    fgw_ids, czj_ids = two_units["ids"]["handler.fgw"], two_units["ids"]["handler.czj"]
    login(client, "handler.fgw")
    r = post(client, f"/notifications/{czj_ids[0]}/read", page="/notifications")
    assert r.status_code == 404
    assert client.post(f"/notifications/{fgw_ids[0]}/read").status_code == 400  # no CSRF token

    r = post(client, f"/notifications/{fgw_ids[0]}/read", page="/notifications")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tasks/{two_units['task_id']}")
    # The "mark as read" button stays on the list (and htmx swaps the row from it).
    r = post(client, f"/notifications/{fgw_ids[1]}/read", {"next": "/notifications?unread=1"}, page="/notifications")
    assert r.status_code == 302 and r.headers["Location"].endswith("/notifications?unread=1")
    html = client.get("/notifications?unread=1").get_data(as_text=True)
    assert 'aria-label="通知，1 条未读"' in html and html.count('data-kind="') == 1
    assert client.get(f"/tasks/{two_units['task_id']}").status_code == 200
    r = post(client, f"/notifications/{fgw_ids[2]}/read", page="/notifications")  # a decision opens the case
    assert r.headers["Location"].endswith(f"/cases/{two_units['case']['id']}")

    with client.application.app_context():
        assert service.unread_count(user("handler.czj")) == 1


def test_mark_all_read_and_the_empty_state(client, two_units):
    login(client, "handler.fgw")
    r = post(client, "/notifications/read-all", page="/notifications", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "已将 3 条通知标为已读" in html and 'aria-label="通知，没有未读"' in html
    assert 'data-read="0"' not in html and "全部标为已读" not in html
    html = client.get("/notifications?unread=1").get_data(as_text=True)
    assert 'id="empty-notifications"' in html and "没有未读通知" in html
    with client.application.app_context():
        assert service.unread_count(user("handler.czj")) == 1

    client = client.application.test_client()
    login(client, "reviewer")
    html = client.get("/notifications").get_data(as_text=True)
    assert "还没有通知" in html
    assert client.application.test_client().get("/notifications").status_code == 302  # login required
