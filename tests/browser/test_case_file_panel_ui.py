"""The case file (卷宗) in a real browser: the people who decide see what they decide on."""
from playwright.sync_api import expect

from tests.support import Api
from tests.test_warning_lifecycle import PLAN, WARNING

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OPINION = "事实清楚，证据充分，同意告知"
GROUNDS = "款项已于2026年4月支付，见银行回单"
HANDLER = "经办人 张伟（市发展改革委）"


def entry(page, element):
    """The case-file entry of one earlier step."""
    return page.locator(f"#case-file .case-file-entry[data-element={element}]")


def test_the_objection_review_shows_the_grounds_the_file_of_the_objection_step_and_the_entry_opinion(login_as, client):
    with client.application.app_context():
        api = Api(client)
        case = api.as_("recorder").register()
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": OPINION})
        respond = api.as_("handler.fgw").task_for(case["id"], "respond_notice")

    handler = login_as("handler.fgw")
    handler.goto(f"/tasks/{respond['id']}")
    expect(entry(handler, "entry_review")).to_contain_text(OPINION)  # the handler sees why, too
    handler.get_by_label("答复").select_option("object")
    handler.get_by_label("异议理由").fill(GROUNDS)
    handler.get_by_label("异议证明材料").set_input_files(
        files=[{"name": "银行回单.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    handler.get_by_label("本单位承诺所提交材料真实、准确").check()
    handler.get_by_role("button", name="提交").click()
    expect(handler.get_by_role("status").first).to_contain_text("等待审核员办理“异议审查”")

    reviewer = login_as("reviewer")
    reviewer.goto("/tasks?tab=available")
    reviewer.locator("#task-table tr", has=reviewer.get_by_role("link", name=case["number"])).get_by_role("link", name="办理").click()
    expect(reviewer.get_by_role("heading", name="异议审查", exact=True)).to_be_visible()
    expect(reviewer.get_by_role("heading", name="卷宗：此前各步骤提交的材料")).to_be_visible()
    objection = entry(reviewer, "respond_notice")
    expect(objection.get_by_role("heading")).to_contain_text("异议或确认")
    expect(objection.get_by_role("heading")).to_contain_text(HANDLER)
    expect(objection.locator("[data-field=response]")).to_have_text("提出异议")
    expect(objection.locator("[data-field=objection_grounds]")).to_have_text(GROUNDS)
    evidence = objection.locator(".case-file-files li", has_text="银行回单.pdf")
    expect(evidence).to_contain_text("环节：异议或确认")
    expect(evidence).to_contain_text(HANDLER)
    with reviewer.expect_download() as download:
        evidence.get_by_role("link", name="银行回单.pdf").click()
    assert download.value.suggested_filename == "银行回单.pdf"
    review = entry(reviewer, "entry_review")
    expect(review.locator("[data-field=entry_decision]")).to_have_text("通过，告知被记录单位")
    expect(review.locator("[data-field=review_opinion]")).to_have_text(OPINION)
    expect(entry(reviewer, "register").locator("[data-field=subject_department]")).to_have_text("市发展改革委")
    # newest first: the objection, then the entry review, then the registration
    assert reviewer.locator("#case-file .case-file-entry").evaluate_all(
        "nodes => nodes.map(n => n.dataset.element)") == ["respond_notice", "entry_review", "register"]


def test_plan_review_shows_the_plan_and_the_explanation_and_a_returned_plan_shows_the_reason(login_as, client):
    with client.application.app_context():
        api = Api(client)
        r = api.as_("supervisor").post("/cases", {"process": "warning_rectification", "data": WARNING})
        case = r.get_json()
        handler_api = api.as_("handler.fgw")
        handler_api.complete(case["id"], "explain", {"explanation": "投诉办理人手不足，流程衔接不畅", "will_rectify": "yes"})
        handler_api.complete(case["id"], "submit_plan", PLAN)
        review = api.as_("supervisor").task_for(case["id"], "review_plan")

    supervisor = login_as("supervisor")
    supervisor.goto(f"/tasks/{review['id']}")
    plan = entry(supervisor, "submit_plan")
    expect(plan.get_by_role("heading")).to_contain_text("提交整改方案")
    expect(plan.locator("[data-field=measures]")).to_have_text(PLAN["measures"])
    expect(plan.locator("[data-field=responsible_person]")).to_have_text(PLAN["responsible_person"])
    expect(plan.locator("[data-field=rectification_deadline]")).to_have_text("2026年10月30日")
    explanation = entry(supervisor, "explain")
    expect(explanation.locator("[data-field=explanation]")).to_have_text("投诉办理人手不足，流程衔接不畅")
    expect(explanation.locator("[data-field=will_rectify]")).to_have_text("接受预警，限期整改")
    supervisor.get_by_label("审核结论").select_option("return")
    supervisor.get_by_label("审核意见").fill("措施不具体，请写明每周通报的对象")
    supervisor.get_by_role("button", name="提交").click()
    expect(supervisor.get_by_role("status").first).to_contain_text("等待经办人办理“提交整改方案”")

    handler = login_as("handler.fgw")
    handler.goto("/tasks?tab=available")
    handler.locator("#task-table tr", has=handler.get_by_role("link", name=case["number"])).get_by_role("link", name="办理").click()
    expect(handler.get_by_role("heading", name="提交整改方案", exact=True)).to_be_visible()
    returned = entry(handler, "review_plan")
    expect(returned.locator("[data-field=plan_decision]")).to_have_text("退回修改")
    expect(returned.locator("[data-field=plan_opinion]")).to_have_text("措施不具体，请写明每周通报的对象")
    previous = entry(handler, "submit_plan")
    expect(previous.locator("[data-field=measures]")).to_have_text(PLAN["measures"])
    expect(previous.locator("[data-field=rectification_deadline]")).to_have_text("2026年10月30日")
    # the deadline input is bounded: from tomorrow to 90 days ahead
    deadline = handler.get_by_label("整改完成期限")
    assert (deadline.get_attribute("min"), deadline.get_attribute("max")) == ("2026-09-15", "2026-12-13")


def test_the_designer_declares_a_tasks_case_file_in_the_properties_panel(app, login_as):
    page = login_as("designer")
    page.goto("/designer/dishonesty_record/modeler")
    expect(page.locator("#designer-status")).not_to_contain_text("正在加载", timeout=20_000)
    page.evaluate("""() => { const m = window.chengxinModeler;
        m.get('selection').select(m.get('elementRegistry').get('objection_review')); }""")
    field = page.locator("#properties").get_by_label("卷宗（参阅此前步骤）")
    expect(field).to_have_value("register entry_review respond_notice")
    field.fill("register respond_notise")
    field.blur()
    page.locator("#btn-validate").click()
    problem = page.locator('#problems .problem[data-element-id="objection_review"]').first
    expect(problem).to_contain_text("卷宗（cx:caseFile）中的 “respond_notise” 不是本流程的用户任务、开始事件或其表单")
    field.fill("register respond_notice")
    field.blur()
    page.locator("#btn-validate").click()
    expect(page.locator('#problems .problem[data-element-id="objection_review"]')).to_have_count(0)
    page.locator("#btn-deploy").click()
    page.locator("#deploy-comment").fill("异议审查的卷宗只列登记和异议")
    page.locator("#deploy-confirm").click()
    expect(page.locator("#designer-status")).to_contain_text("已部署第 2 版", timeout=20_000)

    with app.app_context():
        api = Api(app.test_client())
        case = api.as_("recorder").register()
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": OPINION})
        api.as_("handler.fgw").complete(case["id"], "respond_notice", {"response": "object", "objection_grounds": GROUNDS,
                                                                        "commitment": True})
        reviewer = api.as_("reviewer")
        task = reviewer.task_for(case["id"], "objection_review")
        entries = reviewer.get(f"/tasks/{task['id']}").get_json()["case_file"]
        assert [e["element"] for e in entries] == ["respond_notice", "register"]


def test_the_decision_date_input_follows_the_conduct_date(login_as):
    recorder = login_as("recorder")
    recorder.goto("/cases/new?process=dishonesty_record")
    decided = recorder.get_by_label("来源文书作出日期")
    assert (decided.get_attribute("min"), decided.get_attribute("max")) == ("1949-10-01", "2026-09-14")
    recorder.get_by_label("失信行为发生日期").fill("2026-05-10")
    expect(decided).to_have_attribute("min", "2026-05-10")
    assert recorder.get_by_label("失信行为发生日期").get_attribute("max") == "2026-09-14"
    recorder.get_by_label("失信行为发生日期").fill("")
    expect(decided).not_to_have_attribute("min", "2026-05-10")
    expect(decided).to_have_attribute("min", "1949-10-01")  # the form's own lower bound stays
