"""The public portal in Chromium, signed out (issue 19): search by subject and tier, open a record,
read it masked, print it without the search form, and see it gone once its publication ends — all
without a Content-Security-Policy violation; page through results, switch to English, and read it
on a phone."""
from __future__ import annotations

import re
from datetime import date

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


def test_pages_mobile_width_english_and_print(app, browser, live_server):
    """21 records: 20 on the first page, the 21st on the second; the table scrolls inside its box on a
    phone instead of widening the page; the language switch keeps the page and says in English what
    is masked; printing hides the controls and states the date it was printed."""
    with app.app_context():
        api = Api(app.test_client())
        published_record(api)
        recorder = api.as_("recorder")
        with unit_of_work():
            for n in range(20):
                case = db.session.get(Case, recorder.register(title=f"逾期支付第{n + 1}笔合同款")["id"])
                publication.open_publication(case, date(2026, 9, 1), date(2027, 9, 1))
        db.session.remove()
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1300, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/public")
        expect(page.locator("#public-total")).to_have_text("共 21 条")
        expect(page.locator("tr.public-record")).to_have_count(20)
        assert page.locator("#public-lang label").bounding_box()["height"] < 30  # "语言" on one line
        page.get_by_role("link", name="下一页").click()
        expect(page).to_have_url(re.compile(r"page=2"))
        expect(page.locator("tr.public-record")).to_have_count(1)
        expect(page.locator("tr.public-record").first).to_contain_text("2026-09-01 — 2027-08-31")  # the last day shown

        page.get_by_label("语言").select_option("en")
        page.get_by_role("button", name="切换").click()
        expect(page).to_have_url(re.compile(r"page=2"))
        expect(page.get_by_role("heading", name="Published government dishonesty records")).to_be_visible()
        expect(page.locator("#public-note")).to_contain_text(
            "Masked in them: resident ID numbers, mobile numbers, landline numbers, house numbers, civil servants' names.")
        page.get_by_label("Language").select_option("zh_CN")
        page.get_by_role("button", name="Switch").click()
        expect(page.get_by_role("heading", name="政务失信记录公开查询")).to_be_visible()

        page.emulate_media(media="print")
        expect(page.locator("#public-print-source")).to_contain_text("打印日期：2026-09-14")
        for hidden in ("#public-print", "#public-search", "#public-lang", "nav.navbar"):
            expect(page.locator(hidden)).to_be_hidden()
        page.emulate_media(media="screen")
        expect(page.locator("#public-print-source")).to_be_hidden()

        phone = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 390, "height": 800})
        try:
            small = phone.new_page()
            small.goto("/public")
            expect(small.locator("tr.public-record")).to_have_count(20)
            assert small.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        finally:
            phone.close()
    finally:
        context.close()
