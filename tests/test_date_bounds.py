"""Date bounds in forms (`x-date-min` / `x-date-max`: "today", "today±Nd", "field:NAME"): the
server refuses dates outside them with a Chinese message naming the field and the bound (422),
the date input carries min/max, and a bound written wrongly is refused when a form is saved.
The suite's clock stands at Monday 2026-09-14 (Asia/Shanghai)."""
import re

import pytest

from app import forms
from app.core.errors import ValidationFailed
from tests.support import RECORD
from tests.test_warning_lifecycle import PLAN, raise_warning
from tests.web_support import login, post


def _planning(api) -> int:
    case_id = raise_warning(api)
    api.as_("handler.fgw").complete(case_id, "explain", {"explanation": "说明", "will_rectify": "yes"})
    return case_id


def _submit_plan(api, case_id, deadline):
    handler = api.as_("handler.fgw")
    task = handler.task_for(case_id, "submit_plan")
    return handler.post(f"/tasks/{task['id']}/complete", {"data": {**PLAN, "rectification_deadline": deadline}})


@pytest.mark.parametrize("deadline, message", [
    ("2020-01-01", "“整改完成期限”不得早于 2026-09-15"),
    ("2026-09-14", "“整改完成期限”不得早于 2026-09-15"),  # today is not ahead
    ("2026-12-14", "“整改完成期限”不得晚于 2026-12-13"),  # today + 91 days
])
def test_a_rectification_deadline_outside_1_to_90_days_ahead_is_422(api, deadline, message):
    r = _submit_plan(api, _planning(api), deadline)
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {"rectification_deadline": [message]}


@pytest.mark.parametrize("deadline", ["2026-09-15", "2026-12-13"])
def test_the_edges_of_the_rectification_window_are_accepted(api, deadline):
    assert _submit_plan(api, _planning(api), deadline).status_code == 200


def _register(api, **fields):
    return api.as_("recorder").post("/cases", {"process": "dishonesty_record", "data": {**RECORD, **fields}})


def test_conduct_and_decision_dates_may_not_lie_in_the_future(api):
    r = _register(api, occurred_on="2026-09-15")
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {"occurred_on": ["“失信行为发生日期”不得晚于 2026-09-14"]}
    r = _register(api, occurred_on="2026-09-10", decided_on="2030-01-01")
    assert r.get_json()["error"]["fields"] == {"decided_on": ["“来源文书作出日期”不得晚于 2026-09-14"]}
    assert _register(api, occurred_on="2026-09-14", decided_on="2026-09-14").status_code == 201


def test_a_decision_date_before_the_conduct_is_422_naming_both_fields(api):
    r = _register(api, occurred_on="2026-05-10", decided_on="2026-05-09")
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {
        "decided_on": ["“来源文书作出日期”不得早于“失信行为发生日期”（2026-05-10）"]}
    assert _register(api, occurred_on="2026-05-10", decided_on="2026-05-10").status_code == 201
    assert _register(api, decided_on="2026-05-10", occurred_on=None).status_code == 422  # None is not a date
    record = {k: v for k, v in RECORD.items() if k != "occurred_on"}
    r = api.as_("recorder").post("/cases", {"process": "dishonesty_record", "data": {**record, "decided_on": "2026-05-10"}})
    assert r.status_code == 201  # no conduct date given: nothing to compare with


def test_a_record_cannot_be_registered_or_corrected_without_its_source_decision_date(api):
    """公开期自来源文书作出日起算 (issue 18): the date of the source decision is required, by the API and
    the web form alike, not in the future (above) nor before 1949-10-01; a correction cannot clear it."""
    without = {k: v for k, v in RECORD.items() if k != "decided_on"}
    r = api.as_("recorder").post("/cases", {"process": "dishonesty_record", "data": without})
    assert r.status_code == 422
    assert list(r.get_json()["error"]["fields"]) == ["decided_on"] and "必填" in r.get_json()["error"]["fields"]["decided_on"][0]
    for bad, message in (("", "必填"), ("2026-02-30", "格式不正确"), ("1900-01-01", "不得早于 1949-10-01")):
        r = _register(api, decided_on=bad)
        assert r.status_code == 422, bad
        assert any(message in m for m in r.get_json()["error"]["fields"]["decided_on"]), (bad, r.get_json())
    # a correction must keep a date (it would otherwise erase the one publication counts from)
    case = api.as_("recorder").register()
    api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "return", "review_opinion": "请补正"})
    task = api.as_("recorder").task_for(case["id"], "correct_entry")
    correction = {k: RECORD[k] for k in ("title", "source_type", "document_number", "key_area", "tier", "facts")}
    r = api.as_("recorder").post(f"/tasks/{task['id']}/complete", {"data": {**correction, "correction_note": "补正"}})
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["decided_on"], r.get_json()
    assert api.as_("recorder").case(case["id"])["source_decided_on"] == "2026-09-14"


def test_the_web_form_requires_the_source_decision_date(client):
    """The registration page marks 来源文书作出日期 required and refuses a registration without it,
    naming the field (422), creating no case."""
    login(client, "recorder")
    page = "/cases/new?process=dishonesty_record"
    decided = re.search(r'<input[^>]*type="date"[^>]*name="decided_on"[^>]*>', client.get(page).get_data(as_text=True),
                        re.S).group(0)
    assert 'aria-required="true"' in decided
    without = {k: v for k, v in RECORD.items() if k != "decided_on"}
    refused = post(client, page, {**without, "process": "dishonesty_record"}, page=page)
    assert refused.status_code == 422 and "“来源文书作出日期”为必填项" in refused.get_data(as_text=True)
    ok = post(client, page, {**RECORD, "process": "dishonesty_record"}, page=page)
    assert ok.status_code == 302, ok.get_data(as_text=True)[-1500:]


def test_the_date_inputs_carry_min_and_max(app, client, api):
    case_id = _planning(api)
    task_id = api.as_("handler.fgw").task_for(case_id, "submit_plan")["id"]
    login(client, "handler.fgw")
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    tag = re.search(r'<input[^>]*type="date"[^>]*name="rectification_deadline"[^>]*>', html, re.S).group(0)
    assert 'min="2026-09-15"' in tag and 'max="2026-12-13"' in tag


def test_the_registration_date_inputs_carry_their_bounds(client):
    login(client, "recorder")
    html = client.get("/cases/new?process=dishonesty_record").get_data(as_text=True)
    occurred = re.search(r'<input[^>]*type="date"[^>]*name="occurred_on"[^>]*>', html, re.S).group(0)
    decided = re.search(r'<input[^>]*type="date"[^>]*name="decided_on"[^>]*>', html, re.S).group(0)
    assert 'max="2026-09-14"' in occurred and 'min="1949-10-01"' in occurred
    assert 'max="2026-09-14"' in decided and 'min="1949-10-01"' in decided and 'data-date-min-field="f-occurred_on"' in decided


def _form(**bounds) -> dict:
    return {"title": "测试", "type": "object", "properties": {
        "start": {"type": "string", "format": "date", "title": "开始日期"},
        "end": {"type": "string", "format": "date", "title": "结束日期", **bounds},
        "note": {"type": "string", "title": "说明"}}}


@pytest.mark.parametrize("bounds", [{"x-date-min": "today+1d"}, {"x-date-max": "today-30d"}, {"x-date-max": "today"},
                                    {"x-date-min": "field:start", "x-date-max": "today+365d"},
                                    {"x-date-min": ["1949-10-01", "case:source_decided_on"], "x-date-max": "today"}])
def test_well_written_bounds_are_accepted(ctx, bounds):
    assert forms.schema_problems(_form(**bounds)) == []


@pytest.mark.parametrize("bounds, problem", [
    ({"x-date-min": "tomorrow"}, "字段 end 的 x-date-min 写法无效"),
    ({"x-date-max": "today+1w"}, "字段 end 的 x-date-max 写法无效"),
    ({"x-date-max": 30}, "字段 end 的 x-date-max 写法无效"),
    ({"x-date-min": "field:note"}, "引用的 note 不是本表单的另一个日期字段"),
    ({"x-date-min": "field:end"}, "引用的 end 不是本表单的另一个日期字段"),
    ({"x-date-min": "field:missing"}, "引用的 missing 不是本表单的另一个日期字段"),
    ({"x-date-min": "case:closed_at"}, "字段 end 的 x-date-min 写法无效"),  # only the case's dates (forms.CASE_DATES)
    # bounds that leave no day to enter: nobody could ever submit the form
    ({"x-date-min": "today+10d", "x-date-max": "today"}, "字段 end 的 x-date-min（2026-09-24）晚于 x-date-max（2026-09-14），没有可填的日期"),
    ({"x-date-min": ["1949-10-01", "2030-01-01"], "x-date-max": "today+90d"}, "字段 end 的 x-date-min（2030-01-01）晚于 x-date-max（2026-12-13）"),
])
def test_badly_written_bounds_are_refused_when_a_form_is_saved(ctx, bounds, problem):
    with pytest.raises(ValidationFailed) as refused:
        forms.save_form("bounds_probe", _form(**bounds), author_id=None)
    assert any(problem in p for p in refused.value.fields["schema"]), refused.value.fields


def test_a_case_bound_applies_with_the_case_and_names_the_day(ctx):
    """`case:NAME` (attack 18): a date of the case the form is filled for — e.g. a revocation is not
    dated before the decision it revokes; without a case (a preview) it is not applied."""
    schema_case = {"source_decided_on": "2026-09-01"}
    forms.save_form("bounds_probe_case", _form(**{"x-date-min": ["1949-10-01", "case:source_decided_on"]}), author_id=None)
    with pytest.raises(ValidationFailed) as refused:
        forms.validate("bounds_probe_case", {"end": "2026-08-31"}, case=schema_case)
    assert refused.value.fields == {"end": ["“结束日期”不得早于 2026-09-01"]}
    assert forms.validate("bounds_probe_case", {"end": "2026-09-01"}, case=schema_case)["end"] == "2026-09-01"
    assert forms.validate("bounds_probe_case", {"end": "2026-08-31"})["end"] == "2026-08-31"


def test_a_bound_on_a_field_that_is_not_a_date_is_refused(ctx):
    schema = _form()
    schema["properties"]["note"]["x-date-min"] = "today"
    assert forms.schema_problems(schema) == ["字段 note 不是日期字段，不能设置 x-date-min"]


def test_the_accepted_rectification_deadline_is_in_the_api_and_on_the_case_page(app, client, api):
    """Every date a user enters is shown again where a reader looks for it: the plan's deadline,
    once the plan is accepted, is the case's rectification deadline (API `due_on`, 整改期限)."""
    case_id = _planning(api)
    assert api.as_("supervisor").case(case_id)["due_on"] is None
    assert _submit_plan(api, case_id, "2026-10-16").status_code == 200
    api.as_("supervisor").complete(case_id, "review_plan", {"plan_decision": "accept", "plan_opinion": "同意"})
    assert api.as_("supervisor").case(case_id)["due_on"] == "2026-10-16"
    login(client, "supervisor")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert re.search(r"整改期限</dt><dd[^>]*>2026-10-16</dd>", html)
