"""Escalation that carries the policy's consequences (issue 18, policy §二(一)2): every path that
escalates waits for a supervisor's confirmation (确认升级处理) whose form starts with facts that
say what happened; confirming issues a numbered, verifiable 通报批评, records a dishonesty record
of the tier and source the supervisor chose, withdraws honours eligibility for the period the
rules set, and gives the unit's discipline/HR side an accountability task (追究责任) with a
deadline. A confirmed dishonesty record opens the unit's written explanation and rectification.
Rectification deadlines are bounded by the rules. Real engine, real database, the API and pages."""
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app import forms
from app.cases.models import Case, CaseLink
from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from app.documents.models import Document
from app.org.models import CivilServant, Department
from app.sanctions import service as sanctions
from tests.support import Api, elements
from tests.test_warning_lifecycle import CONFIRM, PLAN, after, linked_record, overdue, raise_warning, stage
from tests.web_support import login, post


def refuse(api, case_id):
    api.as_("handler.fgw").complete(case_id, "explain", {"explanation": "不认可预警事由", "will_rectify": "no"})


def confirm_page(client, api, case_id) -> str:
    task = api.as_("supervisor").task_for(case_id, "confirm_escalation")
    login(client, "supervisor")
    page = client.get(f"/tasks/{task['id']}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def field_value(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html)
    assert match, f"no field {name}"
    return match.group(1)


def test_refusal_waits_for_confirmation_with_facts_that_say_the_unit_refused(api, client):
    case_id = raise_warning(api)
    refuse(api, case_id)
    assert stage(api, case_id) == "escalation_pending"
    assert elements(api.as_("supervisor").case(case_id)) == ["confirm_escalation"]
    assert db.session.scalar(select(CaseLink).where(CaseLink.case_id == case_id)) is None
    html = confirm_page(client, api, case_id)
    facts = field_value(html, "record_facts")
    assert "书面表示不予整改" in facts and "不认可预警事由" in facts and "督办" not in facts
    assert "拒不整改：企业服务投诉集中" in html  # the record's title, prefilled
    # the API gives the same starting values (its twin of the prefilled page)
    task = api.as_("supervisor").task_for(case_id, "confirm_escalation")
    initial = api.as_("supervisor").get(f"/tasks/{task['id']}").get_json()["initial_values"]
    assert initial["record_facts"] == facts.replace("&amp;", "&") and initial["record_title"] == "拒不整改：企业服务投诉集中"
    assert api.as_("handler.fgw").get(f"/tasks/{task['id']}").status_code in (403, 404)
    # the tier and source are the supervisor's choice: nothing is preselected
    for name in ("record_tier", "record_source_type"):
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
        assert "selected" not in select_html


def test_escalation_after_supervision_says_it_was_supervised(api, client, tick):
    case_id = raise_warning(api)
    overdue(api, tick, case_id)
    api.as_("supervisor").complete(case_id, "supervise_explain", {"supervision_action": "escalate",
                                                                 "supervision_reason": "两次催办仍不说明"})
    facts = field_value(confirm_page(client, api, case_id), "record_facts")
    assert "经督办仍未履行" in facts and "两次催办仍不说明" in facts and "不予整改" not in facts


def test_confirmation_needs_tier_source_and_facts(api):
    case_id = raise_warning(api)
    refuse(api, case_id)
    supervisor = api.as_("supervisor")
    task = supervisor.task_for(case_id, "confirm_escalation")
    r = supervisor.post(f"/tasks/{task['id']}/complete",
                        {"data": {"escalation_decision": "confirm", "escalation_opinion": "同意升级"}})
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert {"record_tier", "record_source_type", "record_title", "record_facts"} <= set(fields)
    r = supervisor.post(f"/tasks/{task['id']}/complete", {"data": {**CONFIRM, "record_tier": "grave"}})
    assert r.status_code == 422 and "record_tier" in r.get_json()["error"]["fields"]
    assert stage(api, case_id) == "escalation_pending"


def test_confirmed_escalation_issues_the_criticism_records_and_withdraws_honours(api, client):
    case_id = raise_warning(api)
    refuse(api, case_id)
    api.as_("supervisor").complete(case_id, "confirm_escalation", {
        **CONFIRM, "record_tier": "serious", "record_source_type": "disciplinary_sanction",
        "record_document_number": "沪纪〔2026〕8号", "record_facts": "市发展改革委书面表示不予整改。"})
    case = api.as_("supervisor").case(case_id)
    assert case["status"] == "escalated" and elements(case) == ["accountability"]
    # 通报批评: numbered, rendered, verifiable, with the confirmed facts
    criticism = next(d for d in case["documents"] if d["type"] == "public_criticism")
    document = db.session.get(Document, criticism["id"])
    assert document.status == "rendered" and document.sha256 and document.title == "通报批评"
    assert document.context["data"]["facts"] == "市发展改革委书面表示不予整改。"
    assert document.addressee == "各区人民政府，市政府各委、办、局"
    verify = client.get(f"/verify/{document.verification_code}")
    assert verify.status_code == 200 and document.number in verify.get_data(as_text=True)
    pdf = api.as_("supervisor").get(f"/cases/{case_id}/documents/{document.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the record: the supervisor's tier, source, document number and facts
    record = api.as_("reviewer").case(linked_record(case))
    assert (record["tier"], record["source_type"], record["document_number"]) == (
        "serious", "disciplinary_sanction", "沪纪〔2026〕8号")
    assert record["facts"] == "市发展改革委书面表示不予整改。" and record["status"] == "in_review"
    # honours eligibility: the unit, from today, for the rules' 12 months
    (restriction,) = case["honours_restrictions"]
    assert restriction["department"] == "fgw" and restriction["starts_on"] == "2026-09-14"
    assert restriction["ends_on"] == "2027-09-13" and document.number in restriction["reason"]
    fgw = db.session.scalar(select(Department.id).where(Department.code == "fgw"))
    czj = db.session.scalar(select(Department.id).where(Department.code == "czj"))
    assert [r.source_case_id for r in sanctions.in_force(fgw)] == [case_id]
    assert sanctions.in_force(fgw, date(2027, 9, 14)) == [] and sanctions.in_force(czj) == []
    # both case pages show it: the document, the restriction, the links
    login(client, "supervisor")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-type="public_criticism"' in html and 'id="honours-restrictions"' in html
    assert 'data-relation="escalated_to"' in html
    assert 'data-relation="escalated_from"' in client.get(f"/cases/{record['id']}").get_data(as_text=True)


def test_accountability_goes_to_the_units_discipline_side_and_is_recorded(api, client, tick):
    case_id = raise_warning(api)
    refuse(api, case_id)
    api.as_("supervisor").complete(case_id, "confirm_escalation", CONFIRM)
    discipline = api.as_("discipline.fgw")
    task = discipline.task_for(case_id, "accountability")
    due = datetime.fromisoformat(task["due_at"]).astimezone(LOCAL_TZ)
    assert task["role"] == "discipline" and due == datetime(2026, 10, 17, tzinfo=LOCAL_TZ)  # 20 working days
    assert api.as_("handler.czj").get(f"/tasks/{task['id']}").status_code == 404
    r = api.as_("handler.fgw").post(f"/tasks/{task['id']}/complete", {"data": {}})
    assert r.status_code == 403
    tick(after(20))  # overdue: a supervision task like the handler's steps
    assert sorted(elements(api.as_("supervisor").case(case_id))) == ["accountability", "supervise_accountability"]
    discipline.complete(case_id, "accountability", {"accountability_outcome": "held_accountable",
                                                    "accountability_measures": "对分管副主任诫勉谈话",
                                                    "accountability_persons": "李明（副主任）：诫勉谈话"})
    case = api.as_("supervisor").case(case_id)
    assert elements(case) == [] and case["closed_at"]
    decision = next(d for d in case["decisions"] if d["kind"] == "accountability")
    assert decision["outcome"] == "held_accountable" and decision["reasons"] == "对分管副主任诫勉谈话"
    assert decision["actor"] == "discipline.fgw"
    login(client, "supervisor")
    assert "对分管副主任诫勉谈话" in client.get(f"/cases/{case_id}").get_data(as_text=True)


def test_a_withdrawn_escalation_sends_the_unit_back_to_explain(api):
    case_id = raise_warning(api)
    refuse(api, case_id)
    api.as_("supervisor").complete(case_id, "confirm_escalation", {"escalation_decision": "withdraw",
                                                                   "escalation_opinion": "单位已同意整改"})
    case = api.as_("supervisor").case(case_id)
    assert case["status"] == "explaining" and elements(case) == ["explain"]
    assert not any(d["type"] == "public_criticism" for d in case["documents"]) and not case["honours_restrictions"]


# --- rectification deadlines bounded by the rules (warning_deadlines) ------------------------------

def test_plan_deadline_must_be_in_the_future_and_within_the_rules_maximum(api):
    case_id = raise_warning(api)
    handler = api.as_("handler.fgw")
    handler.complete(case_id, "explain", {"explanation": "人手不足", "will_rectify": "yes"})
    task = handler.task_for(case_id, "submit_plan")
    for day, message in (("2026-09-14", "不得早于 2026-09-15"), ("2026-12-14", "不得晚于 2026-12-13")):
        r = handler.post(f"/tasks/{task['id']}/complete", {"data": {**PLAN, "rectification_deadline": day}})
        assert r.status_code == 422, day
        assert any(message in m for m in r.get_json()["error"]["fields"]["rectification_deadline"]), r.get_json()
    assert stage(api, case_id) == "planning"
    handler.complete(case_id, "submit_plan", {**PLAN, "rectification_deadline": "2026-12-13"})
    assert stage(api, case_id) == "planning" and elements(api.as_("supervisor").case(case_id)) == ["review_plan"]


def test_plan_form_starts_with_the_rules_default_and_carries_the_bounds(app):
    for unit, user, default in (("fgw", "handler.fgw", clock.today() + timedelta(days=30)),
                                ("pudong", "handler.pudong", clock.today() + timedelta(days=20))):
        with app.app_context():  # the API's steps; the browser's requests run outside (as a browser's do)
            api = Api(app.test_client())
            case_id = raise_warning(api, subject_department=unit)
            api.as_(user).complete(case_id, "explain", {"explanation": "人手不足", "will_rectify": "yes"})
            task_id = api.as_(user).task_for(case_id, "submit_plan")["id"]
            db.session.remove()
        client = app.test_client()
        login(client, user)
        html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
        date_input = re.search(r'<input[^>]*type="date"[^>]*name="rectification_deadline"[^>]*>', html).group(0)
        assert f'value="{default.isoformat()}"' in date_input
        assert 'min="2026-09-15"' in date_input and 'max="2026-12-13"' in date_input
        # the web form refuses a past deadline too, naming the field
        r = post(client, f"/tasks/{task_id}", {**PLAN, "rectification_deadline": "2026-09-01"}, page=f"/tasks/{task_id}")
        assert r.status_code == 422 and "不得早于 2026-09-15" in r.get_data(as_text=True)



def test_the_api_form_carries_the_rules_bounds_as_dates(api):
    """The API's task form names the bounds the web page's date input carries, as dates a client
    can use (the attack: it said "today+var:rectification_max_days", a variable no client can
    read, so an API client could not know the latest deadline it may choose)."""
    case_id = raise_warning(api, subject_department="pudong")
    handler = api.as_("handler.pudong")
    handler.complete(case_id, "explain", {"explanation": "人手不足", "will_rectify": "yes"})
    task = handler.get(f"/tasks/{handler.task_for(case_id, 'submit_plan')['id']}").get_json()
    field = task["form"]["properties"]["rectification_deadline"]
    assert field["x-date-max"] == (clock.today() + timedelta(days=90)).isoformat()
    assert field["x-date-min"] == "today+1d"  # a bound the client can read stays as written
    assert task["initial_values"]["rectification_deadline"] == (clock.today() + timedelta(days=20)).isoformat()
    assert "var:" not in str(field["x-date-max"]) + str(field["x-date-min"])

# --- a confirmed record opens the written explanation and rectification (policy §二(一)2) ----------

def test_a_confirmed_record_opens_the_units_explanation_linked_both_ways(api, client):
    record = api.as_("recorder").register()
    api.as_("reviewer").complete(record["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    assert db.session.scalar(select(CaseLink).where(CaseLink.case_id == record["id"])) is None  # not before confirmation
    api.as_("handler.fgw").complete(record["id"], "respond_notice", {"response": "accept"})
    body = api.as_("reviewer").case(record["id"])
    assert body["status"] == "confirmed" and elements(body) == ["publication_decision"]
    (link,) = body["linked_cases"]
    assert link["relation"] == "rectification_opened" and link["status"] == "explaining"
    warning = api.as_("handler.fgw").case(link["case_id"])
    assert warning["process"] == "warning_rectification" and warning["subject_department"] == "fgw"
    assert elements(warning) == ["explain"] and record["number"] in warning["facts"]
    assert [(x["relation"], x["case_id"]) for x in warning["linked_cases"]] == [("rectification_of", record["id"])]
    login(client, "handler.fgw")
    assert 'data-relation="rectification_opened"' in client.get(f"/cases/{record['id']}").get_data(as_text=True)
    assert 'data-relation="rectification_of"' in client.get(f"/cases/{link['case_id']}").get_data(as_text=True)



def test_a_civil_servants_record_opens_no_unit_rectification(api):
    """Policy §二(一)2 asks 各区、各部门 with a record to explain and rectify; a civil servant with a
    record gets measures of their own (“对存在政务失信记录的公务员，按照相关规定采取限制评优评先等处理措施”),
    not a warning against their unit (the attack: 孙明's record opened a warning to 市财政局)."""
    servant = db.session.scalar(select(CivilServant).where(CivilServant.staff_number == "CZ-2019-0107"))
    record = api.as_("recorder").register(subject_type="civil_servant", subject_department="czj",
                                          civil_servant_id=servant.id)
    api.as_("reviewer").complete(record["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    api.as_("handler.czj").complete(record["id"], "respond_notice", {"response": "accept"})
    body = api.as_("reviewer").case(record["id"])
    assert body["status"] == "confirmed" and elements(body) == ["publication_decision"]
    assert body["linked_cases"] == []
    assert db.session.scalar(select(CaseLink).where(CaseLink.case_id == record["id"])) is None

# --- the record an escalation creates ----------------------------------------------------------------

APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}


def escalated_record(api, **confirm) -> tuple[int, int]:
    """A supervisor's warning to 市发展改革委, refused and escalated: (warning id, record id)."""
    case_id = raise_warning(api)
    refuse(api, case_id)
    api.as_("supervisor").complete(case_id, "confirm_escalation", {**CONFIRM, **confirm})
    return case_id, linked_record(api.as_("supervisor").case(case_id))


def test_an_escalated_record_opens_no_second_rectification_for_the_unit(api):
    """The unit already had its warning — the written explanation and rectification it refused, the
    criticism and accountability that followed. Confirming the record that escalation created does
    not open another warning for the same unit (the gateway reads `case['escalated_from']`); its
    source decision is the escalation itself, made today, unless the supervisor named an earlier one."""
    warning_id, record_id = escalated_record(api)
    reviewer = api.as_("reviewer")
    assert reviewer.case(record_id)["source_decided_on"] == "2026-09-14"
    reviewer.complete(record_id, "entry_review", APPROVE)
    api.as_("handler.fgw").complete(record_id, "respond_notice", {"response": "accept"})
    record = reviewer.case(record_id)
    assert record["status"] == "confirmed" and elements(record) == ["publication_decision"]
    assert [(x["relation"], x["case_id"]) for x in record["linked_cases"]] == [("escalated_from", warning_id)]
    fgw = db.session.scalar(select(Department.id).where(Department.code == "fgw"))
    warnings = db.session.scalars(select(Case.id).where(Case.process_key == "warning_rectification",
                                                        Case.subject_department_id == fgw)).all()
    assert warnings == [warning_id]


def test_an_escalated_records_correction_and_provider_check_go_to_the_supervisor(api):
    """Who records an escalated record (DOMAIN.md: the supervisor escalates; the record's tier, source
    and facts are the supervisor's, confirmed in 确认升级处理): its recording unit is the warning's,
    here the supervising office (市政府督查室), which has no recorder. A returned entry is therefore
    corrected by the supervisor, and an objection the centre transfers to the data provider is
    checked by the supervisor — not left with a recorder nobody is."""
    _, record_id = escalated_record(api, record_document_number="沪纪〔2026〕8号", record_decided_on="2026-08-28")
    reviewer, supervisor, handler = api.as_("reviewer"), api.as_("supervisor"), api.as_("handler.fgw")
    record = reviewer.case(record_id)
    assert record["source_decided_on"] == "2026-08-28" and record["document_number"] == "沪纪〔2026〕8号"
    assert db.session.get(Case, record_id).recording_department.code == "dcs"
    reviewer.complete(record_id, "entry_review", {"entry_decision": "return", "review_opinion": "请写明问责决定的文号"})
    record = reviewer.case(record_id)
    assert record["status"] == "returned" and elements(record) == ["correct_escalated_entry"]
    task = supervisor.task_for(record_id, "correct_escalated_entry")
    assert task["role"] == "supervisor"
    assert api.as_("recorder").get(f"/tasks/{task['id']}").status_code == 404
    supervisor.complete(record_id, "correct_escalated_entry", {
        "title": "拒不说明原因", "source_type": "accountability_decision", "document_number": "沪纪〔2026〕9号",
        "key_area": "企业服务", "tier": "general", "facts": "逾期未说明，经督办仍未说明。", "decided_on": "2026-08-28",
        "correction_note": "更正问责决定文号"})
    record = reviewer.case(record_id)
    assert record["status"] == "in_review" and record["document_number"] == "沪纪〔2026〕9号"
    reviewer.complete(record_id, "entry_review", APPROVE)
    handler.complete(record_id, "respond_notice", {"response": "object", "objection_grounds": "已部分整改",
                                                   "commitment": True})
    reviewer.complete(record_id, "objection_review", {"objection_outcome": "transfer", "reply_reasons": "请督导员核查"})
    record = reviewer.case(record_id)
    assert elements(record) == ["supervisor_check"] and record["open_tasks"][0]["role"] == "supervisor"
    supervisor.complete(record_id, "supervisor_check", {"provider_outcome": "uphold", "provider_reasons": "经核查仍未整改"})
    record = reviewer.case(record_id)
    assert record["status"] == "confirmed" and elements(record) == ["publication_decision"]
    assert [x["relation"] for x in record["linked_cases"]] == ["escalated_from"]  # still no second warning


# --- the form attributes this needs (x-default, today+var:NAME, x-confirm) --------------------------

def _schema(**prop) -> dict:
    return {"title": "测试", "type": "object", "properties": {
        "day": {"type": "string", "format": "date", "title": "日期", **prop},
        "choice": {"type": "string", "title": "选择", "enum": ["a", "b"]}}}


def test_variable_bounds_and_defaults_are_checked_when_a_form_is_saved(ctx):
    assert forms.schema_problems(_schema(**{"x-date-max": "today+var:max_days", "x-default": "today+var:days"})) == []
    assert forms.schema_problems(_schema(**{"x-default": "var:facts"})) == []
    assert forms.schema_problems(_schema(**{"x-default": "today+var:"})) != []
    assert forms.schema_problems(_schema(**{"x-date-max": "today+var:Max"})) != []
    confirm = _schema()
    confirm["properties"]["choice"]["x-confirm"] = {"value": "c", "message": "确定？"}
    assert any("x-confirm" in p for p in forms.schema_problems(confirm))
    confirm["properties"]["choice"]["x-confirm"] = {"value": "b", "message": "确定？"}
    assert forms.schema_problems(confirm) == []


def test_a_variable_bound_applies_only_with_its_variable(ctx):
    schema = _schema(**{"x-date-max": "today+var:max_days", "x-default": "today+var:days"})
    assert forms.initial_values(schema, {"days": 30}) == {"day": "2026-10-14"}
    assert forms.initial_values(schema, {}) == {}
    assert forms.date_input_bounds(schema["properties"]["day"], {"max_days": 10})["max"] == "2026-09-24"
    assert forms.date_input_bounds(schema["properties"]["day"], {"max_days": True})["max"] is None  # not a number
