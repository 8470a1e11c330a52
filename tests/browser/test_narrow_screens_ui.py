"""On a phone (390 px wide, issue 20): the inbox does not scroll sideways and shows each task's
deadline and actions, however long its title; the task page and the case page do not scroll
sideways either, and their form, submit button and diagram controls are on screen."""
from playwright.sync_api import expect

from tests.support import Api

PHONE = {"width": 390, "height": 844}
LONG = "拖欠中标企业合同款" * 6 + "（涉及2026年度政府采购项目第17标段的验收与付款）"


def _no_sideways_scrolling(page):
    width, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
    assert width <= inner, (width, inner)


def _on_screen(locator, page):
    box = locator.bounding_box()
    assert box is not None and box["width"] > 0
    assert 0 <= box["x"] and box["x"] + box["width"] <= page.viewport_size["width"], box


def test_the_inbox_on_a_phone_shows_deadline_and_actions_without_sideways_scrolling(app, login_as):
    with app.app_context():
        api = Api(app.test_client())
        long_case = api.as_("recorder").register(title=LONG)
        api.as_("recorder").register(title="短标题")
    page = login_as("reviewer")
    page.set_viewport_size(PHONE)
    page.goto("/tasks?tab=available")
    expect(page.locator("#task-table tbody tr")).to_have_count(2)
    _no_sideways_scrolling(page)
    for row in page.locator("#task-table tbody tr").all():
        _on_screen(row.locator("[data-due]"), page)
        _on_screen(row.get_by_role("link", name="办理"), page)
        _on_screen(row.get_by_role("button", name="认领"), page)
    row = page.locator(f"#task-table tr[data-case='{long_case['number']}']")
    expect(row).to_contain_text("拖欠中标企业合同款")
    _on_screen(row.get_by_role("link", name=long_case["number"]), page)
    # the actions work as on a desk: claim, then open
    row.get_by_role("button", name="认领").click()
    expect(row.get_by_role("button", name="释放")).to_be_visible()
    _no_sideways_scrolling(page)
    row.get_by_role("link", name="办理").click()
    expect(page.get_by_role("heading", name="录入审核")).to_be_visible()
    _no_sideways_scrolling(page)
    page.locator("#to-task-form").click()
    _on_screen(page.get_by_label("审核结论"), page)
    submit = page.get_by_role("button", name="提交")
    submit.scroll_into_view_if_needed()
    _on_screen(submit, page)


def test_the_case_page_on_a_phone(app, login_as):
    with app.app_context():
        case = Api(app.test_client()).as_("recorder").register(title=LONG)
    page = login_as("reviewer")
    page.set_viewport_size(PHONE)
    page.goto(f"/cases/{case['id']}")
    expect(page.locator("#diagram[data-ready='1']")).to_be_attached()
    _no_sideways_scrolling(page)
    page.locator("#diagram-card").scroll_into_view_if_needed()
    for name in ("缩小", "放大", "当前步骤", "全图"):
        _on_screen(page.get_by_role("button", name=name), page)
    _on_screen(page.locator("#diagram"), page)
    _on_screen(page.locator('#diagram [data-element-id="entry_review"]'), page)
