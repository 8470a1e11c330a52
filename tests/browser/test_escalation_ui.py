"""Escalation in the browser (issue 18): choosing 不予整改 asks for confirmation first; the
supervisor's 确认升级处理 page starts with facts that say the unit refused, and confirming (asked
again) issues the 通报批评, records the dishonesty record of the chosen tier and withdraws the
unit's honours eligibility, all shown on the case page."""
import re

from playwright.sync_api import expect

WARNING = {"subject_department": "fgw", "title": "企业服务投诉集中", "trigger": "supervision", "key_area": "企业服务",
           "reason": "8月企业服务平台涉及该单位的投诉 12 件，超期 7 件。"}


def _open_task(page, number: str):
    page.goto("/tasks?tab=available")
    page.locator("#task-table tr", has=page.get_by_role("link", name=number)).get_by_role("link", name="办理").click()


def test_refusal_is_confirmed_twice_then_the_supervisor_escalates(login_as):
    supervisor = login_as("supervisor")
    supervisor.goto("/cases/new?process=warning_rectification")
    supervisor.get_by_label("预警单位").select_option("fgw")
    supervisor.get_by_label("预警事项").fill(WARNING["title"])
    supervisor.get_by_label("预警来源").select_option("supervision")
    supervisor.get_by_label("重点领域").select_option("企业服务")
    supervisor.get_by_label("预警事由").fill(WARNING["reason"])
    supervisor.get_by_role("button", name="提交登记").click()
    number = re.search(r"YJ-2026-\d{6}", supervisor.locator("#case-summary-title").inner_text()).group(0)

    handler = login_as("handler.fgw")
    _open_task(handler, number)
    handler.get_by_label("情况说明").fill("不认可预警事由。")
    handler.get_by_label("是否整改").select_option("no")
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    handler.on("dialog", dismiss)
    handler.get_by_role("button", name="提交").click()
    assert dialogs and "确定不予整改" in dialogs[0]
    expect(handler.get_by_label("是否整改")).to_have_value("no")  # dismissed: still on the form
    handler.remove_listener("dialog", dismiss)
    handler.once("dialog", lambda dialog: dialog.accept())
    handler.get_by_role("button", name="提交").click()
    expect(handler.get_by_role("status").first).to_contain_text("等待督导员办理“确认升级处理”")

    _open_task(supervisor, number)
    expect(supervisor.get_by_role("heading", name="确认升级处理")).to_be_visible()
    facts = supervisor.get_by_label("失信事实")
    expect(facts).to_have_value(re.compile("书面表示不予整改"))
    assert "督办" not in facts.input_value()
    expect(supervisor.get_by_label("失信记录标题")).to_have_value("拒不整改：企业服务投诉集中")
    supervisor.get_by_label("处理决定").select_option("confirm")
    supervisor.get_by_label("意见和理由").fill("单位拒不整改，予以升级。")
    supervisor.once("dialog", lambda dialog: dialog.accept())  # 确定升级处理？
    supervisor.get_by_role("button", name="提交").click()  # tier and source still missing: refused
    expect(supervisor.locator("#f-record_tier-error")).to_contain_text("失信程度")
    supervisor.get_by_label("失信程度").select_option("serious")
    supervisor.get_by_label("记录来源").select_option("disciplinary_sanction")
    supervisor.once("dialog", lambda dialog: dialog.accept())
    supervisor.get_by_role("button", name="提交").click()
    expect(supervisor.get_by_role("status").first).to_contain_text("追究责任情况反馈")

    supervisor.goto("/cases?q=" + number)
    supervisor.get_by_role("link", name=number).click()
    expect(supervisor.locator(".status-badge").first).to_have_text("已通报并记录失信")
    expect(supervisor.locator('#document-list tr[data-type="public_criticism"]')).to_contain_text("通报批评")
    expect(supervisor.locator("#honours-restrictions")).to_contain_text("市发展改革委")
    expect(supervisor.locator('#linked-cases [data-relation="escalated_to"]')).to_contain_text("审核中")
