"""The inbox in a real browser (issue 20, "Inbox and search"): searching by case number with the
deadline in working days, a claim moving the task from 可认领 to 我的待办 at once, claiming several,
a supervisor reassigning several, the next task offered after a submission, and saved filters."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.core.extensions import db
from app.org.models import Department, User
from tests.support import Api


def records(app, n: int) -> list[dict]:
    """`n` records registered on Mon 2026-09-14: `n` entry reviews due by Sun 09-20 (a worked day)."""
    with app.app_context():
        recorder = Api(app.test_client()).as_("recorder")
        cases = [recorder.register(title=f"拖欠合同款 {i}") for i in range(n)]
        db.session.remove()
    return cases


def tasks_of(app, cases: list[dict]) -> list[dict]:
    with app.app_context():
        reviewer = Api(app.test_client()).as_("reviewer")
        found = [reviewer.task_for(case["id"], "entry_review") for case in cases]
        db.session.remove()
    return found


def test_search_by_case_number_shows_the_deadline_in_working_days(app, login_as):
    cases = records(app, 3)
    reviewer = login_as("reviewer")
    reviewer.goto("/tasks?tab=available")
    expect(reviewer.locator("#task-table tbody tr")).to_have_count(3)
    reviewer.get_by_label("搜索").fill(cases[1]["number"])
    reviewer.get_by_role("button", name="筛选", exact=True).click()
    rows = reviewer.locator("#task-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-case", cases[1]["number"])
    expect(rows.first.locator(".due-badge")).to_have_text("剩 5 个工作日（2026-09-20 前）")
    reviewer.get_by_label("搜索").fill("发改")  # the subject unit by its abbreviation
    reviewer.get_by_role("button", name="筛选", exact=True).click()
    expect(rows).to_have_count(3)


def test_a_claimed_task_moves_from_available_to_mine_at_once(app, login_as):
    first, second = tasks_of(app, records(app, 2))
    reviewer = login_as("reviewer")
    reviewer.goto("/tasks?tab=available")
    expect(reviewer.locator("[data-count=available]")).to_have_text("2")
    expect(reviewer.locator("[data-count=mine]")).to_have_text("0")
    reviewer.locator(f"#task-{first['id']}").get_by_role("button", name="认领").click()
    expect(reviewer.locator(f"#task-{first['id']}")).to_have_count(0)  # gone from 可认领 without a reload
    expect(reviewer.locator(f"#task-{second['id']}")).to_be_visible()
    expect(reviewer.locator("[data-count=available]")).to_have_text("1")
    expect(reviewer.locator("[data-count=mine]")).to_have_text("1")
    status = reviewer.locator("#inbox-status")
    expect(status).to_contain_text("已认领任务，已移到“我的待办”")
    status.get_by_role("link", name="查看我的待办").click()
    mine = reviewer.locator(f"#task-{first['id']}")
    expect(mine).to_contain_text("审核员 李娜")
    mine.get_by_role("button", name="释放").click()  # and back
    expect(mine).to_have_count(0)
    expect(reviewer.locator("[data-count=mine]")).to_have_text("0")
    expect(reviewer.locator("[data-count=available]")).to_have_text("2")


def test_claiming_several_tasks_with_one_click(app, login_as):
    tasks = tasks_of(app, records(app, 3))
    reviewer = login_as("reviewer")
    reviewer.goto("/tasks?tab=available")
    reviewer.get_by_label("全选本页").check()
    reviewer.get_by_label(f"选择 {tasks[1]['case_number']} 录入审核").uncheck()
    reviewer.get_by_role("button", name="认领所选").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("已认领 2 项任务，已移到“我的待办”")
    expect(reviewer.locator("#task-table tbody tr")).to_have_count(1)
    expect(reviewer.locator(f"#task-{tasks[1]['id']}")).to_be_visible()
    expect(reviewer.locator("[data-count=mine]")).to_have_text("2")
    reviewer.locator("[data-tab=mine]").click()
    expect(reviewer.locator("#task-table tbody tr")).to_have_count(2)


def test_a_supervisor_reassigns_several_tasks(app, login_as):
    tasks = tasks_of(app, records(app, 2))
    with app.app_context():
        user = User(username="reviewer.qian", full_name="审核员 钱敏",
                    department=db.session.scalar(select(Department).where(Department.code == "xyzx")))
        user.set_password("Demo@2026")
        user.set_roles(["reviewer"])
        db.session.add(user)
        db.session.commit()
        db.session.remove()
    supervisor = login_as("supervisor")
    supervisor.goto("/tasks?tab=supervised")
    for task in tasks:
        supervisor.get_by_label(f"选择 {task['case_number']} 录入审核").check()
    supervisor.get_by_label("改派给").select_option(label="审核员 钱敏（市信用中心）")
    supervisor.once("dialog", lambda dialog: dialog.accept())
    supervisor.get_by_role("button", name="改派所选").click()
    expect(supervisor.get_by_role("status").first).to_contain_text("已将 2 项任务改派给 审核员 钱敏")
    for task in tasks:
        expect(supervisor.locator(f"#task-{task['id']}")).to_contain_text("审核员 钱敏")
    qian = login_as("reviewer.qian")
    qian.goto("/tasks?tab=mine")
    expect(qian.locator("#task-table tbody tr")).to_have_count(2)


def test_after_submitting_the_next_task_of_the_same_kind_is_offered(app, login_as):
    first, second = tasks_of(app, records(app, 2))
    reviewer = login_as("reviewer")
    reviewer.goto(f"/tasks/{first['id']}")
    reviewer.get_by_label("审核结论").select_option("approve")
    reviewer.get_by_label("审核意见").fill("事实清楚，同意")
    reviewer.get_by_role("button", name="提交").click()
    offer = reviewer.locator("#next-task")
    expect(offer).to_contain_text("下一件同类任务")
    expect(offer).to_contain_text(second["case_number"])
    expect(offer.locator(".due-badge")).to_have_text("剩 5 个工作日（2026-09-20 前）")
    offer.get_by_role("link", name="办理下一件").click()
    expect(reviewer).to_have_url(f"{reviewer.url.split('/tasks')[0]}/tasks/{second['id']}")
    reviewer.get_by_label("审核结论").select_option("approve")
    reviewer.get_by_label("审核意见").fill("事实清楚，同意")
    reviewer.get_by_role("button", name="提交").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("已提交")
    expect(reviewer.locator("#next-task")).to_have_count(0)  # none left: the list, without an offer
    expect(reviewer.get_by_role("heading", name="待办")).to_be_visible()


def test_saving_applying_and_deleting_a_filter(app, login_as):
    cases = records(app, 2)
    reviewer = login_as("reviewer")
    reviewer.goto("/tasks?tab=available")
    expect(reviewer.locator("#saved-filters")).to_contain_text("还没有保存的筛选")
    reviewer.get_by_label("搜索").fill(cases[0]["number"])
    reviewer.get_by_role("button", name="筛选", exact=True).click()
    reviewer.get_by_label("筛选名称").fill("第一件")
    reviewer.get_by_role("button", name="保存筛选").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("已保存筛选“第一件”")
    chip = reviewer.locator(".saved-filter[data-filter='第一件']")
    expect(chip.get_by_role("link", name="第一件")).to_have_attribute("aria-current", "true")

    reviewer.get_by_role("link", name="清空").click()
    expect(reviewer.locator("#task-table tbody tr")).to_have_count(2)
    chip.get_by_role("link", name="第一件").click()  # one click applies it again
    expect(reviewer.locator("#task-table tbody tr")).to_have_count(1)
    expect(reviewer.get_by_label("搜索")).to_have_value(cases[0]["number"])

    reviewer.once("dialog", lambda dialog: dialog.dismiss())  # changed their mind: nothing deleted
    chip.get_by_role("button", name="删除筛选“第一件”").click()
    expect(chip).to_be_visible()
    reviewer.once("dialog", lambda dialog: dialog.accept())
    chip.get_by_role("button", name="删除筛选“第一件”").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("已删除筛选“第一件”")
    expect(chip).to_have_count(0)
