"""Scope, validation, claiming and language in the browser."""
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.cases.models import Case
from app.core.extensions import db
from tests.support import Api


def notified_case(client):
    with client.application.app_context():
        api = Api(client)
        case = api.as_("recorder").register()
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
        task = api.as_("handler.fgw").task_for(case["id"], "respond_notice")
        return case, task


def test_a_handler_of_another_department_cannot_see_the_case_or_its_tasks(login_as, client):
    case, task = notified_case(client)
    other = login_as("handler.czj")
    expect(other.locator("#empty-inbox")).to_be_visible()
    response = other.goto(f"/cases/{case['id']}")
    assert response.status == 404
    expect(other.get_by_role("heading", name="页面不存在")).to_be_visible()
    assert other.goto(f"/tasks/{task['id']}").status == 404
    assert other.goto(f"/cases/{case['id']}/diagram").status == 404
    other.goto("/cases")
    expect(other.get_by_text("没有符合条件的案件")).to_be_visible()


def test_a_form_error_is_shown_beside_the_field_and_nothing_is_saved(login_as, client):
    case, task = notified_case(client)
    handler = login_as("handler.fgw")
    handler.goto(f"/tasks/{task['id']}")
    handler.get_by_label("答复").select_option("object")
    handler.get_by_label("异议理由").fill("")
    handler.get_by_role("button", name="提交").click()
    field = handler.locator("[data-field=objection_grounds]")
    expect(field.locator(".invalid-feedback")).to_have_text("“异议理由”为必填项")
    expect(handler.get_by_label("异议理由")).to_have_attribute("aria-invalid", "true")
    expect(handler.get_by_label("答复")).to_have_value("object")  # what was entered is kept
    handler.goto(f"/cases/{case['id']}")
    expect(handler.locator(".status-badge").first).to_have_text("已告知")
    expect(handler.locator("#open-tasks [data-element=respond_notice]")).to_have_count(1)


def test_registration_errors_keep_the_values_and_create_no_case(login_as, client):
    recorder = login_as("recorder")
    recorder.goto("/cases/new")
    recorder.get_by_label("记录标题").fill("只填了标题")
    recorder.get_by_role("button", name="提交登记").click()
    expect(recorder.locator("[data-field=tier] .invalid-feedback")).to_have_text("“失信程度”为必填项")
    expect(recorder.get_by_label("记录标题")).to_have_value("只填了标题")
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_claim_and_release_from_the_inbox_list(login_as, client):
    case, task = notified_case(client)
    handler = login_as("handler.fgw")
    handler.goto("/tasks?tab=available")
    row = handler.locator(f"#task-{task['id']}")
    row.get_by_role("button", name="认领").click()
    expect(row.get_by_role("button", name="释放")).to_be_visible()  # swapped in place by htmx
    expect(handler.locator(f"#task-{task['id']}")).to_contain_text("经办人 张伟")
    handler.goto("/tasks?tab=mine")
    expect(handler.locator("[data-count=mine]")).to_have_text("1")
    handler.locator(f"#task-{task['id']}").get_by_role("button", name="释放").click()
    expect(handler.locator(f"#task-{task['id']}").get_by_role("button", name="认领")).to_be_visible()
    handler.goto("/tasks?tab=mine")
    expect(handler.locator("[data-count=mine]")).to_have_text("0")


def test_language_switch_to_english_and_back(login_as):
    """One click, on the page itself (issue 20: it took opening a menu, choosing and confirming)."""
    page = login_as("reviewer")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.get_by_role("link", name="Cases")).to_be_visible()
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone too, without opening the menu
    expect(page.get_by_role("button", name="English")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    page.get_by_role("button", name="中文").click()


def test_logout_and_pages_require_login(login_as, browser, live_server):
    page = login_as("reviewer")
    page.locator("#whoami").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_text("您已安全退出")).to_be_visible()
    page.goto("/cases")
    expect(page).to_have_url(f"{live_server}/login?next=%2Fcases")
    expect(page.get_by_text("请先登录")).to_be_visible()
