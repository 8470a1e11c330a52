"""The case file (卷宗) of a task page and `GET /api/v1/tasks/<id>`: what earlier human steps
submitted, newest first, with each form's own labels and choice names and the files labelled by
step and person; the steps a task shows are the ones its model declares (`cx:caseFile`), else all."""
import io
import re
from datetime import datetime

from sqlalchemy import select

from app.core.clock import LOCAL_TZ
from app.designer import service as designer_service
from app.core.extensions import db
from app.org.models import User
from tests.support import RECORD
from tests.test_warning_lifecycle import PLAN, after, raise_warning
from tests.web_support import login

APPROVE = {"entry_decision": "approve", "review_opinion": "事实清楚，证据充分，予以通过"}
GROUNDS = "合同款已于2026年4月2日拨付，处罚决定所述事实有误。"
PDF = b"%PDF-1.7\n%%EOF\n"
HANDLER = "经办人 张伟（市发展改革委）"


def _upload(user, case_id, name):
    r = user.client.post(f"/api/v1/cases/{case_id}/attachments", headers=user._headers(),
                         data={"file": (io.BytesIO(PDF), name)}, content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def objected(api, **record) -> int:
    """A record approved at entry review, with an objection (grounds and a file) filed by its unit."""
    case = api.as_("recorder").register(**record)
    api.as_("reviewer").complete(case["id"], "entry_review", APPROVE)
    handler = api.as_("handler.fgw")
    handler.task_for(case["id"], "respond_notice")
    file_id = _upload(handler, case["id"], "付款凭证.pdf")
    handler.complete(case["id"], "respond_notice", {"response": "object", "objection_grounds": GROUNDS,
                                                    "objection_evidence": [file_id], "commitment": True})
    return case["id"]


def case_file(user, case_id, element):
    task = user.task_for(case_id, element)
    r = user.get(f"/tasks/{task['id']}")
    assert r.status_code == 200, r.get_json()
    return task["id"], r.get_json()["case_file"]


def values(entry) -> dict:
    return {v["label"]: v["text"] for v in entry["values"]}


def test_objection_review_shows_the_grounds_the_file_by_step_and_the_entry_opinion(api):
    case_id = objected(api)
    task_id, entries = case_file(api.as_("reviewer"), case_id, "objection_review")
    # declared in the model: registration, entry review and the objection, newest first
    assert [e["element"] for e in entries] == ["respond_notice", "entry_review", "register"]
    objection, review, registration = entries
    assert objection["step"] == "异议或确认" and objection["actor"] == HANDLER
    assert values(objection) == {"答复": "提出异议", "异议理由": GROUNDS, "本单位承诺所提交材料真实、准确": "是"}
    [evidence] = objection["files"]
    assert (evidence["filename"], evidence["step"], evidence["uploaded_by"]) == ("付款凭证.pdf", "异议或确认", HANDLER)
    assert api.as_("reviewer").get(evidence["url"].removeprefix("/api/v1")).data == PDF
    assert values(review) == {"审核结论": "通过，告知被记录单位", "审核意见": APPROVE["review_opinion"]}
    shown = values(registration)
    assert shown["信用主体类型"] == "单位（区政府或市级部门）" and shown["被记录单位"] == "市发展改革委"
    assert shown["记录来源"] == "行政处罚" and shown["失信程度"] == "一般" and shown["重点领域"] == "政府采购"
    assert shown["失信行为发生日期"] == "2026年3月15日"
    assert registration["step"] == "登记政务失信记录" and registration["actor"] == "信息录入员 王磊"


def test_the_task_page_renders_the_case_file_with_labels_never_codes(app, client, api):
    case_id = objected(api)
    task_id = api.as_("reviewer").task_for(case_id, "objection_review")["id"]
    login(client, "reviewer")
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    panel = html[html.index('id="case-file"'):html.index('id="task-title"')]
    assert "卷宗：此前各步骤提交的材料" in panel
    assert GROUNDS in panel and "提出异议" in panel and APPROVE["review_opinion"] in panel
    assert re.search(r"付款凭证\.pdf</a>\s*<span[^>]*>（<span class=\"attachment-step\">环节：异议或确认</span>，经办人 张伟", panel)
    for code in ('>object<', '>approve<', '>fgw<', '>general<', '>administrative_penalty<', "2026-03-15"):
        assert code not in panel, code
    # the registration's date is shown again in the case summary
    assert re.search(r'data-registered="occurred_on">2026年3月15日<', html)


def test_a_task_without_a_declaration_shows_every_earlier_human_step(api):
    case_id = objected(api)
    reviewer = api.as_("reviewer")
    reviewer.complete(case_id, "objection_review", {"objection_outcome": "uphold", "reply_reasons": "理由不成立"})
    _task, entries = case_file(reviewer, case_id, "publication_decision")  # no cx:caseFile
    assert [e["element"] for e in entries] == ["objection_review", "respond_notice", "entry_review", "register"]
    assert values(entries[0]) == {"审查结论": "维持原记录", "答复理由": "理由不成立"}


def test_a_declared_task_shows_only_the_declared_steps(api):
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", APPROVE)
    _task, entries = case_file(api.as_("handler.fgw"), case["id"], "respond_notice")  # "register entry_review"
    assert [e["element"] for e in entries] == ["entry_review", "register"]


def test_the_case_file_never_shows_another_cases_data(api):
    other = objected(api, title="另一案件的标题", facts="另一案件的事实")
    case_id = objected(api)
    _task, entries = case_file(api.as_("reviewer"), case_id, "objection_review")
    texts = " ".join(v["text"] for e in entries for v in e["values"])
    assert "另一案件" not in texts
    files = [f["id"] for e in entries for f in e["files"]]
    other_files = [f["id"] for e in case_file(api.as_("reviewer"), other, "objection_review")[1] for f in e["files"]]
    assert files and other_files and not set(files) & set(other_files)
    # and another unit's handler cannot read the task at all
    task_id = api.as_("reviewer").task_for(case_id, "objection_review")["id"]
    assert api.as_("handler.czj").get(f"/tasks/{task_id}").status_code == 404


def test_plan_review_shows_measures_owner_deadline_and_the_explanation(api):
    case_id = raise_warning(api)
    handler = api.as_("handler.fgw")
    handler.complete(case_id, "explain", {"explanation": "人手不足，流程衔接不畅", "will_rectify": "yes"})
    handler.complete(case_id, "submit_plan", PLAN)
    _task, entries = case_file(api.as_("supervisor"), case_id, "review_plan")
    assert [e["element"] for e in entries] == ["submit_plan", "explain"]
    assert values(entries[0]) == {"整改措施": PLAN["measures"], "整改责任人": PLAN["responsible_person"],
                                  "整改完成期限": "2026年10月30日"}
    assert [v["date"] for v in entries[0]["values"] if v["field"] == "rectification_deadline"] == ["2026-10-30"]
    assert values(entries[1]) == {"情况说明": "人手不足，流程衔接不畅", "是否整改": "接受预警，限期整改"}


def test_a_returned_plan_shows_the_reason_and_the_plan_sent(api):
    case_id = raise_warning(api)
    handler, supervisor = api.as_("handler.fgw"), api.as_("supervisor")
    handler.complete(case_id, "explain", {"explanation": "说明", "will_rectify": "yes"})
    handler.complete(case_id, "submit_plan", PLAN)
    supervisor.complete(case_id, "review_plan", {"plan_decision": "return", "plan_opinion": "措施不具体"})
    _task, entries = case_file(handler, case_id, "submit_plan")
    assert [e["element"] for e in entries] == ["review_plan", "submit_plan", "explain", "raise_warning"]
    assert values(entries[0]) == {"审核结论": "退回修改", "审核意见": "措施不具体"}
    assert values(entries[1])["整改措施"] == PLAN["measures"]


def test_verification_and_a_rejected_verification_show_the_report_and_the_reason(api, tick):
    case_id = raise_warning(api)
    handler, supervisor, reviewer = api.as_("handler.fgw"), api.as_("supervisor"), api.as_("reviewer")
    handler.complete(case_id, "explain", {"explanation": "说明", "will_rectify": "yes"})
    handler.complete(case_id, "submit_plan", PLAN)
    supervisor.complete(case_id, "review_plan", {"plan_decision": "accept", "plan_opinion": "同意"})
    tick(after(10))
    file_id = _upload(handler, case_id, "整改报告.pdf")
    handler.complete(case_id, "report_progress", {"progress": "全部办结", "completed": True, "progress_files": [file_id]})
    _task, entries = case_file(reviewer, case_id, "verify")
    assert [e["element"] for e in entries] == ["report_progress", "submit_plan"]
    assert values(entries[0]) == {"整改进展": "全部办结", "整改已全部完成，申请核验": "是"}
    assert [(f["filename"], f["step"]) for f in entries[0]["files"]] == [("整改报告.pdf", "报送整改进展")]
    reviewer.complete(case_id, "verify", {"verification": "reject", "verification_opinion": "台账不完整"})
    tick(after(10))
    _task, entries = case_file(handler, case_id, "report_progress")
    assert entries[0]["element"] == "verify"
    assert values(entries[0]) == {"核验结论": "整改不到位，继续整改", "核验意见": "台账不完整"}


def test_repair_review_shows_the_correction_statement(api, tick):
    case = api.as_("recorder").register()
    reviewer, handler = api.as_("reviewer"), api.as_("handler.fgw")
    reviewer.complete(case["id"], "entry_review", APPROVE)
    handler.complete(case["id"], "respond_notice", {"response": "accept"})
    reviewer.complete(case["id"], "publication_decision", {"publish": True, "decision_note": "依规公开三个月"})
    tick(datetime(2026, 12, 14, 0, 0, 1, tzinfo=LOCAL_TZ))
    handler.complete(case["id"], "apply_repair", {"correction_proof": "已足额拨付合同款并致歉", "credit_commitment": True})
    _task, entries = case_file(reviewer, case["id"], "review_repair")
    assert [e["element"] for e in entries] == ["apply_repair", "publication_decision", "register"]
    assert values(entries[0]) == {"纠正失信行为的说明": "已足额拨付合同款并致歉", "已签署信用承诺书": "是"}
    assert values(entries[1])["决定说明"] == "依规公开三个月"


def test_a_finished_task_shows_what_came_before_it_not_itself(api):
    case_id = objected(api)
    reviewer = api.as_("reviewer")
    task_id = reviewer.task_for(case_id, "objection_review")["id"]
    reviewer.complete(case_id, "objection_review", {"objection_outcome": "uphold", "reply_reasons": "理由不成立"})
    entries = reviewer.get(f"/tasks/{task_id}").get_json()["case_file"]
    assert [e["element"] for e in entries] == ["respond_notice", "entry_review", "register"]


def test_registration_dates_are_on_the_case_page(app, client, api):
    case = api.as_("recorder").register(**{**RECORD, "decided_on": "2026-04-01"})
    login(client, "recorder")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert re.search(r'<dt[^>]*>失信行为发生日期</dt><dd[^>]*data-registered="occurred_on">2026年3月15日<', html)
    assert re.search(r'<dt[^>]*>来源文书作出日期</dt><dd[^>]*data-registered="decided_on">2026年4月1日<', html)


def test_unknown_steps_in_cx_case_file_are_refused_at_deploy(api):
    xml = open("workflows/dishonesty_record.bpmn", encoding="utf-8").read()
    bad = xml.replace('cx:caseFile="register entry_review respond_notice"', 'cx:caseFile="register entry_reveiw, notice_response"')
    r = api.as_("designer").post("/designer/validate", {"xml": bad})
    assert r.status_code == 200 and r.get_json()["ok"] is False
    assert [p["message"] for p in r.get_json()["problems"]] == [
        "卷宗（cx:caseFile）中的 “entry_reveiw” 不是本流程的用户任务、开始事件或其表单"]
    assert r.get_json()["problems"][0]["element_id"] == "objection_review"
    # element ids and form keys, separated by spaces or commas, are both fine
    good = xml.replace('cx:caseFile="register entry_review respond_notice"', 'cx:caseFile="record_register,entry_review notice_response"')
    assert api.as_("designer").post("/designer/validate", {"xml": good}).get_json()["ok"] is True


def test_running_cases_keep_their_versions_view_until_migrated(api):
    """A version deployed without cx:caseFile shows everything; its running cases keep that view
    until they are migrated to a version that declares the steps."""
    shipped = open("workflows/warning_rectification.bpmn", encoding="utf-8").read()
    designer = api.as_("designer")
    plain = re.sub(r' cx:caseFile="[^"]*"', "", shipped)
    assert designer.post("/designer/deploy", {"xml": plain, "comment": "无卷宗声明"}).get_json()["version"] == 2
    case_id = raise_warning(api)
    handler = api.as_("handler.fgw")
    handler.complete(case_id, "explain", {"explanation": "说明", "will_rectify": "yes"})
    handler.complete(case_id, "submit_plan", PLAN)
    supervisor = api.as_("supervisor")
    assert [e["element"] for e in case_file(supervisor, case_id, "review_plan")[1]] == ["submit_plan", "explain", "raise_warning"]

    declared = shipped.replace("<bpmn:process ", "<!-- 卷宗声明 -->\n  <bpmn:process ", 1)
    assert designer.post("/designer/deploy", {"xml": declared, "comment": "卷宗声明"}).get_json()["version"] == 3
    assert [e["element"] for e in case_file(supervisor, case_id, "review_plan")[1]] == ["submit_plan", "explain", "raise_warning"]
    moved, refused = designer_service.migrate(
        db.session.scalar(select(User).where(User.username == "designer")), "warning_rectification", 2, 3)
    assert len(moved) == 1 and refused == []
    assert [e["element"] for e in case_file(supervisor, case_id, "review_plan")[1]] == ["submit_plan", "explain"]


def test_a_civil_servant_and_a_unit_are_shown_by_name(api):
    servant = api.as_("recorder").get("/civil-servants?department=czj").get_json()["items"][0]
    case = api.as_("recorder").register(subject_type="civil_servant", subject_department="czj",
                                        civil_servant_id=servant["id"])
    api.as_("reviewer").complete(case["id"], "entry_review", APPROVE)
    _task, entries = case_file(api.as_("handler.czj"), case["id"], "respond_notice")
    shown = values(entries[-1])
    assert shown["信用主体类型"] == "公务员" and shown["被记录单位"] == "市财政局"
    assert shown["被记录公务员"] == f"{servant['name']}（市财政局）"
    assert str(servant["id"]) not in shown["被记录公务员"]


def test_a_resubmitted_plan_marks_the_latest_and_folds_the_earlier_one(app, client, api, tick):
    """Issue 14, finding 8: with two plans on file, the 整改核验 page marks the plan in force 最新
    and folds the returned one (<details>), the API says which is superseded."""
    case_id = raise_warning(api)
    handler, supervisor, reviewer = api.as_("handler.fgw"), api.as_("supervisor"), api.as_("reviewer")
    handler.complete(case_id, "explain", {"explanation": "说明", "will_rectify": "yes"})
    handler.complete(case_id, "submit_plan", {**PLAN, "measures": "第一版措施"})
    supervisor.complete(case_id, "review_plan", {"plan_decision": "return", "plan_opinion": "措施不具体"})
    handler.complete(case_id, "submit_plan", PLAN)
    supervisor.complete(case_id, "review_plan", {"plan_decision": "accept", "plan_opinion": "同意"})
    tick(after(10))
    file_id = _upload(handler, case_id, "整改报告.pdf")
    handler.complete(case_id, "report_progress", {"progress": "全部办结", "completed": True, "progress_files": [file_id]})
    task_id, entries = case_file(reviewer, case_id, "verify")
    plans = [e for e in entries if e["element"] == "submit_plan"]
    assert [(values(p)["整改措施"], p["repeated"], p["superseded"]) for p in plans] == [
        (PLAN["measures"], True, False), ("第一版措施", True, True)]
    assert [e["superseded"] for e in entries if e["element"] == "report_progress"] == [False]
    login(client, "reviewer")
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    panel = html.split('id="case-file"')[1].split("</section>")[0]
    latest, earlier = re.findall(r'<article[^>]*data-element="submit_plan"[^>]*>(.*?)</article>', panel, re.S)
    assert "最新" in latest and "<details" not in latest and PLAN["measures"] in latest
    assert re.search(r"<details><summary[^>]*>.*此前提交（已被后续提交取代）", earlier, re.S) and "第一版措施" in earlier
    assert "style=" not in panel and "<script" not in panel


def test_the_print_view_shows_what_every_step_submitted_and_the_registration_dates(app, client, api):
    """Issue 14, findings 6 and 7: the print view carries the case file of all human steps
    (objection grounds, …) through the task page's partial, and the dates entered at
    registration; the API's case detail lists those dates too."""
    case_id = objected(api, occurred_on="2026-03-15", decided_on="2026-04-01")
    body = api.as_("reviewer").case(case_id)
    assert [(d["field"], d["label"], d["date"]) for d in body["registration_dates"]] == [
        ("occurred_on", "失信行为发生日期", "2026-03-15"), ("decided_on", "来源文书作出日期", "2026-04-01")]
    login(client, "reviewer")
    html = client.get(f"/cases/{case_id}/print").get_data(as_text=True)
    assert re.search(r'data-registered="occurred_on">2026年3月15日<', html)
    assert re.search(r'data-registered="decided_on">2026年4月1日<', html)
    panel = html.split('id="print-case-file"')[1].split("</section>")[0]
    assert [m for m in re.findall(r'data-element="([^"]*)"', panel)] == ["respond_notice", "entry_review", "register"]
    assert GROUNDS in panel and APPROVE["review_opinion"] in panel and "付款凭证.pdf" in panel
    assert html.count('id="case-file"') == 1  # the page's own wrapper; the panel has its own id


def test_in_english_a_choice_without_labels_is_named_as_the_form_names_it(api):
    """A choice the form lists without `x-enum-labels` (the key area 政府采购) is offered translated on
    the form; the case file names it the same way, not as the stored Chinese value."""
    case_id = objected(api)
    reviewer = api.as_("reviewer")
    assert reviewer.client.put("/api/v1/me/language", json={"lang": "en"}, headers=reviewer._headers()).status_code == 200
    try:
        _, entries = case_file(reviewer, case_id, "objection_review")
    finally:
        reviewer.client.put("/api/v1/me/language", json={"lang": "zh_CN"}, headers=reviewer._headers())
    registered = values(entries[-1])
    assert registered["Key area"] == "Government procurement"
    assert registered["Severity"] == "General"
