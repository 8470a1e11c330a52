"""A designer adds a user task to a lane in the browser modeler, sees the missing-form error,
fixes it in our properties panel, deploys version 2; a new case follows version 2 while an
older case finishes on version 1."""
from playwright.sync_api import expect

from tests.support import Api

APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}


def test_designer_adds_a_task_fixes_the_form_and_deploys_version_2(app, login_as):
    with app.app_context():
        old_case = Api(app.test_client()).as_("recorder").register()  # runs on version 1

    page = login_as("designer")
    page.goto("/designer/dishonesty_record/modeler")
    expect(page.locator("#designer-status")).not_to_contain_text("正在加载", timeout=20_000)
    page.evaluate("""() => {
        const m = window.chengxinModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
        const review = reg.get('entry_review'), lane = reg.get('Lane_reviewer'), flow = reg.get('f_review_done');
        const task = modeling.createShape({ type: 'bpmn:UserTask' },
            { x: review.x + review.width / 2, y: lane.y + lane.height - 45 }, lane.parent);
        modeling.updateProperties(task, { id: 'second_review', name: '复核' });
        modeling.reconnectEnd(flow, task, { x: task.x, y: task.y + task.height / 2 });
        modeling.connect(task, reg.get('gw_entry'));
    }""")
    page.locator("#btn-validate").click()
    problem = page.locator('#problems .problem[data-element-id="second_review"]').first
    expect(problem).to_contain_text("表单")
    problem.click()
    form_select = page.locator("#properties").get_by_label("表单", exact=True)
    expect(form_select).to_be_visible()
    form_select.select_option("entry_review")
    page.locator("#btn-validate").click()
    expect(page.locator('#problems .problem[data-element-id="second_review"]')).to_have_count(0)
    page.locator("#btn-deploy").click()
    page.locator("#deploy-comment").fill("录入审核后增加复核")
    page.locator("#deploy-confirm").click()
    expect(page.locator("#designer-status")).to_contain_text("已部署第 2 版", timeout=20_000)

    with app.app_context():
        api = Api(app.test_client())
        recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
        new_case = recorder.register()
        reviewer.complete(new_case["id"], "entry_review", APPROVE)
        assert [t["element"] for t in reviewer.case(new_case["id"])["open_tasks"]] == ["second_review"]
        reviewer.complete(old_case["id"], "entry_review", APPROVE)
        old = reviewer.case(old_case["id"])
        assert old["status"] == "notified" and [t["element"] for t in old["open_tasks"]] == ["respond_notice"]
    page.goto("/designer/dishonesty_record")
    expect(page.locator('#versions tr[data-version="2"]')).to_contain_text("录入审核后增加复核")
    expect(page.locator('#versions tr[data-version="2"]')).to_contain_text("second_review")


def _draw_in_reviewer_lane(page, bpmn_type: str, element_id: str, name: str) -> None:
    """Create a shape of `bpmn_type` in the reviewer lane, below the entry review, as a designer would."""
    page.evaluate("""([type, id, name]) => {
        const m = window.chengxinModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
        const lane = reg.get('Lane_reviewer'), review = reg.get('entry_review');
        const task = modeling.createShape({ type },
            { x: review.x + review.width / 2, y: lane.y + lane.height - 45 }, lane.parent);
        modeling.updateProperties(task, { id, name });
    }""", [bpmn_type, element_id, name])


def _switch_language(page, language: str) -> None:
    page.get_by_role("button", name=language, exact=True).click()


def test_the_designer_speaks_the_language_the_user_chose(login_as):
    """The modeler's own texts (bpmn-js palette, our toolbar, status line, properties panel and
    lint messages) follow the user's language: English when chosen, Chinese by default."""
    page = login_as("designer")
    _switch_language(page, "English")
    try:
        page.goto("/designer/dishonesty_record/modeler")
        expect(page.locator("#designer-status")).to_contain_text("Loaded", timeout=20_000)
        expect(page.locator("#btn-save")).to_have_text("Save draft")
        expect(page.locator("#btn-validate")).to_have_text("Validate")
        expect(page.locator('.djs-palette [data-action="create.start-event"]')).to_have_attribute(
            "aria-label", "Create start event")
        _draw_in_reviewer_lane(page, "bpmn:UserTask", "no_form_yet", "x")
        problem = page.locator('#problems .problem[data-element-id="no_form_yet"]').first
        expect(problem).to_contain_text("form")
        expect(problem).not_to_contain_text("表单")
        problem.click()
        expect(page.locator("#properties").get_by_label("Form", exact=True)).to_be_visible()
    finally:
        _switch_language(page, "中文")
    page.goto("/designer/dishonesty_record/modeler")
    expect(page.locator("#designer-status")).to_contain_text("已加载", timeout=20_000)
    expect(page.locator("#btn-save")).to_have_text("保存草稿")
    expect(page.locator('.djs-palette [data-action="create.start-event"]')).to_have_attribute("aria-label", "创建开始事件")


def test_the_modeler_flags_a_construct_the_engine_refuses_before_deploy(login_as):
    """The palette's own "task" has no type: the engine would make it a task nobody can complete.
    The lint flags it as the designer draws it, with deploy's words; replaced by a user task it goes."""
    page = login_as("designer")
    page.goto("/designer/dishonesty_record/modeler")
    expect(page.locator("#designer-status")).not_to_contain_text("正在加载", timeout=20_000)
    _draw_in_reviewer_lane(page, "bpmn:Task", "plain_task", "核对")
    problem = page.locator('#problems .problem[data-element-id="plain_task"]').first
    expect(problem).to_contain_text("不支持任务（未指定类型）")
    expect(problem).to_contain_text("请改为用户任务、脚本任务或服务任务")
    page.evaluate("""() => {
        const m = window.chengxinModeler;
        m.get('bpmnReplace').replaceElement(m.get('elementRegistry').get('plain_task'), { type: 'bpmn:UserTask' });
    }""")
    expect(page.locator('#problems .problem[data-element-id="plain_task"]').first).to_contain_text("表单")
    expect(page.locator('#problems .problem[data-element-id="plain_task"]', has_text="不支持")).to_have_count(0)
