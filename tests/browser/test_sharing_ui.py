"""An admin finds an event a credit platform refused on the reconciliation page (信用共享), filters
the failed ones, cancels the confirmation once (nothing happens), then resends it; the next tick
delivers it to the real receiver."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.core.extensions import db
from app.sharing.models import SharingEvent
from tests.sharing_support import Receiver, announce
from tests.support import Api


def test_an_admin_resends_a_refused_event_with_confirmation(app, login_as, tick):
    receiver = Receiver().start()
    saved = app.config["SHARING_ENDPOINTS"]
    app.config["SHARING_ENDPOINTS"] = [{"name": "shanghai", "url": receiver.url("/shanghai"), "token": "t"}]
    receiver.answer = lambda request: (401, "token expired")
    try:
        with app.app_context():
            case = Api(app.test_client()).as_("recorder").register()
            announce(case["id"], "publish", number=case["number"])
            tick()
            row_id = db.session.scalar(select(SharingEvent.id))
            db.session.remove()

        page = login_as("admin")
        page.locator("#nav-sharing").click()
        expect(page.locator("#sharing-counts tr[data-endpoint='shanghai'] td[data-status='failed']")).to_have_text("1")
        page.get_by_label("状态").select_option("failed")
        page.get_by_role("button", name="筛选").click()
        row = page.locator(f"#sharing-{row_id}")
        expect(row).to_contain_text(case["number"])
        expect(row).to_contain_text("上海诚信网")
        expect(row).to_contain_text("HTTP 401: token expired")

        page.once("dialog", lambda dialog: dialog.dismiss())  # the data-confirm question, declined
        row.get_by_role("button", name="重发").click()
        expect(row).to_contain_text("失败")
        receiver.answer = lambda request: 201
        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="重发").click()
        expect(page.locator(".alert-success")).to_contain_text("已重新排队")
        assert len(receiver.requests) == 1  # queued, not sent from the request

        with app.app_context():
            tick()
            db.session.remove()
        assert [r["body"]["kind"] for r in receiver.requests] == ["publish", "publish"]
        page.goto("/sharing?status=acknowledged")
        expect(page.locator(f"#sharing-{row_id}")).to_contain_text("已确认接收")
    finally:
        app.config["SHARING_ENDPOINTS"] = saved
        receiver.stop()
