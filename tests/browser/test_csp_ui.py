"""Every kind of page works under the Content-Security-Policy (no inline script, no eval, no
inline style): the browser reports no violation while each page is used — htmx swaps, the
bpmn-js viewer on the case page, the modeler with its properties panel and lint, the form editor's
live preview, the forms list's "new form" box, the start page's process choice."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.designer import service as designer_service
from app.core.extensions import db
from app.org.models import User
from tests.bpmn_builder import probe_process
from tests.browser.test_ui_rules import notified_case

REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', (e) =>
    window.__cspViolation([e.violatedDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber, e.sample, (e.target && e.target.outerHTML || '').slice(0, 120)].join(' | ')));"""


@pytest.fixture()
def watched(login_as):
    """login_as, with every CSP violation (event or console message) of every page recorded."""
    violations: list[str] = []

    def _login(username: str):
        page = login_as(username)
        page.context.expose_function("__cspViolation", lambda text: violations.append(text))
        page.context.add_init_script(REPORT_VIOLATIONS)
        page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
        return page

    _login.violations = violations
    return _login


def test_casework_pages_run_without_csp_violations(watched, client):
    case, task = notified_case(client)
    with client.application.app_context():  # a second process the recorder can start
        designer_service.deploy(db.session.scalar(db.select(User).filter_by(username="designer")), probe_process(), "探针")
    handler = watched("handler.fgw")
    handler.goto("/tasks?tab=available")
    row = handler.locator(f"#task-{task['id']}")
    row.get_by_role("button", name="认领").click()
    expect(row.get_by_role("button", name="释放")).to_be_visible()  # an htmx swap
    handler.goto(f"/tasks/{task['id']}")
    expect(handler.locator("#task-title")).to_be_visible()
    handler.goto(f"/cases/{case['id']}")
    expect(handler.locator("#diagram[data-ready='1']")).to_be_attached(timeout=20_000)  # bpmn-js viewer
    expect(handler.locator("#diagram .djs-element.current")).not_to_have_count(0)
    handler.goto("/notifications")
    handler.goto("/no-such-page")
    expect(handler.get_by_role("heading", name="页面不存在")).to_be_visible()

    recorder = watched("recorder")
    recorder.goto("/cases/new")
    recorder.locator("#process").select_option("safety_probe")  # reloads the page (data-autosubmit)
    recorder.wait_for_url("**process=safety_probe*")
    expect(recorder.locator("#process")).to_have_value("safety_probe")
    recorder.goto("/cases")
    supervisor = watched("supervisor")
    supervisor.goto("/supervision")
    supervisor.goto("/complaints")
    supervisor.goto("/incidents")
    supervisor.goto("/publications")  # the publication register
    supervisor.goto("/public")  # the public portal, seen signed in
    supervisor.goto(f"/cases/{case['id']}")  # with the case operations (suspend, cancel)
    expect(supervisor.locator("#case-operations")).to_be_visible()
    admin = watched("admin")
    admin.goto("/admin/users")
    admin.goto("/admin/calendar")
    admin.goto("/admin/departments")
    assert watched.violations == [], "\n".join(watched.violations)


def test_designer_pages_run_without_csp_violations(watched):
    page = watched("designer")
    page.goto("/designer")
    page.goto("/designer/dishonesty_record")
    page.goto("/designer/dishonesty_record/modeler")
    expect(page.locator("#designer-status")).not_to_contain_text("正在加载", timeout=20_000)
    page.evaluate("() => { const m = window.chengxinModeler; m.get('selection').select(m.get('elementRegistry').get('entry_review')); }")
    expect(page.locator("#properties")).to_contain_text("表单")
    page.locator("#btn-deploy").click()  # the Bootstrap modal
    expect(page.locator("#deploy-comment")).to_be_visible()
    page.locator("#deploy-modal").get_by_role("button", name="取消").click()
    page.evaluate("""() => {
        const m = window.chengxinModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
        const review = reg.get('entry_review'), lane = reg.get('Lane_reviewer');
        modeling.createShape({ type: 'bpmn:UserTask' },
            { x: review.x + review.width / 2, y: lane.y + lane.height - 45 }, lane.parent);
    }""")
    page.locator("#btn-validate").click()
    expect(page.locator("#problems .problem").first).to_be_visible()

    page.goto("/designer/forms")
    page.get_by_label("新表单代码").fill("site_inspection")
    page.get_by_role("button", name="新建表单").click()  # data-goto, no inline onsubmit
    page.wait_for_url("**/designer/forms/site_inspection")
    page.goto("/designer/forms/entry_review")
    expect(page.locator("#preview [data-field]").first).to_be_visible()  # the htmx live preview
    schema = page.locator("#schema")
    schema.fill(schema.input_value().replace("录入审核", "录入审核（改）", 1))
    schema.press("End")
    expect(page.locator("#preview")).to_contain_text("录入审核（改）")
    assert watched.violations == [], "\n".join(watched.violations)
