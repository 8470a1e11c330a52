"""Typed text as the browser sends it (issue 14, finding 2): a note of exactly `maxlength`
characters with line breaks (the browser counts a line break once, then sends "\r\n") is accepted,
and a refused note (only ideographic spaces, which `required` lets through) comes back with its
text kept in the textarea."""
from playwright.sync_api import expect

from tests.support import Api


def test_a_note_the_browser_allows_is_accepted_and_a_refused_one_keeps_its_text(login_as, client):
    with client.application.app_context():
        case_id = Api(client).as_("recorder").register()["id"]
    page = login_as("reviewer")
    page.goto(f"/cases/{case_id}")
    text = "行\n" * 999 + "行行"  # 1001 characters and 999 line breaks: 2000, the textarea's maxlength
    page.locator("#note-text").fill(text)
    assert page.locator("#note-text").evaluate("el => el.value.length") == 2000
    page.locator("#note-form button[type=submit]").click()
    expect(page.locator("#note-list .note-text")).to_have_count(1)
    expect(page.locator(".alert-danger")).to_have_count(0)
    page.locator("#note-text").fill("　　")
    page.locator("#note-form button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_contain_text("“批注内容”为必填项")
    expect(page.locator("#note-text")).to_have_value("　　")
    page.locator("#note-text").fill("请核对付款凭证\u202e")
    page.locator("#note-form button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_contain_text("含有控制字符")
    expect(page.locator("#note-text")).to_have_value("请核对付款凭证\u202e")
