"""The case file in a real browser (issue 14): the reviewer decides the entry review on its task
page, finds the decision with their opinion in the case page's 决定与意见, adds an internal note,
and reads the timeline by kind — plain links and <details>, no script needed."""
from playwright.sync_api import expect

from app.core.extensions import db
from tests.support import Api


def test_reviewer_sees_the_entry_review_opinion_in_the_decisions_and_adds_a_note(app, login_as):
    with app.app_context():
        case = Api(app.test_client()).as_("recorder").register()
        db.session.remove()
    reviewer = login_as("reviewer")
    reviewer.goto(f"/cases/{case['id']}")
    expect(reviewer.locator("#no-decisions")).to_have_text("尚无决定")
    reviewer.get_by_role("link", name="录入审核").click()
    reviewer.get_by_label("审核结论").select_option("approve")
    reviewer.get_by_label("审核意见").fill("事实清楚，证据充分，同意入库")
    reviewer.get_by_role("button", name="提交").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("等待经办人办理“异议或确认”")

    reviewer.goto(f"/cases/{case['id']}")
    decision = reviewer.locator("#decisions .decision")
    expect(decision).to_have_count(1)
    expect(decision).to_contain_text("入库审核")
    expect(decision).to_contain_text("通过，告知被记录单位")
    expect(decision.locator(".decision-reasons")).to_have_text("事实清楚，证据充分，同意入库")
    expect(decision).to_contain_text("审核员 李娜")
    expect(decision.locator(".decision-basis")).to_contain_text("沪府发〔2017〕92号")

    reviewer.get_by_label("添加批注").fill("告知书已寄出，留意签收回执")
    reviewer.get_by_role("button", name="添加批注").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("已添加批注")
    expect(reviewer.locator("#note-list .note-text")).to_have_text(["告知书已寄出，留意签收回执"])

    # The timeline: engine steps folded under the decision, opened on demand; filters are links.
    steps = reviewer.locator("#timeline > li[data-kind='decision.recorded'] details")
    expect(steps.locator(".timeline-steps")).not_to_be_visible()
    steps.locator("summary").click()
    expect(steps.locator(".timeline-steps li[data-kind='status.changed']")).to_be_visible()
    reviewer.locator("#timeline-filter").get_by_role("link", name="批注").click()
    expect(reviewer.locator("#timeline > li")).to_have_count(1)
    expect(reviewer.locator("#timeline > li")).to_contain_text("告知书已寄出，留意签收回执")
    reviewer.locator("#timeline-filter").get_by_role("link", name="决定").click()
    expect(reviewer.locator("#timeline > li")).to_have_count(1)
    expect(reviewer.locator("#timeline > li")).to_contain_text("入库审核：通过，告知被记录单位")
