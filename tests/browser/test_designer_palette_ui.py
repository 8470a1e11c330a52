"""The modeler's palette names each tool on hover and on keyboard focus, and a deployed
version's change summary lists only the elements that changed (issue 20: version 2 listed 8
untouched ones)."""
import json
import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.core.extensions import db
from app.engine.models import ProcessDefinition, ProcessVersion


def _open_modeler(page):
    page.goto("/designer/dishonesty_record/modeler")
    expect(page.locator("#designer-status")).not_to_contain_text("正在加载", timeout=20_000)


def test_a_version_lists_only_what_changed(app, login_as):
    page = login_as("designer")
    _open_modeler(page)
    page.evaluate("""() => {
        const m = window.chengxinModeler;
        m.get('modeling').updateProperties(m.get('elementRegistry').get('entry_review'), { name: '录入审核（复核）' });
    }""")
    page.locator("#btn-deploy").click()
    page.locator("#deploy-comment").fill("改名")
    page.locator("#deploy-confirm").click()
    expect(page.locator("#designer-status")).to_contain_text("已部署第 2 版", timeout=20_000)
    with app.app_context():
        version = db.session.scalar(select(ProcessVersion).join(ProcessDefinition).where(
            ProcessDefinition.key == "dishonesty_record", ProcessVersion.version == 2))
        assert json.loads(version.change_summary_json) == {"added": [], "removed": [], "changed": ["entry_review"]}
    page.goto("/designer/dishonesty_record")
    row = page.locator('#versions tr[data-version="2"]')
    expect(row).to_contain_text("修改 1")
    expect(row).to_contain_text("entry_review")


def test_every_palette_tool_names_itself_on_hover_and_on_focus(login_as):
    page = login_as("designer")
    _open_modeler(page)
    tooltip = page.locator(".djs-hover-tooltip .djs-palette-tooltip-label")
    entries = page.locator(".djs-palette .entry[data-action]")
    assert entries.count() >= 12
    for entry in entries.all():
        name = entry.get_attribute("aria-label")
        assert name and not any("a" <= c.lower() <= "z" for c in name), name  # Chinese, no English left in
        entry.hover()
        expect(tooltip).to_have_text(name)
    page.mouse.move(700, 500)
    expect(tooltip).to_have_count(0)
    # from the keyboard: the tools take focus, and focus names them too
    start = page.locator('.djs-palette [data-action="create.start-event"]')
    start.focus()
    expect(start).to_be_focused()
    expect(tooltip).to_have_text("创建开始事件")
    page.keyboard.press("Tab")
    expect(tooltip).to_have_text("创建中间/边界事件")
    lasso = page.locator('.djs-palette [data-action="lasso-tool"]')
    lasso.focus()
    expect(tooltip).to_have_text("启动套索工具（框选）")
    page.keyboard.press("Enter")  # picks the tool, as a click does
    expect(lasso).to_have_class(re.compile(r"\bhighlighted-entry\b"))
