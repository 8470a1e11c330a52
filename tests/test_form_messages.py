"""What forms say back (issue 14, findings 4, 5, 14): choices named as the form names them (not
their codes) in validation messages and the case file, record fields named by the record form's
titles in the timeline, and dates out of range answered with the bound, not "格式不正确", without
a second error on a field compared against an invalid one."""
from datetime import datetime

from app import forms
from app.core.clock import LOCAL_TZ
from tests.support import RECORD, Api
from tests.test_case_file import APPROVE, case_file, values

PUBLISH_FIELD = "在政务失信记录公开查询网站公开该记录"


def fields_of(r) -> dict:
    assert r.status_code == 422, r.get_json()
    return r.get_json()["error"]["fields"]


def register(user, **data):
    return user.post("/cases", {"process": "dishonesty_record", "data": {**RECORD, **data}})


def test_a_wrong_choice_lists_the_forms_names_for_the_choices(api):
    recorder = api.as_("recorder")
    assert fields_of(register(recorder, tier="x"))["tier"] == ["“失信程度”的取值必须是以下之一：轻微、一般、严重"]
    case = recorder.register()
    reviewer = api.as_("reviewer")
    reviewer.complete(case["id"], "entry_review", APPROVE)
    api.as_("handler.fgw").complete(case["id"], "respond_notice", {"response": "accept"})
    task = reviewer.task_for(case["id"], "publication_decision")
    for wrong in ("x", 1):
        r = reviewer.post(f"/tasks/{task['id']}/complete", {"data": {"publish": wrong, "decision_note": "说明"}})
        assert fields_of(r)["publish"] == [f"“{PUBLISH_FIELD}”的取值必须是以下之一：予以公开、不予公开"]


def test_a_oneof_choice_is_named_by_its_titles(app):
    schema = {"type": "object", "title": "t", "properties": {"level": {"type": "string", "title": "级别", "oneOf": [
        {"const": "a", "title": "甲"}, {"const": "b", "title": "乙"}]}}}
    with app.app_context():
        errors = forms.Draft202012Validator(schema).iter_errors({"level": "c"})
        assert [forms._message(e, schema) for e in errors] == [("level", "“级别”的取值必须是以下之一：甲、乙")]
        assert forms.choice_label({"type": "boolean", "enum": [True, False], "x-enum-labels": ["是的", "不"]}, 1) is None


def test_the_case_file_shows_a_yes_no_choice_by_its_label(api, tick):
    case = api.as_("recorder").register()
    reviewer, handler = api.as_("reviewer"), api.as_("handler.fgw")
    reviewer.complete(case["id"], "entry_review", APPROVE)
    handler.complete(case["id"], "respond_notice", {"response": "accept"})
    reviewer.complete(case["id"], "publication_decision", {"publish": True, "decision_note": "依规公开"})
    tick(datetime(2026, 12, 14, 0, 0, 1, tzinfo=LOCAL_TZ))
    _task, entries = case_file(handler, case["id"], "apply_repair")
    decision = next(e for e in entries if e["element"] == "publication_decision")
    assert values(decision)[PUBLISH_FIELD] == "予以公开"


def test_a_corrected_record_is_named_by_the_record_forms_titles_in_the_timeline(api):
    case = api.as_("recorder").register()
    reviewer, handler = api.as_("reviewer"), api.as_("handler.fgw")
    reviewer.complete(case["id"], "entry_review", APPROVE)
    handler.complete(case["id"], "respond_notice", {"response": "object", "objection_grounds": "金额有误", "commitment": True})
    reviewer.complete(case["id"], "objection_review", {
        "objection_outcome": "correct", "reply_reasons": "经核实金额为 80 万元",
        "corrected_facts": "未按合同约定拨付合同款 80 万元。", "corrected_tier": "minor"})
    corrected = [e for e in reviewer.case(case["id"])["timeline"] if e["kind"] == "record.corrected"]
    assert [e["summary"] for e in corrected] == ["记录内容已更正：失信事实、失信程度"]


def test_a_date_out_of_range_names_the_bound_and_spares_the_field_compared_with_it(api):
    recorder = api.as_("recorder")
    assert fields_of(register(recorder, occurred_on="9999-12-31", decided_on="2026-03-20")) == {
        "occurred_on": ["“失信行为发生日期”不得晚于 2026-09-14"]}
    assert fields_of(register(recorder, occurred_on="1900-01-01", decided_on="1948-01-01")) == {
        "occurred_on": ["“失信行为发生日期”不得早于 1949-10-01"], "decided_on": ["“来源文书作出日期”不得早于 1949-10-01"]}
    assert fields_of(register(recorder, occurred_on="0001-01-01")) == {"occurred_on": ["“失信行为发生日期”不得早于 1949-10-01"]}
    assert fields_of(register(recorder, occurred_on="2026-02-30", decided_on="2026-03-20")) == {
        "occurred_on": ["“失信行为发生日期”格式不正确（应为YYYY-MM-DD 日期）"]}
    assert fields_of(register(recorder, occurred_on="2026-03-21", decided_on="2026-03-20")) == {
        "decided_on": ["“来源文书作出日期”不得早于“失信行为发生日期”（2026-03-21）"]}
    assert register(recorder, occurred_on="1949-10-01", decided_on="1949-10-01").status_code == 201


def test_the_record_forms_date_inputs_carry_the_lower_bound(app):
    with app.app_context():
        props = forms.load_form("record_register")["properties"]
        assert forms.date_input_bounds(props["decided_on"]) == {
            "min": "1949-10-01", "max": "2026-09-14", "min_field": "occurred_on", "max_field": None}
        assert forms.schema_problems(forms.load_form("record_register")) == []
        bad = {**forms.load_form("record_register")}
        bad["properties"]["occurred_on"]["x-date-min"] = ["1949-13-01"]
        assert any("x-date-min 写法无效" in p for p in forms.schema_problems(bad))
