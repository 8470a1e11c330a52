"""The print view of the case file in Chromium (issue 14): opened from the case page, it shows the
file's sections with each document's version status; its print button prints (through app.js,
no inline script), and on paper the navigation and buttons are gone — without any violation of
the Content-Security-Policy."""
from __future__ import annotations

import subprocess

from playwright.sync_api import expect

from app.core.extensions import db
from tests.support import Api
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


# Long unbroken strings (issue 14: “an 80-character number, a long URL in the facts”): a title, an
# opinion and facts without a break opportunity.
LONG_TITLE = "长串标题" + "X" * 110
LONG_OPINION = "同意" + "Z" * 200
LONG_FACTS = "见 https://example.gov.cn/" + "a" * 150 + "?q=" + "1234567890" * 8


def _overflowing(page, container: str) -> list[str]:
    """Text elements inside `container` whose box runs past the container's right edge."""
    return page.evaluate("""(sel) => { const out = [];
      for (const box of document.querySelectorAll(sel)) { const edge = box.getBoundingClientRect().right + 1;
        for (const el of box.querySelectorAll('*')) {
          if (el.children.length === 0 && el.textContent.trim() && el.getBoundingClientRect().right > edge)
            out.push(el.tagName + ': ' + el.textContent.trim().slice(0, 30)); } }
      return out; }""", container)


def test_long_unbroken_strings_wrap_on_the_case_and_task_pages_and_in_the_printed_file(app, login_as, tmp_path):
    with app.app_context():
        api = Api(app.test_client())
        case = api.as_("recorder").register(title=LONG_TITLE, facts=LONG_FACTS)
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": LONG_OPINION})
        db.session.remove()
    handler = login_as("handler.fgw")
    handler.set_viewport_size({"width": 1200, "height": 900})
    handler.goto(f"/cases/{case['id']}")
    assert _overflowing(handler, "main .card") == []
    handler.locator("#open-tasks").get_by_role("link", name="异议或确认").click()
    expect(handler.locator("#task-title")).to_be_visible()
    assert _overflowing(handler, "main .card") == []

    handler.goto(f"/cases/{case['id']}/print")
    assert _overflowing(handler, "#case-file") == []
    handler.emulate_media(media="print")
    pdf = tmp_path / "case-file.pdf"
    handler.pdf(path=str(pdf), format="A4")
    # pdftotext leaves out what is clipped at the page's edge: wherever a string starts (the summary,
    # the decisions, the steps' submissions), it is there in full.
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    for value in (LONG_TITLE, LONG_OPINION, LONG_FACTS.replace(" ", "")):
        assert text.count(value) == text.count(value[:8]) >= 2, value[:8]
