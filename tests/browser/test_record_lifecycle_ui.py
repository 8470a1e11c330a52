"""The whole record lifecycle in a real browser, across four separately logged-in users:
recorder registers → reviewer approves → the subject's handler objects with an attachment →
reviewer upholds → publication → handler applies for repair → reviewer grants."""
import re
from datetime import datetime

from playwright.sync_api import expect

from app.core.clock import LOCAL_TZ

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_task(page, case_number: str, task_name: str):
    page.goto("/tasks?tab=available")
    row = page.locator("#task-table tr", has=page.get_by_role("link", name=case_number)).filter(has_text=task_name)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="办理").click()
    expect(page.get_by_role("heading", name=task_name)).to_be_visible()


def expect_status(page, case_url: str, label: str):
    page.goto(case_url)
    expect(page.locator(".status-badge").first).to_have_text(label)


def test_record_lifecycle_across_four_users(login_as, tick):
    recorder = login_as("recorder")
    recorder.get_by_role("link", name="登记记录").click()
    recorder.get_by_label("信用主体类型").select_option("department")
    recorder.get_by_label("被记录单位").select_option("fgw")
    recorder.get_by_label("记录标题").fill("拖欠中标企业合同款")
    recorder.get_by_label("记录来源").select_option("administrative_penalty")
    recorder.get_by_label("来源文书编号").fill("沪财监〔2026〕17号")
    recorder.get_by_label("重点领域").select_option("政府采购")
    recorder.get_by_label("失信程度").select_option("general")
    recorder.get_by_label("失信事实").fill("项目验收合格后未按合同约定拨付合同款 120 万元。")
    recorder.get_by_label("来源文书作出日期").fill("2026-09-14")
    recorder.get_by_role("button", name="提交登记").click()
    expect(recorder.get_by_role("status").first).to_contain_text("等待审核员办理“录入审核”")
    number = re.search(r"ZX-2026-\d{6}", recorder.locator("#case-summary-title").inner_text()).group(0)
    case_url = recorder.url
    expect(recorder.locator(".status-badge").first).to_have_text("审核中")

    reviewer = login_as("reviewer")
    expect(reviewer.locator("[data-count=available]")).to_have_text("1")
    open_task(reviewer, number, "录入审核")
    reviewer.get_by_label("审核结论").select_option("approve")
    reviewer.get_by_label("审核意见").fill("事实清楚，证据充分")
    reviewer.get_by_role("button", name="提交").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("等待经办人办理“异议或确认”")
    expect(reviewer.locator("#empty-inbox")).to_be_visible()

    handler = login_as("handler.fgw")
    expect(handler.locator("[data-count=available]")).to_have_text("1")
    open_task(handler, number, "异议或确认")
    expect(handler.locator("#case-subject")).to_have_text("市发展改革委")
    handler.get_by_label("答复").select_option("object")
    handler.get_by_label("异议理由").fill("款项已于2026年4月支付，见银行回单")
    handler.get_by_label("异议证明材料").set_input_files(
        files=[{"name": "银行回单.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    handler.get_by_label("本单位承诺所提交材料真实、准确").check()
    handler.get_by_role("button", name="提交").click()
    expect(handler.get_by_role("status").first).to_contain_text("等待审核员办理“异议审查”")
    expect_status(handler, case_url, "异议处理中")
    expect(handler.locator("#case-attachments")).to_contain_text("银行回单.pdf")

    open_task(reviewer, number, "异议审查")
    reviewer.get_by_label("审查结论").select_option("uphold")
    reviewer.get_by_label("答复理由").fill("回单日期晚于合同约定期限，维持记录")
    reviewer.get_by_role("button", name="提交").click()
    open_task(reviewer, number, "公开决定")
    reviewer.get_by_label("在政务失信记录公开查询网站公开该记录").check()
    reviewer.get_by_label("决定说明").fill("一般失信，依规公开")
    reviewer.get_by_role("button", name="提交").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("公开中")
    expect_status(handler, case_url, "公开中")
    expect(handler.locator("#no-open-tasks")).to_be_visible()
    expect(handler.locator("#diagram[data-ready='1']")).to_be_attached()
    expect(handler.locator("#diagram .djs-element.done").first).to_be_attached()

    tick(datetime(2026, 12, 14, 9, 0, tzinfo=LOCAL_TZ))  # the minimum publication period has passed
    open_task(handler, number, "申请信用修复")
    handler.get_by_label("纠正失信行为的说明").fill("已全额支付合同款并向企业致歉")
    handler.get_by_label("已签署信用承诺书").check()
    handler.get_by_role("button", name="提交").click()
    expect(handler.get_by_role("status").first).to_contain_text("等待审核员办理“信用修复审核”")

    open_task(reviewer, number, "信用修复审核")
    reviewer.get_by_label("修复决定").select_option("grant")
    reviewer.get_by_label("决定理由").fill("已纠正失信行为")
    reviewer.get_by_role("button", name="提交").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("案件已办结（已修复）")
    expect_status(recorder, case_url, "已修复")
    expect(recorder.locator("#status-history tbody tr")).to_have_count(6)
    reviewer.goto("/tasks?tab=completed")
    expect(reviewer.locator("[data-count=completed]")).to_have_text("4")
