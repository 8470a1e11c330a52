"""/api/docs in Chromium: Swagger UI, served from app/static/vendor, renders every operation of the
generated spec under the Content-Security-Policy (no inline script or style) with no violation."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_csp_ui import REPORT_VIOLATIONS


def test_docs_page_renders_every_operation_without_csp_violations(browser, live_server, client):
    operations = sum(len(methods) for methods in client.get("/api/v1/openapi.json").get_json()["paths"].values())
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    violations: list[str] = []
    foreign: list[str] = []
    context.expose_function("__cspViolation", lambda text: violations.append(text))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.on("request", lambda r: r.url.startswith(live_server) or foreign.append(r.url))
    try:
        page.goto("/api/docs")
        expect(page.locator(".opblock")).to_have_count(operations, timeout=20_000)
        expect(page.locator(".info .title")).to_contain_text("诚信 Chengxin API")
        page.locator(".opblock-summary", has_text="/api/v1/cases/{case_id}").first.click()  # expands an operation
        expect(page.locator(".opblock-body").first).to_be_visible()
        expect(page.locator(".opblock-body").first).to_contain_text("404")
    finally:
        context.close()
    assert violations == []
    assert foreign == []  # no CDN: every asset from the app itself
