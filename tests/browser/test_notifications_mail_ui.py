"""Issue 20 in a real browser: a reviewer's notifications of a task are read once the task is
completed (the bell counts only what still waits); an admin gives a user an e-mail address on the
user form (a bad one is refused next to the field) and that user chooses the daily digest on their
notification settings, reached from the account menu."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.core.extensions import db
from app.notifications.models import Notification
from app.org.models import Department, User
from tests.support import Api


def test_a_completed_tasks_notification_is_read_and_the_bell_counts_what_still_waits(login_as, client):
    with client.application.app_context():
        recorder = Api(client).as_("recorder")
        first, second = recorder.register(title="第一件待审记录"), recorder.register(title="第二件待审记录")
        db.session.remove()

    reviewer = login_as("reviewer")
    bell = reviewer.locator("#notification-bell")
    expect(bell).to_have_attribute("data-unread", "2")
    reviewer.goto("/tasks?tab=available")
    row = reviewer.locator("#task-table tr", has=reviewer.get_by_role("link", name=first["number"]))
    row.get_by_role("link", name="办理").click()
    expect(reviewer.get_by_role("heading", name="录入审核")).to_be_visible()
    reviewer.get_by_label("审核结论").select_option("approve")
    reviewer.get_by_label("审核意见").fill("事实清楚，证据充分")
    reviewer.get_by_role("button", name="提交").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("等待经办人办理“异议或确认”")
    expect(bell).to_have_attribute("data-unread", "1")  # only the second case's review still waits
    expect(reviewer.locator("#notification-count")).to_have_text("1")

    bell.click()
    with client.application.app_context():
        notes = {n.case_id: n.id for n in db.session.scalars(select(Notification).join(User, User.id == Notification.user_id)
                                                             .where(User.username == "reviewer"))}
        db.session.remove()
    expect(reviewer.locator(f"#notification-{notes[first['id']]}")).to_have_attribute("data-read", "1")
    expect(reviewer.locator(f"#notification-{notes[second['id']]}")).to_have_attribute("data-read", "0")
    expect(reviewer.locator(f"#notification-{notes[first['id']]}")).not_to_contain_text("未读")


def test_an_admin_sets_an_address_and_the_user_chooses_the_daily_digest(login_as, client):
    with client.application.app_context():
        fgw = db.session.scalar(select(Department.id).where(Department.code == "fgw"))
        db.session.remove()
    admin = login_as("admin")
    admin.goto("/admin/users/new")
    admin.get_by_label("用户名").fill("mail.digest.ui")
    admin.get_by_label("姓名").fill("王 邮件")
    admin.locator("#f-department_id").select_option(str(fgw))
    admin.get_by_label("经办人").check()
    admin.get_by_label("电子邮箱").fill("wang.youjian@fgw")
    admin.get_by_label("初始密码").fill("Qiuyu-lantern-47")
    admin.get_by_role("button", name="创建用户").click()
    expect(admin.locator("#f-email-error")).to_contain_text("电子邮箱地址格式不正确")
    expect(admin.get_by_label("电子邮箱")).to_have_attribute("aria-invalid", "true")
    admin.get_by_label("电子邮箱").fill("wang.youjian@fgw.sh.gov.cn")
    admin.get_by_label("初始密码").fill("Qiuyu-lantern-47")
    admin.get_by_role("button", name="创建用户").click()
    expect(admin.locator(".alert-success")).to_contain_text("已创建用户 mail.digest.ui")

    user = login_as("mail.digest.ui", "Qiuyu-lantern-47")
    user.locator("#whoami").click()
    user.locator("#notification-settings").click()
    expect(user.get_by_role("heading", name="通知设置")).to_be_visible()
    expect(user.locator("#own-email")).to_contain_text("wang.youjian@fgw.sh.gov.cn")
    expect(user.get_by_label("每条通知发送邮件")).to_be_checked()
    user.get_by_label("每日汇总邮件").check()
    user.get_by_role("button", name="保存").click()
    expect(user.locator(".alert-success")).to_contain_text("已保存通知方式：每日汇总邮件")
    expect(user.get_by_label("每日汇总邮件")).to_be_checked()
    with client.application.app_context():
        assert db.session.scalar(select(User.mail_preference).where(User.username == "mail.digest.ui")) == "digest"
        db.session.remove()

    no_address = login_as("handler.czj")
    no_address.goto("/notifications")
    no_address.locator("#settings-link").click()
    expect(no_address.get_by_label("仅站内通知")).to_be_checked()
    expect(no_address.get_by_label("每日汇总邮件")).to_be_disabled()
