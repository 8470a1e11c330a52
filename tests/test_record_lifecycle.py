"""Every path of lifecycle 1 (DOMAIN.md), driven through the API by the right users, with the
clock moved and timers fired by `tick`."""
from datetime import datetime

from app.core.clock import LOCAL_TZ
from tests.support import elements

APPROVE = {"entry_decision": "approve", "review_opinion": "事实清楚，证据充分"}
PUBLISH = {"publish": True, "decision_note": "一般失信，依规公开"}


def registered_and_notified(api, **overrides):
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    case = recorder.register(**overrides)
    assert case["number"].startswith("ZX-2026-") and case["status"] == "in_review"
    assert [t["element"] for t in case["open_tasks"]] == ["entry_review"]
    reviewer.complete(case["id"], "entry_review", APPROVE)
    return case["id"]


def statuses(case):
    return [e["data"]["to"] for e in case["timeline"] if e["kind"] == "status.changed"]


def test_no_objection_handler_accepts_then_publication_expires_by_timer(api, tick):
    case_id = registered_and_notified(api)
    handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
    notified = handler.case(case_id)
    assert notified["status"] == "notified"
    task = handler.task_for(case_id, "respond_notice")
    # Notified Monday 2026-09-14: the 5th working day is Sunday 2026-09-20 (a make-up working day),
    # so the answer is due when that day ends.
    assert datetime.fromisoformat(task["due_at"]).astimezone(LOCAL_TZ) == datetime(2026, 9, 21, tzinfo=LOCAL_TZ)

    handler.complete(case_id, "respond_notice", {"response": "accept"})
    assert reviewer.case(case_id)["status"] == "confirmed"
    reviewer.complete(case_id, "publication_decision", PUBLISH)
    case = reviewer.case(case_id)
    assert case["status"] == "published"
    assert (case["publication_start"], case["publication_end"], case["repairable_from"]) == \
        ("2026-09-14", "2027-09-14", "2026-12-14")
    assert elements(case) == []  # repair only after the minimum period

    tick(datetime(2026, 12, 14, 0, 0, 1, tzinfo=LOCAL_TZ))
    assert elements(reviewer.case(case_id)) == ["apply_repair"]

    tick(datetime(2027, 9, 13, 23, 0, tzinfo=LOCAL_TZ))
    assert reviewer.case(case_id)["status"] == "published"  # not a moment early
    tick(datetime(2027, 9, 14, 0, 0, 1, tzinfo=LOCAL_TZ))
    case = reviewer.case(case_id)
    assert case["status"] == "expired" and case["closed_at"] is not None
    assert elements(case) == []
    assert statuses(case) == ["in_review", "notified", "confirmed", "published", "expired"]


def test_silence_until_the_window_ends_counts_as_acceptance(api, tick):
    case_id = registered_and_notified(api)
    handler = api.as_("handler.fgw")
    tick(datetime(2026, 9, 20, 23, 59, tzinfo=LOCAL_TZ))
    assert handler.case(case_id)["status"] == "notified"
    tick(datetime(2026, 9, 21, 0, 0, 1, tzinfo=LOCAL_TZ))
    case = handler.case(case_id)
    assert case["status"] == "confirmed"
    assert elements(case) == ["publication_decision"]
    kinds = [e["kind"] for e in case["timeline"]]
    assert "task.cancelled" in kinds and "timer.fired" in kinds
    # The handler's task is gone from every inbox and can no longer be completed.
    assert all(t["element"] != "respond_notice" for t in handler.get("/tasks?scope=available").get_json()["items"])


def test_objection_upheld(api):
    case_id = registered_and_notified(api)
    handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
    handler.complete(case_id, "respond_notice", {
        "response": "object", "objection_grounds": "款项已于2026年4月支付，见银行回单", "commitment": True})
    case = reviewer.case(case_id)
    assert case["status"] == "under_objection"
    review = reviewer.task_for(case_id, "objection_review")
    assert datetime.fromisoformat(review["due_at"]).astimezone(LOCAL_TZ) == datetime(2026, 9, 21, tzinfo=LOCAL_TZ)
    reviewer.complete(case_id, "objection_review", {"objection_outcome": "uphold", "reply_reasons": "回单日期晚于约定期限"})
    case = reviewer.case(case_id)
    assert case["status"] == "confirmed" and elements(case) == ["publication_decision"]
    assert statuses(case) == ["in_review", "notified", "under_objection", "confirmed"]


def test_objection_leads_to_correction_of_facts_and_tier(api):
    case_id = registered_and_notified(api)
    handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
    handler.complete(case_id, "respond_notice", {"response": "object", "objection_grounds": "金额有误", "commitment": True})
    reviewer.complete(case_id, "objection_review", {
        "objection_outcome": "correct", "reply_reasons": "经核实金额为 80 万元",
        "corrected_facts": "未按合同约定拨付合同款 80 万元。", "corrected_tier": "minor"})
    case = reviewer.case(case_id)
    assert (case["status"], case["tier"], case["facts"]) == ("confirmed", "minor", "未按合同约定拨付合同款 80 万元。")
    corrected = [e for e in case["timeline"] if e["kind"] == "record.corrected"][0]
    assert corrected["data"]["tier"] == {"from": "general", "to": "minor"}
    # The corrected tier decides the publication window: minor → at most 3 months, repair at once.
    reviewer.complete(case_id, "publication_decision", {**PUBLISH, "minor_publication_reason": "涉及政府采购，依规公开以警示"})
    case = reviewer.case(case_id)
    assert (case["publication_end"], case["repairable_from"]) == ("2026-12-14", "2026-09-14")
    assert elements(case) == ["apply_repair"]


def test_objection_revokes_the_record(api):
    case_id = registered_and_notified(api)
    handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
    handler.complete(case_id, "respond_notice", {"response": "object", "objection_grounds": "处罚决定已被复议撤销", "commitment": True})
    reviewer.complete(case_id, "objection_review", {"objection_outcome": "revoke", "reply_reasons": "来源决定已撤销"})
    case = reviewer.case(case_id)
    assert case["status"] == "revoked" and case["closed_at"] is not None and elements(case) == []


def test_entry_review_exemption_closes_without_a_record(api):
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    case = recorder.register()
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "exempt", "review_opinion": "符合容错情形"})
    case = reviewer.case(case["id"])
    assert case["status"] == "exempted" and case["closed_at"] and elements(case) == []
    assert api.as_("handler.fgw").get("/tasks?scope=available").get_json()["total"] == 0


def test_entry_review_returns_for_correction_and_loops_back(api):
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    case = recorder.register()
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "return", "review_opinion": "文号有误"})
    assert reviewer.case(case["id"])["status"] == "returned"
    recorder.complete(case["id"], "correct_entry", {
        "title": "拖欠中标企业合同款", "source_type": "administrative_penalty", "document_number": "沪财监〔2026〕18号",
        "key_area": "政府采购", "tier": "general", "facts": "未按合同约定拨付合同款 120 万元。", "correction_note": "更正文号"})
    case = reviewer.case(case["id"])
    assert case["status"] == "in_review" and case["document_number"] == "沪财监〔2026〕18号"
    assert elements(case) == ["entry_review"]
    reviewer.complete(case["id"], "entry_review", APPROVE)
    assert reviewer.case(case["id"])["status"] == "notified"


def test_repair_refused_then_granted(api, tick):
    case_id = registered_and_notified(api)
    handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
    handler.complete(case_id, "respond_notice", {"response": "accept"})
    reviewer.complete(case_id, "publication_decision", PUBLISH)
    tick(datetime(2026, 12, 14, 9, 0, tzinfo=LOCAL_TZ))
    application = {"correction_proof": "已全额支付并致歉", "credit_commitment": True}
    handler.complete(case_id, "apply_repair", application)
    review = reviewer.task_for(case_id, "review_repair")
    # 2026-12-14 (Mon) + 3 working days → Thursday 2026-12-17.
    assert datetime.fromisoformat(review["due_at"]).astimezone(LOCAL_TZ) == datetime(2026, 12, 18, tzinfo=LOCAL_TZ)
    reviewer.complete(case_id, "review_repair", {"repair_decision": "refuse", "repair_reasons": "未提供支付凭证"})
    case = handler.case(case_id)
    assert case["status"] == "published" and elements(case) == ["apply_repair"]
    handler.complete(case_id, "apply_repair", application)
    reviewer.complete(case_id, "review_repair", {"repair_decision": "grant", "repair_reasons": "已纠正"})
    case = handler.case(case_id)
    assert case["status"] == "repaired" and case["publication_end"] == "2026-12-14" and case["closed_at"]
    assert statuses(case)[-2:] == ["published", "repaired"]


def test_not_published_ends_with_a_confirmed_record(api):
    case_id = registered_and_notified(api)
    api.as_("handler.fgw").complete(case_id, "respond_notice", {"response": "accept"})
    reviewer = api.as_("reviewer")
    reviewer.complete(case_id, "publication_decision", {"publish": False, "decision_note": "轻微，不公开"})
    case = reviewer.case(case_id)
    assert case["status"] == "confirmed" and case["closed_at"] and case["publication_start"] is None


def test_timeline_records_who_did_what(api):
    case_id = registered_and_notified(api)
    case = api.as_("reviewer").case(case_id)
    actors = [(e["kind"], e["actor"]) for e in case["timeline"] if e["actor"]]
    assert ("case.registered", "recorder") in actors and ("task.completed", "reviewer") in actors
    completed = [e for e in case["timeline"] if e["kind"] == "task.completed"][0]
    assert completed["data"]["data"]["entry_decision"] == "approve"


def test_repair_of_a_serious_record_reaching_an_unloaded_year_fails_clearly(api, tick):
    case_id = registered_and_notified(api, tier="serious")
    handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
    handler.complete(case_id, "respond_notice", {"response": "accept"})
    reviewer.complete(case_id, "publication_decision", PUBLISH)
    assert reviewer.case(case_id)["repairable_from"] == "2027-09-14"  # serious: at least one year
    tick(datetime(2027, 9, 14, 9, 0, tzinfo=LOCAL_TZ))
    assert elements(handler.case(case_id)) == ["apply_repair"]
    # The repair review's working-day deadline needs 2027's calendar, which is not loaded.
    r = handler.post(f"/tasks/{handler.task_for(case_id, 'apply_repair')['id']}/complete",
                     {"data": {"correction_proof": "已纠正", "credit_commitment": True}})
    assert r.status_code == 409
    assert "2027 年的工作日历尚未导入" in r.get_json()["error"]["message"]
    case = handler.case(case_id)
    assert case["status"] == "published" and elements(case) == ["apply_repair"]  # nothing half-written
    [warning] = handler.get("/me").get_json()["warnings"]  # this year is missing: the handler's work is blocked
    assert warning.startswith("2027、2028 年工作日历尚未导入") and "请联系系统管理员导入" in warning
