"""A field some choices require says so as the choice is made, and only then (issue 20): the
entry review's opinion is required when returning or exempting, not when approving; choosing
更正 in the objection review marks the corrected facts and tier required; a checkbox that may be
left unticked carries no asterisk. The server validates the same JSON Schema (if/then)."""
from playwright.sync_api import expect

from tests.support import Api


def _mark(page, field):
    return page.locator(f'.required-mark[data-required-mark="{field}"]')


def test_the_review_opinion_is_required_only_when_returning_or_exempting(app, login_as):
    with app.app_context():
        case = Api(app.test_client()).as_("recorder").register()
    page = login_as("reviewer")
    page.goto("/tasks?tab=available")
    page.locator("#task-table tr", has=page.get_by_role("link", name=case["number"])).get_by_role("link", name="办理").click()
    opinion = page.get_by_label("审核意见")
    expect(_mark(page, "review_opinion")).to_be_hidden()
    expect(opinion).not_to_have_attribute("aria-required", "true")
    page.get_by_label("审核结论").select_option("return")
    expect(_mark(page, "review_opinion")).to_be_visible()
    expect(opinion).to_have_attribute("aria-required", "true")
    # the server asks for what the page marked
    page.get_by_role("button", name="提交").click()
    expect(page.locator("[data-field=review_opinion] .invalid-feedback")).to_contain_text("须写明审核意见")
    expect(_mark(page, "review_opinion")).to_be_visible()  # re-rendered with the choice made
    page.get_by_label("审核结论").select_option("approve")
    expect(_mark(page, "review_opinion")).to_be_hidden()
    expect(opinion).not_to_have_attribute("aria-required", "true")
    page.get_by_role("button", name="提交").click()  # approving needs no opinion
    expect(page.get_by_role("status").first).to_contain_text("等待经办人办理“异议或确认”")


def test_choosing_correct_marks_the_corrected_tier_and_an_optional_checkbox_has_no_asterisk(app, login_as):
    with app.app_context():
        api = Api(app.test_client())
        case = api.as_("recorder").register()
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve"})
        api.as_("handler.fgw").complete(case["id"], "respond_notice", {
            "response": "object", "objection_grounds": "款项已支付", "commitment": True})
    page = login_as("reviewer")
    page.goto("/tasks?tab=available")
    page.locator("#task-table tr", has=page.get_by_role("link", name=case["number"])).filter(
        has_text="异议审查").get_by_role("link", name="办理").click()
    expect(_mark(page, "corrected_tier")).to_be_hidden()
    expect(_mark(page, "corrected_facts")).to_be_hidden()
    page.get_by_label("审查结论").select_option("correct")
    expect(_mark(page, "corrected_tier")).to_be_visible()
    expect(_mark(page, "corrected_facts")).to_be_visible()
    expect(page.locator("[data-field=corrected_tier] .field-help")).to_contain_text("结论为更正时必填")
    page.get_by_label("审查结论").select_option("uphold")
    expect(_mark(page, "corrected_tier")).to_be_hidden()
    # a free-text reason filled in makes its decision field required (dependentRequired)
    page.get_by_label("免责容错决定", exact=True).select_option("lighter")
    expect(_mark(page, "exemption_reasons")).to_be_visible()

    # the publication decision's checkbox may be left unticked: no asterisk
    with app.app_context():
        api.as_("reviewer").complete(case["id"], "objection_review", {"objection_outcome": "uphold", "reply_reasons": "维持"})
    page.goto("/tasks?tab=available")
    page.locator("#task-table tr", has=page.get_by_role("link", name=case["number"])).filter(
        has_text="公开决定").get_by_role("link", name="办理").click()
    expect(page.locator("[data-field=publish] .required-mark")).to_have_count(0)
    expect(page.locator("[data-field=decision_note] .required-mark")).to_be_visible()
