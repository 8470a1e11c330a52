"""A supervisor raises a warning in the browser; the unit's handler answers it."""
import re

from playwright.sync_api import expect


def test_supervisor_raises_a_warning_and_the_handler_answers(login_as):
    supervisor = login_as("supervisor")
    supervisor.get_by_role("link", name="督导", exact=True).click()
    supervisor.get_by_role("link", name="发起预警").click()
    expect(supervisor.get_by_role("heading", name="发起政务诚信预警")).to_be_visible()
    supervisor.get_by_label("预警单位").select_option("fgw")
    supervisor.get_by_label("预警事项").fill("企业服务投诉集中")
    supervisor.get_by_label("预警来源").select_option("supervision")
    supervisor.get_by_label("重点领域").select_option("企业服务")
    supervisor.get_by_label("预警事由").fill("8月企业服务平台涉及该单位的投诉 12 件，超期 7 件。")
    supervisor.get_by_role("button", name="提交登记").click()
    expect(supervisor.get_by_role("status").first).to_contain_text("等待经办人办理“书面说明原因”")
    number = re.search(r"YJ-2026-\d{6}", supervisor.locator("#case-summary-title").inner_text()).group(0)
    expect(supervisor.locator(".status-badge").first).to_have_text("书面说明")

    handler = login_as("handler.fgw")
    expect(handler.locator("#notification-count")).to_have_text(re.compile(r"[1-9]"))
    handler.goto("/tasks?tab=available")
    row = handler.locator("#task-table tr", has=handler.get_by_role("link", name=number))
    row.get_by_role("link", name="办理").click()
    handler.get_by_label("情况说明").fill("投诉办理人手不足，已调配力量。")
    handler.get_by_label("是否整改").select_option("yes")
    handler.get_by_role("button", name="提交").click()
    expect(handler.get_by_role("status").first).to_contain_text("等待经办人办理“提交整改方案”")
    handler.goto("/tasks?tab=available")
    handler.locator("#task-table tr", has=handler.get_by_role("link", name=number)).get_by_role("link", name="办理").click()
    handler.get_by_label("整改措施").fill("建立台账，逐件限期办结")
    handler.get_by_label("整改责任人").fill("王强（副主任）")
    handler.get_by_label("整改完成期限").fill("2026-10-30")
    handler.get_by_role("button", name="提交").click()
    expect(handler.get_by_role("status").first).to_contain_text("等待督导员办理“审核整改方案”")

    supervisor.goto("/tasks?tab=available")
    supervisor.locator("#task-table tr", has=supervisor.get_by_role("link", name=number)).get_by_role("link", name="办理").click()
    supervisor.get_by_label("审核结论").select_option("accept")
    supervisor.get_by_label("审核意见").fill("同意")
    supervisor.get_by_role("button", name="提交").click()
    supervisor.goto("/supervision")
    expect(supervisor.locator("#warnings-by-unit")).to_contain_text("市发展改革委")
    expect(supervisor.locator("#warnings-by-unit [data-stage=tracking]")).to_have_text("1")
