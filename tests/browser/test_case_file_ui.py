"""The print view of the case file in Chromium (issue 14): opened from the case page, it shows the
file's sections with each document's version status; its print button prints (through app.js,
no inline script), and on paper the navigation and buttons are gone — without any violation of
the Content-Security-Policy."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.test_case_file_export import full_case_file

FAKE_PRINT = "window.print = () => { window.__printed = (window.__printed || 0) + 1; };"


def test_the_print_view_opens_from_the_case_page_and_prints_only_the_file(app, login_as):
    c = full_case_file(app)
    page = login_as("handler.fgw")
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.context.add_init_script(FAKE_PRINT)  # Chromium's print dialog would block a headless run
    page.goto(f"/cases/{c['case_id']}")
    page.get_by_role("link", name="打印卷宗").click()
    page.wait_for_url(f"**/cases/{c['case_id']}/print")
    expect(page.get_by_role("heading", name="案件卷宗")).to_be_visible()
    for heading in ("案件概况", "文书", "证据材料", "办理记录"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    documents = page.locator("#print-documents tbody tr")
    expect(documents.filter(has_text="已更正（旧版）")).to_have_count(1)
    expect(documents.filter(has_text="现行")).to_have_count(2)  # the corrected notification and the report
    expect(page.locator("#print-attachments")).to_contain_text("异议或确认")
    expect(page.locator("#case-facts")).to_have_text(c["facts"])

    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(page.locator("#print-documents")).to_be_visible()
    assert violations == []
