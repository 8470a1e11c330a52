"""An admin finds a blocked case on the incidents page and retries it once the cause is fixed."""
from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect
from sqlalchemy import select

from app.calendar.service import import_schedule
from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from app.incidents.models import Incident
from app.designer.deployment import deploy_bytes
from tests.support import RECORD, Api
from tests.test_incidents import TWO_TIMERS, YEAR_2027


def test_an_admin_retries_an_incident_after_loading_the_missing_calendar(app, login_as, tick):
    with app.app_context():
        deploy_bytes(TWO_TIMERS, "two_timers.bpmn")
        clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ))
        case = Api(app.test_client()).as_("recorder").post("/cases", {"process": "two_timers", "data": RECORD}).get_json()
        tick(datetime(2026, 12, 3, 9, 0, tzinfo=LOCAL_TZ))  # the second wait needs 2027's calendar
        incident_id = db.session.scalar(select(Incident.id).where(Incident.case_id == case["id"]))
        db.session.remove()

    page = login_as("admin")
    page.get_by_role("link", name="流程异常").click()
    row = page.locator(f"#incident-{incident_id}")
    expect(row).to_contain_text(case["number"])
    expect(row).to_contain_text("“第二段等待”（wait2）")
    expect(row).to_contain_text("2027 年的工作日历尚未导入")
    row.get_by_role("link", name="处理").click()
    expect(page.locator("#incident-status")).to_have_text("未处理")

    with app.app_context():
        import_schedule(YEAR_2027, "2027.csv")  # the cause is fixed
        db.session.remove()
    page.get_by_label("重试原因").fill("已导入 2027 年工作日历")
    page.once("dialog", lambda dialog: dialog.accept())  # the data-confirm question
    page.get_by_role("button", name="重试", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("重试成功，案件继续办理")
    expect(page.locator("#incident-status")).to_have_text("已处理")
    expect(page.locator("#incident-resolution")).to_have_text("重试成功")
    page.locator("#nav-incidents").click()
    expect(page.locator("#no-incidents")).to_be_visible()
