"""Rules in a real browser (issue 17): a designer changes the general tier's maximum publication
window by typing in the dmn-js decision table, sees the change against the version in force and
the decision tests that now fail, and saves the draft; a rule approver publishes it effective
tomorrow (a date before today is refused on the form). A case whose source decision was taken
today keeps the old window, one decided after the effective date gets the new one, and each case's
timeline names the decision, its version and the row. No Content-Security-Policy violation on the
way."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from app.core.clock import clock
from app.core.extensions import db
from app.org.models import User
from tests.browser.test_csp_ui import watched  # noqa: F401  (fixture: login_as recording CSP violations)
from tests.test_record_lifecycle import registered_and_notified
from tests.support import Api

KEY = "publication_window"


def table_cell(page, row_text: str, column_title: str):
    """The cell of the decision table in the rule whose input reads `row_text`, under the column
    titled `column_title` — found as a person reads the table."""
    column = page.locator("#rules-table th[data-col-id]", has_text=column_title).get_attribute("data-col-id")
    row = page.locator("#rules-table td.input-cell", has_text=row_text).first.get_attribute("data-row-id")
    return page.locator(f'#rules-table td[data-row-id="{row}"][data-col-id="{column}"]')


def notified_and_accepted(app, decided_on: str) -> int:
    """A general-tier record whose source decision was taken on `decided_on`, registered, approved and
    accepted by its unit (through the API): it waits for the reviewer's publication decision."""
    with app.app_context():
        api = Api(app.test_client())
        case_id = registered_and_notified(api, occurred_on="2026-09-01", decided_on=decided_on)
        api.as_("handler.fgw").complete(case_id, "respond_notice", {"response": "accept"})
        db.session.remove()
    return case_id


def decide_publication(reviewer, case_id: int):
    """The reviewer's publication decision on the task page; then the case page, with the engine
    steps that followed it (the business rule task among them) unfolded."""
    reviewer.goto(f"/cases/{case_id}")
    reviewer.get_by_role("link", name="公开决定").click()
    reviewer.get_by_label("在政务失信记录公开查询网站公开该记录").check()
    reviewer.get_by_label("决定说明").fill("一般失信，依规公开")
    reviewer.get_by_role("button", name="提交").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("公开中")
    reviewer.goto(f"/cases/{case_id}")
    reviewer.locator("#timeline details:has(li[data-kind='rule.applied'])").first.locator("summary").click()


def publication_period(page):
    return page.locator("dt", has_text="公开期").locator("xpath=following-sibling::dd[1]")


def rule_line(page, decision: str):
    """The timeline's line of the business rule task that applied `decision`."""
    line = page.locator("#timeline li[data-kind='rule.applied']", has_text=f"（{decision}）")
    expect(line).to_be_visible()
    return line


def test_a_rule_changed_in_the_table_applies_to_cases_decided_from_its_effective_date(app, watched):  # noqa: F811
    today = clock.today()
    tomorrow = today + timedelta(days=1)

    designer = watched("designer")
    designer.get_by_role("link", name="决策规则").click()
    row = designer.locator(f'#decisions tr[data-key="{KEY}"]')
    expect(row.locator('[data-cell="in-force"]')).to_have_text("第 1 版 · 2026-04-01 起施行")
    row.get_by_role("link", name="打开编辑器").click()
    expect(designer.locator("#rules-status")).to_have_text("已加载“失信信息公开期限”", timeout=20_000)
    expect(designer.locator("#rules-table")).to_contain_text("命中策略")  # dmn-js in Chinese

    cell = table_cell(designer, '"general"', "最长公开期（月）")
    expect(cell).to_have_text("12")
    cell.click()
    designer.keyboard.press("Control+A")
    designer.keyboard.type("24")
    designer.locator("#rules-status").click()  # leave the cell
    expect(cell).to_have_text("24")
    expect(designer.locator("#rules-dirty")).to_be_visible()

    designer.get_by_role("button", name="变更摘要").click()
    changed = designer.locator('#rule-summary li[data-change="changed"]')
    expect(changed).to_have_count(1)
    expect(changed).to_have_text("修改第 2 行：最长公开期（月） = 12 → 24")
    expect(designer.locator("#rule-summary")).to_contain_text("与现行版本（第 1 版）相比")

    designer.get_by_role("button", name="运行决策测试").click()
    results = designer.locator("#rule-tests-table tbody tr")
    expect(results).to_have_count(4)
    failed = designer.locator('#rule-tests-table tbody tr[data-passed="0"]')
    expect(failed).to_have_count(2)
    expect(failed.first).to_contain_text("未通过")
    expect(failed.first).to_contain_text("max_months = 24")  # actual
    expect(failed.first).to_contain_text("max_months = 12")  # expected
    expect(designer.locator('#rule-tests-table tbody tr[data-passed="1"]')).to_have_count(2)

    designer.get_by_role("button", name="保存草稿").click()
    expect(designer.locator("#rules-status")).to_have_text("已保存草稿：第 2 版")
    expect(designer.locator("#rules-dirty")).to_be_hidden()

    approver = watched("approver")
    approver.get_by_role("link", name="决策规则").click()
    approver.locator(f'#decisions tr[data-key="{KEY}"]').get_by_role("link", name="版本历史").click()
    card = approver.locator("#draft-2")
    expect(card.locator('li[data-change="changed"]')).to_have_text("修改第 2 行：最长公开期（月） 12 → 24")
    approver.on("dialog", lambda dialog: dialog.accept())  # the form's confirmation
    card.get_by_label("生效日期").fill((today - timedelta(days=1)).isoformat())
    card.get_by_label("发布说明").fill("一般失信最长公开期延长至两年")
    card.get_by_role("button", name="发布第 2 版").click()
    card = approver.locator("#draft-2")
    expect(card.locator("#effective-2-error")).to_contain_text("生效日期不能早于今天")
    expect(card.get_by_label("发布说明")).to_have_value("一般失信最长公开期延长至两年")
    card.get_by_label("生效日期").fill(tomorrow.isoformat())
    card.get_by_role("button", name="发布第 2 版").click()
    expect(approver.get_by_role("status").first).to_contain_text(f"已发布第 2 版，{tomorrow.isoformat()} 起施行")
    expect(approver.locator('#rule-versions tr[data-version="2"]')).to_have_attribute("data-state", "scheduled")
    expect(approver.locator('#rule-versions tr[data-version="1"]')).to_have_attribute("data-state", "in_force")

    # Source decisions taken today and tomorrow; both publication decisions are made tomorrow.
    decided_today = notified_and_accepted(app, today.isoformat())
    clock.set(clock.now() + timedelta(days=1))
    decided_tomorrow = notified_and_accepted(app, tomorrow.isoformat())
    reviewer = watched("reviewer")

    decide_publication(reviewer, decided_today)
    # counted from the source decision's date (issue 18): decided today, published tomorrow
    expect(publication_period(reviewer)).to_contain_text(f"{tomorrow.isoformat()} — 2027-09-14")
    line = rule_line(reviewer, KEY)
    expect(line).to_contain_text("失信信息公开期限（publication_window）第 1 版（2026-04-01 起施行），第 2 行")
    expect(line).to_contain_text("max_months = 12")

    decide_publication(reviewer, decided_tomorrow)
    expect(publication_period(reviewer)).to_contain_text(f"{tomorrow.isoformat()} — 2028-09-15")
    line = rule_line(reviewer, KEY)
    expect(line).to_contain_text(f"失信信息公开期限（publication_window）第 2 版（{tomorrow.isoformat()} 起施行），第 2 行")
    expect(line).to_contain_text("max_months = 24")

    approver.goto(f"/rules/{KEY}")
    expect(approver.locator('#rule-versions tr[data-version="2"]')).to_have_attribute("data-state", "in_force")
    assert watched.violations == [], "\n".join(watched.violations)


def test_a_refused_draft_lists_its_problems_by_row_and_marks_the_row(watched):  # noqa: F811
    """A cell the sandbox refuses: nothing is saved, the problem names its row, and choosing it
    marks that rule in the table."""
    designer = watched("designer")
    designer.goto(f"/rules/{KEY}/edit")
    expect(designer.locator("#rules-status")).to_have_text("已加载“失信信息公开期限”", timeout=20_000)
    cell = table_cell(designer, '"serious"', "失信程度")
    cell.click()
    designer.keyboard.press("Control+A")
    designer.keyboard.type("__import__('os').system('id')")
    designer.locator("#rules-status").click()
    designer.get_by_role("button", name="保存草稿").click()
    expect(designer.locator("#rules-status")).to_contain_text("草稿未保存")
    problem = designer.locator("#rule-problems .problem[data-row='3']")
    expect(problem.first).to_contain_text("第 3 行")
    problem.first.click()
    row = cell.get_attribute("data-row-id")
    expect(designer.locator(f'#rules-table td.cx-marked-row[data-row-id="{row}"]').first).to_be_visible()
    designer.get_by_role("button", name="校验").click()
    expect(designer.locator("#rules-status")).to_contain_text("校验发现")
    designer.goto(f"/rules/{KEY}")
    expect(designer.locator("#rule-versions tbody tr")).to_have_count(1)  # no draft was saved
    assert watched.violations == [], "\n".join(watched.violations)


def test_the_editor_speaks_english_to_a_user_who_chose_it(app, login_as):
    with app.app_context():
        db.session.execute(db.update(User).where(User.username == "approver").values(locale="en"))
        db.session.commit()
        db.session.remove()
    approver = login_as("approver")
    approver.get_by_role("link", name="Decision rules").click()
    approver.locator(f'#decisions tr[data-key="{KEY}"]').get_by_role("link", name="Open editor").click()
    expect(approver.locator("#rules-status")).to_have_text("Loaded “失信信息公开期限”", timeout=20_000)
    expect(approver.locator("#rules-table")).to_contain_text("Hit policy")
    expect(approver.locator("#rules-table")).not_to_contain_text("命中策略")
    expect(approver.get_by_role("button", name="Save draft")).to_have_count(0)  # approvers do not draft
    approver.get_by_role("button", name="Run decision tests").click()
    expect(approver.locator("#rules-status")).to_have_text("Decision tests: 4 passed, 0 failed")
    expect(approver.locator("#rule-tests-table thead")).to_contain_text("Expected")
    expect(approver.locator('#rule-tests-table tbody tr[data-passed="1"]').first).to_contain_text("Passed")


def test_every_shipped_table_opens_in_the_editor_and_passes_its_decision_tests(login_as):
    """Single-hit and COLLECT tables alike: dmn-js loads each one (rules, per-district rows), and its
    decision tests pass against the table as the editor writes it back."""
    designer = login_as("designer")
    designer.goto("/rules")
    keys = designer.locator("#decisions tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert keys == ["complaint_thresholds", "exemption_grounds", "masking_rules", "publication_window", "record_deadlines",
                    "sanction_deadlines", "sanction_measures", "warning_deadlines"]
    for key in keys:
        designer.goto(f"/rules/{key}/edit")
        expect(designer.locator("#rules-status")).to_contain_text("已加载", timeout=20_000)
        expect(designer.locator("#rules-table td.input-cell").first).to_be_visible()
        designer.get_by_role("button", name="运行决策测试").click()
        expect(designer.locator("#rules-status")).to_contain_text("个通过，0 个未通过")
        expect(designer.locator('#rule-tests-table tbody tr[data-passed="0"]')).to_have_count(0)
