"""The case page in the reader's language (issue 20): in English the timeline (written in
Chinese when the steps happened), the diagram's labels and its lanes (named by role, not by role
code) read in English; the diagram opens at a readable size on the current step, zooms with its
buttons and shows the whole process on request; its legend names done, current and overdue."""
import re
from datetime import datetime

from playwright.sync_api import expect

from app.core.clock import LOCAL_TZ
from tests.support import Api


def _registered_and_approved(app):
    with app.app_context():
        api = Api(app.test_client())
        case = api.as_("recorder").register()
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
        return case


def _zoom(page) -> float:
    return float(page.locator("#diagram").get_attribute("data-zoom"))


def test_the_diagram_opens_readable_on_the_current_step_and_zooms(app, login_as):
    case = _registered_and_approved(app)
    page = login_as("handler.fgw")
    page.goto(f"/cases/{case['id']}")
    expect(page.locator("#diagram[data-ready='1']")).to_be_attached()
    expect(page.locator("#diagram-legend")).to_contain_text("已完成")
    expect(page.locator("#diagram-legend")).to_contain_text("当前待办")
    expect(page.locator("#diagram-legend")).to_contain_text("已逾期")
    opened = _zoom(page)
    assert opened >= 0.8  # labels of 12 px stay ≥ 9.6 px on screen
    current = page.locator('#diagram [data-element-id="respond_notice"]')
    box, frame = current.bounding_box(), page.locator("#diagram").bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]  # in view
    assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
    page.get_by_role("button", name="放大").click()
    expect(page.locator("#diagram")).not_to_have_attribute("data-zoom", f"{opened:.2f}")
    assert _zoom(page) > opened
    page.get_by_role("button", name="缩小").click()
    page.get_by_role("button", name="缩小").click()
    assert _zoom(page) < opened
    page.get_by_role("button", name="全图").click()
    whole = _zoom(page)
    assert whole < 0.8  # the whole record process is far larger than the box
    page.get_by_role("button", name="当前步骤").click()
    assert abs(_zoom(page) - opened) < 0.01
    # the lanes are named by their role, in the reader's language
    lanes = page.locator("#diagram .djs-element[data-element-id^='Lane_'] .djs-label, "
                         "#diagram .djs-element[data-element-id^='Lane_'] text")
    expect(lanes.filter(has_text="审核员").first).to_be_attached()
    expect(lanes.filter(has_text="reviewer")).to_have_count(0)


def test_overdue_steps_are_marked_overdue(app, login_as, tick):
    with app.app_context():
        case = Api(app.test_client()).as_("recorder").register()
    tick(datetime(2026, 10, 20, 9, 0, tzinfo=LOCAL_TZ))  # the entry review's working days are long past
    page = login_as("reviewer")
    page.goto(f"/cases/{case['id']}")
    expect(page.locator("#diagram[data-ready='1']")).to_be_attached()
    expect(page.locator('#diagram .djs-element.overdue[data-element-id="entry_review"]')).to_be_attached()
    expect(page.locator('#diagram .djs-element.current')).to_have_count(0)


def test_in_english_the_timeline_and_the_diagram_read_in_english(app, login_as):
    case = _registered_and_approved(app)
    page = login_as("handler.fgw")
    page.goto(f"/cases/{case['id']}")
    page.get_by_role("button", name="English").click()
    try:
        expect(page.get_by_role("heading", name="History")).to_be_visible()
        timeline = page.locator("#timeline")
        expect(timeline).to_contain_text("completed: Entry review")
        expect(timeline).to_contain_text("registered: 拖欠中标企业合同款")  # the title is the recorder's own words
        expect(timeline).not_to_contain_text("办理：")
        expect(timeline).not_to_contain_text("登记：")
        steps = page.locator("#timeline .engine-steps").first
        steps.locator("summary").click()
        expect(steps).to_contain_text("New task: Object or confirm (Handler)")
        expect(page.locator("#diagram[data-ready='1']")).to_be_attached()
        labels = page.locator("#diagram").inner_text()
        assert "Object or confirm" in labels and "异议或确认" not in labels
        assert re.search(r"Handler", labels) and "handler" not in labels
        expect(page.locator("#diagram-legend")).to_contain_text("Overdue")
        # the API reads the same sentences in the user's language
    finally:
        page.get_by_role("button", name="中文").click()
    expect(page.locator("#timeline")).to_contain_text("办理：录入审核")
