"""The public portal in Chromium, signed out (issue 19): search by subject and tier, open a record,
read it masked, print it without the search form, and see it gone once its publication ends — all
without a Content-Security-Policy violation."""
from __future__ import annotations

from playwright.sync_api import expect

from app.cases.models import Case
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.publication import service as publication
from tests.support import Api
from tests.test_publication import ID_18, MOBILE, published_record


def test_search_read_print_and_an_ended_record_gone(app, browser, live_server):
    with app.app_context():
        api = Api(app.test_client())
        servant_case = published_record(api)
        unit_case = published_record(api, "handler.fgw", subject_type="department", subject_department="fgw", civil_servant_id=None,
                                     title="拖欠中标企业合同款", facts="未按约定拨付合同款。", tier="serious")
        db.session.remove()
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1300, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    try:
        page.goto("/public")
        expect(page.get_by_role("heading", name="政务失信记录公开查询")).to_be_visible()
        expect(page.locator("tr.public-record")).to_have_count(2)

        page.get_by_label("信用主体").fill("孙")
        page.get_by_role("button", name="查询").click()
        rows = page.locator("tr.public-record")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("孙*（市财政局）")
        page.get_by_label("信用主体").fill("")
        page.get_by_label("失信程度").select_option("serious")
        page.get_by_role("button", name="查询").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("市发展改革委")

        page.goto("/public?subject=孙")
        page.locator("tr.public-record a").first.click()
        expect(page.locator("#record-subject_name")).to_have_text("孙*（市财政局）")
        expect(page.locator("#record-facts")).to_contain_text("3101************3X")
        html = page.content()
        assert ID_18 not in html and MOBILE not in html and "孙明" not in html
        page.emulate_media(media="print")
        expect(page.locator("nav.navbar")).to_be_hidden()
        expect(page.locator("#public-lang")).to_be_hidden()
        expect(page.locator("#public-record")).to_be_visible()
        page.emulate_media(media="screen")
        detail_url = page.url

        with app.app_context():
            with unit_of_work():
                publication.end_publication(db.session.get(Case, servant_case), "revocation")
            db.session.remove()
        response = page.goto(detail_url)
        assert response.status == 404
        page.goto("/public")
        expect(page.locator("tr.public-record")).to_have_count(1)
        expect(page.locator("tr.public-record").first).to_contain_text("市发展改革委")
        assert unit_case and violations == []
    finally:
        context.close()
