"""Decisions are first-class (issue 14): every decision step of both lifecycles, and the system's
own decisions (escalation by the overdue timer, the end of publication), leave a decision with
who, when, outcome (code and name), reasons and legal basis — on the case page, in the API and in
the case report (案件办理情况报告). The timeline reads as people do: their steps first, engine steps
folded under them, filtered by kind."""
import json
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.cases.models import Decision
from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from tests.support import Api, load_calendar_year
from tests.test_designer import deploy, designer  # noqa: F401  (fixture)
from tests.test_documents import docs, pdf_text
from tests.test_warning_lifecycle import (CONFIRM, PLAN, after, confirm_escalation, explained_and_planned, overdue,
                                         raise_warning, report)
from tests.web_support import csrf_token, login

APPROVE = {"entry_decision": "approve", "review_opinion": "事实清楚，证据充分，予以入库"}
PUBLISH = {"publish": True, "decision_note": "一般失信，依规公开三个月以上"}
P92 = "沪府发〔2017〕92号"


def decisions_of(case_id: int) -> list[Decision]:
    db.session.expire_all()
    return list(db.session.scalars(select(Decision).where(Decision.case_id == case_id).order_by(Decision.id)))


def summary(d: Decision) -> tuple:
    return d.kind, d.outcome, d.outcome_label, d.reasons, d.actor.username if d.actor else None


def record_through_repair(api, tick) -> int:
    """Lifecycle 1 through every decision: returned, approved, objection upheld, published, repair
    refused then granted (publication ends)."""
    recorder, reviewer, handler = api.as_("recorder"), api.as_("reviewer"), api.as_("handler.fgw")
    case_id = recorder.register()["id"]
    reviewer.complete(case_id, "entry_review", {"entry_decision": "return", "review_opinion": "来源文书号有误"})
    recorder.complete(case_id, "correct_entry", {
        "title": "拖欠中标企业合同款", "source_type": "administrative_penalty", "document_number": "沪财监〔2026〕18号",
        "key_area": "政府采购", "tier": "general", "facts": "未按合同约定拨付合同款 120 万元。", "decided_on": "2026-09-14",
        "correction_note": "更正文号"})
    clock.advance(timedelta(hours=1))
    reviewer.complete(case_id, "entry_review", APPROVE)
    handler.complete(case_id, "respond_notice", {"response": "object", "objection_grounds": "款项已支付", "commitment": True})
    reviewer.complete(case_id, "objection_review", {"objection_outcome": "uphold", "reply_reasons": "回单日期晚于约定期限"})
    reviewer.complete(case_id, "publication_decision", PUBLISH)
    tick(datetime(2026, 12, 14, 9, 0, tzinfo=LOCAL_TZ))
    application = {"correction_proof": "已全额支付并致歉", "credit_commitment": True}
    handler.complete(case_id, "apply_repair", application)
    reviewer.complete(case_id, "review_repair", {"repair_decision": "refuse", "repair_reasons": "未提供支付凭证"})
    handler.complete(case_id, "apply_repair", application)
    reviewer.complete(case_id, "review_repair", {"repair_decision": "grant", "repair_reasons": "已纠正失信行为并提交凭证"})
    return case_id


def test_every_decision_of_a_record_is_stored_with_who_when_outcome_reasons_and_basis(api, tick):
    case_id = record_through_repair(api, tick)
    found = decisions_of(case_id)
    assert [summary(d) for d in found] == [
        ("entry_review", "return", "退回记录单位补正", "来源文书号有误", "reviewer"),
        ("entry_review", "approve", "通过，告知被记录单位", APPROVE["review_opinion"], "reviewer"),
        ("objection_review", "uphold", "维持原记录", "回单日期晚于约定期限", "reviewer"),
        ("publication", "true", "予以公开", PUBLISH["decision_note"], "reviewer"),
        ("repair", "refuse", "不予修复", "未提供支付凭证", "reviewer"),
        ("repair", "grant", "准予修复，停止公开", "已纠正失信行为并提交凭证", "reviewer"),
        ("publication_end", "ended", "停止公开", found[-1].reasons, None),
    ]
    assert all(d.task_id is not None and d.step for d in found[:-1])
    assert found[0].step == "录入审核" and found[1].at == datetime(2026, 9, 14, 10, 0, tzinfo=LOCAL_TZ)
    assert "准予信用修复，提前停止公开" in found[-1].reasons and found[-1].task_id is None
    assert all(d.legal_basis for d in found)
    assert P92 in found[0].legal_basis and "免责和容错" in found[0].legal_basis
    assert "《上海市社会信用条例》第三十六条" in found[2].legal_basis
    # The API lists them too, with the outcome's name and who decided.
    body = api.as_("handler.fgw").case(case_id)
    assert [(d["kind"], d["outcome_label"], d["actor"]) for d in body["decisions"]][:2] == [
        ("entry_review", "退回记录单位补正", "reviewer"), ("entry_review", "通过，告知被记录单位", "reviewer")]
    assert body["decisions"][0]["kind_label"] == "入库审核" and body["decisions"][-1]["actor"] is None
    assert body["decisions"][3]["reasons"] == PUBLISH["decision_note"]


def test_publication_not_decided_and_expiry_by_timer_are_decisions_too(api, tick):
    reviewer, handler = api.as_("reviewer"), api.as_("handler.fgw")
    first = api.as_("recorder").register()["id"]
    reviewer.complete(first, "entry_review", APPROVE)
    handler.complete(first, "respond_notice", {"response": "accept"})
    reviewer.complete(first, "publication_decision", {"publish": False, "decision_note": "轻微，不公开"})
    assert [summary(d)[:3] for d in decisions_of(first)][-1] == ("publication", "false", "不予公开")
    second = api.as_("recorder").register()["id"]
    reviewer.complete(second, "entry_review", APPROVE)
    handler.complete(second, "respond_notice", {"response": "accept"})
    reviewer.complete(second, "publication_decision", PUBLISH)
    load_calendar_year(2027)  # expiry lifts the joint sanctions: their lifting tasks have working-day deadlines
    tick(datetime(2027, 9, 14, 0, 0, 1, tzinfo=LOCAL_TZ))  # the longest period (one year, general) ends
    ended = decisions_of(second)[-1]
    assert (ended.kind, ended.actor_id, ended.task_id) == ("publication_end", None, None)
    assert ended.reasons.startswith("公开期满（2027-09-14）") and "国家发展改革委令第36号" in ended.legal_basis


def test_every_decision_of_a_warning_is_stored_including_escalation_by_the_overdue_timer(api, tick):
    supervisor, reviewer = api.as_("supervisor"), api.as_("reviewer")
    case_id = raise_warning(api)
    overdue(api, tick, case_id)
    supervisor.complete(case_id, "supervise_explain", {"supervision_action": "extend", "supervision_reason": "涉及多部门协调",
                                                      "extension_days": 3})
    api.as_("handler.fgw").complete(case_id, "explain", {"explanation": "人手不足", "will_rectify": "yes"})
    api.as_("handler.fgw").complete(case_id, "submit_plan", PLAN)
    supervisor.complete(case_id, "review_plan", {"plan_decision": "return", "plan_opinion": "措施不具体"})
    api.as_("handler.fgw").complete(case_id, "submit_plan", {**PLAN, "rectification_deadline": "2026-09-30"})
    supervisor.complete(case_id, "review_plan", {"plan_decision": "accept", "plan_opinion": "同意"})
    tick(after(10))
    report(api, case_id, completed=True)
    reviewer.complete(case_id, "verify", {"verification": "reject", "verification_opinion": "台账不完整"})
    tick(after(5, date(2026, 9, 30)) + timedelta(days=30))  # far past the deadline and its grace period
    confirm_escalation(api, case_id)
    found = decisions_of(case_id)
    assert [summary(d) for d in found] == [
        ("supervision", "extend", "同意延期", "涉及多部门协调", "supervisor"),
        ("plan_review", "return", "退回修改", "措施不具体", "supervisor"),
        ("plan_review", "accept", "同意，进入整改跟踪", "同意", "supervisor"),
        ("verification", "reject", "整改不到位，继续整改", "台账不完整", "reviewer"),
        ("escalation", "confirm", "确认升级：通报批评、记入政务失信记录、追究责任", CONFIRM["escalation_opinion"], "supervisor"),
        ("escalation", "escalated", "通报批评并记入政务失信记录", found[-1].reasons, None),
    ]
    assert found[0].step == "逾期督办：书面说明" and "二（一）3" in found[0].legal_basis
    assert "书面说明原因并限期加以整改" in found[1].legal_basis
    assert found[-1].task_id is None and "予以公开通报批评" in found[-1].legal_basis
    assert re.search(r"记入政务失信记录 ZX-2026-\d+", found[-1].reasons)


def test_verification_accepted_and_supervisor_escalation_are_recorded(api, tick):
    case_id = raise_warning(api)
    explained_and_planned(api, case_id)
    tick(after(10))
    report(api, case_id, completed=True)
    api.as_("reviewer").complete(case_id, "verify", {"verification": "accept", "verification_opinion": "整改到位"})
    assert summary(decisions_of(case_id)[-1]) == ("verification", "accept", "整改到位，结案", "整改到位", "reviewer")
    other = raise_warning(api)
    overdue(api, tick, other)
    api.as_("supervisor").complete(other, "supervise_explain", {"supervision_action": "escalate",
                                                               "supervision_reason": "拒不说明"})
    confirm_escalation(api, other)
    assert [summary(d)[:4] for d in decisions_of(other)] == [
        ("supervision", "escalate", "升级处理：通报批评并记入政务失信记录", "拒不说明"),
        ("escalation", "confirm", "确认升级：通报批评、记入政务失信记录、追究责任", CONFIRM["escalation_opinion"]),
        ("escalation", "escalated", "通报批评并记入政务失信记录", decisions_of(other)[-1].reasons)]


def test_case_page_shows_decisions_with_opinion_and_basis_and_an_empty_state(app, client):
    with app.app_context():
        api = Api(app.test_client())
        case_id = api.as_("recorder").register()["id"]
        untouched = api.as_("recorder").register()["id"]
        api.as_("reviewer").complete(case_id, "entry_review", APPROVE)
        api.as_("handler.fgw").complete(case_id, "respond_notice", {"response": "accept"})
        api.as_("reviewer").complete(case_id, "publication_decision", PUBLISH)
    login(client, "handler.fgw")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    section = html.split('id="decisions"')[1].split("</section>")[0]
    assert "入库审核" in section and "通过，告知被记录单位" in section and APPROVE["review_opinion"] in section
    assert "公开决定" in section and PUBLISH["decision_note"] in section and "予以公开" in section
    assert "审慎确定公开范围" in section and "审核员 李娜" in section and "2026-09-14 09:00" in section
    assert section.count('class="decision"') == 2
    assert 'id="no-decisions"' in client.get(f"/cases/{untouched}").get_data(as_text=True)


def test_case_report_prints_decisions_with_reasons_and_the_process_name_not_engine_steps(app, client, tick):
    with app.app_context():
        case_id = record_through_repair(Api(app.test_client()), tick)
    login(client, "reviewer")
    token = csrf_token(client, f"/cases/{case_id}")
    client.post(f"/cases/{case_id}/notes", data={"text": "内部提示：请关注回单真伪", "csrf_token": token})
    client.post(f"/cases/{case_id}/documents/report", data={"csrf_token": token})
    with app.app_context():
        report_doc = docs(case_id)[-1]
        assert report_doc.doc_type == "case_report"
        text = re.sub(r"\s+", "", pdf_text(report_doc))
    assert "dishonesty_record" not in text and "政务失信记录" in text
    for words in ("决定与意见", "入库审核", "退回记录单位补正", "来源文书号有误", APPROVE["review_opinion"],
                  "异议审查", "维持原记录", "回单日期晚于约定期限", "公开决定", PUBLISH["decision_note"],
                  "信用修复审核", "未提供支付凭证", "准予修复，停止公开", "《上海市社会信用条例》第三十六条"):
        assert words in text, words
    # People's steps, not the engine's: no gateway or script names, no status changes.
    assert "办理：录入审核" in text and "是否提出异议" not in text and "异议标注" not in text
    assert "记录状态：" not in text
    # Internal notes never reach an official document.
    assert "内部提示" not in text and "回单真伪" not in text


def test_timeline_groups_engine_steps_under_people_steps_and_filters_by_kind(app, client):
    with app.app_context():
        api = Api(app.test_client())
        case_id = api.as_("recorder").register()["id"]
        api.as_("reviewer").complete(case_id, "entry_review", APPROVE)
        body = api.as_("reviewer").case(case_id)
        decided = api.as_("reviewer").get(f"/cases/{case_id}?kind=decision").get_json()
        engine_only = api.as_("reviewer").get(f"/cases/{case_id}?kind=system").get_json()
        bad = api.as_("reviewer").get(f"/cases/{case_id}?kind=gateway")
    groups = body["timeline_groups"]
    assert [g["event"]["kind"] for g in groups] == ["case.registered", "task.completed", "decision.recorded"]
    assert [g["category"] for g in groups] == ["human", "human", "decision"]
    # What the decision set off: the status change, the notice a script issued, scripts and gateways.
    after_decision = [s["kind"] for s in groups[2]["steps"]]
    assert {"process.step", "status.changed", "document.issued", "task.created"} <= set(after_decision)
    assert sum(len(g["steps"]) for g in groups) + len(groups) == len(body["timeline"])
    assert [e["kind"] for e in decided["timeline"]] == ["decision.recorded"]
    assert decided["timeline_groups"][0]["steps"] == []
    assert engine_only["timeline"] and {e["kind"] for e in engine_only["timeline"]} >= {"process.step", "task.created"}
    assert bad.status_code == 422 and "kind" in bad.get_json()["error"]["fields"]
    login(client, "reviewer")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    timeline = html.split('id="timeline"')[1].split("</section>")[0]
    assert timeline.count("<details") == 2 and "随后的系统步骤" in timeline  # after registering and deciding
    assert timeline.index("通过，告知被记录单位") < timeline.index("录入审核")  # newest first
    filtered = client.get(f"/cases/{case_id}?kind=decision").get_data(as_text=True)
    items = filtered.split('id="timeline"')[1].split("</ol>")[0]
    assert "入库审核：通过，告知被记录单位" in items and "<details" not in items and "办理：录入审核" not in items
    assert 'aria-current="true" class="active">决定' in filtered
    assert client.get(f"/cases/{case_id}?kind=nonsense").status_code == 422


def test_a_designer_form_declares_its_decision_and_a_bad_declaration_is_refused(designer, app):  # noqa: F811
    token = csrf_token(designer, "/designer/forms/entry_review")
    with app.app_context():
        from app import forms

        schema = forms.load_form("entry_review")
    bad = {**schema, "x-decision": {"kind": "entry_review", "outcome": "verdict", "reasons": "review_opinion",
                                    "legal_basis": "basis_text"}}
    r = designer.post("/designer/forms/entry_review", data={"csrf_token": token, "schema": json.dumps(bad, ensure_ascii=False)})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "x-decision 的 outcome（决定结果）必须是表单中的字段名，而“verdict”不是" in page
    assert "x-decision 的 legal_basis 字段“basis_text”不在表单中" in page
    schema["properties"]["entry_decision"]["x-enum-labels"][0] = "审核通过，予以入库并告知"
    schema["properties"]["basis"] = {"type": "string", "title": "认定依据"}
    schema["x-decision"] = {"kind": "entry_review", "outcome": "entry_decision", "reasons": "review_opinion",
                            "legal_basis": "basis"}
    r = designer.post("/designer/forms/entry_review", data={"csrf_token": token,
                                                            "schema": json.dumps(schema, ensure_ascii=False)})
    assert r.status_code == 302
    xml = designer.get("/designer/api/dishonesty_record/xml?source=latest").data
    assert deploy(designer, xml.replace("提交审核".encode(), "提交入库审核".encode()), "新表单").get_json()["ok"]
    with app.app_context():
        api = Api(app.test_client())
        case_id = api.as_("recorder").register()["id"]
        api.as_("reviewer").complete(case_id, "entry_review", {**APPROVE, "basis": "《上海市社会信用条例》第二十四条"})
        [taken] = decisions_of(case_id)
        assert (taken.outcome_label, taken.legal_basis) == ("审核通过，予以入库并告知", "《上海市社会信用条例》第二十四条")


def test_every_bad_declaration_is_named_in_chinese(ctx):
    from app import forms

    schema = forms.load_form("plan_review")
    good = schema["x-decision"]
    assert forms.schema_problems(schema) == []
    for declaration, words in (
        ("plan_decision", "x-decision 必须是 JSON 对象"),
        ({**good, "kind": "计划审核"}, "kind（决定类别）只能用小写字母"),
        ({**good, "opinion": "plan_opinion"}, "不支持这些属性：opinion"),
        ({**good, "outcome": "plan_opinion"}, "决定结果字段“plan_opinion”需要列出可选结论"),
        ({**good, "reasons": "missing"}, "reasons（理由或意见）必须是表单中的字段名，而“missing”不是"),
        ({**good, "legal_basis": ""}, "legal_basis（法律依据）必须是字段名或依据条文"),
        ({**good, "legal_basis": "依" * 501}, "依据条文不能超过 500 个字"),
    ):
        problems = forms.schema_problems({**schema, "x-decision": declaration})
        assert any(words in p for p in problems), (declaration, problems)


def test_the_case_reports_steps_leave_out_claims_and_name_the_actor_once(app, api):
    """Issue 14, findings 13 and 6: 办理过程 lists no 认领/释放 rows and does not repeat the
    actor's name; the report states the dates entered at registration."""
    case_id = api.as_("recorder").register(decided_on="2026-04-01")["id"]
    reviewer = api.as_("reviewer")
    task = reviewer.task_for(case_id, "entry_review")
    assert reviewer.post(f"/tasks/{task['id']}/claim").status_code == 200
    reviewer.complete(case_id, "entry_review", APPROVE)
    assert reviewer.post(f"/cases/{case_id}/documents/report").status_code == 201
    steps = docs(case_id)[-1].context["timeline"]
    assert [s["summary"] for s in steps][:2] == ["登记：拖欠中标企业合同款", "办理：录入审核"]
    assert [s["actor"] for s in steps][:2] == ["信息录入员 王磊", "审核员 李娜"]
    assert not any("认领" in s["summary"] or s["actor"] in s["summary"] for s in steps)
    text = re.sub(r"\s+", "", pdf_text(docs(case_id)[-1]))
    assert "失信行为发生日期二〇二六年三月十五日" in text and "来源文书作出日期二〇二六年四月一日" in text


def test_the_task_pages_timeline_filters_stay_on_the_task_page(app, client):
    """A reviewer filtering the timeline beside their task keeps the task (and its form) in view."""
    with app.app_context():
        api = Api(app.test_client())
        case_id = api.as_("recorder").register()["id"]
        api.as_("reviewer").complete(case_id, "entry_review", APPROVE)
        task_id = api.as_("handler.fgw").task_for(case_id, "respond_notice")["id"]
    login(client, "handler.fgw")
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    nav = html.split('id="timeline-filter"')[1].split("</nav>")[0]
    assert f'href="/tasks/{task_id}?kind=decision#timeline-card"' in nav
    assert f'href="/tasks/{task_id}#timeline-card"' in nav and "/cases/" not in nav
    filtered = client.get(f"/tasks/{task_id}?kind=decision").get_data(as_text=True)
    items = filtered.split('id="timeline"')[1].split("</ol>")[0]
    assert "入库审核：通过，告知被记录单位" in items and "办理：录入审核" not in items and "<details" not in items
    assert 'id="task-form"' in filtered
    assert client.get(f"/tasks/{task_id}?kind=nonsense").status_code == 422
