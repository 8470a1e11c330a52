"""The rules API (/api/v1/rules): what the pages do, with a bearer token — the list, a table's versions
and XML, checks with problems by row, drafts, change summaries, decision tests, publication — with
403 for the wrong role, 404 outside what exists and 422 naming each bad field."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.clock import clock
from app.rules import service as rules
from tests.test_rules import rule, shipped, table, with_general_max

KEY = "publication_window"


@pytest.fixture()
def designer(api):
    return api.as_("designer")


@pytest.fixture()
def approver(api):
    return api.as_("approver")


def fields_of(response) -> dict:
    return response.get_json()["error"]["fields"]


def test_only_designers_and_rule_approvers_use_the_rules_api(api):
    reviewer = api.as_("reviewer")
    for r in (reviewer.get("/rules"), reviewer.get(f"/rules/{KEY}"), reviewer.get(f"/rules/{KEY}/versions/1.dmn"),
              reviewer.post("/rules/validate", {"xml": shipped(KEY)}),
              reviewer.post(f"/rules/{KEY}/tests", {}),
              reviewer.post(f"/rules/{KEY}/change-summary", {"xml": shipped(KEY)})):
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    assert api.client.get("/api/v1/rules").status_code == 401
    designer, approver = api.as_("designer"), api.as_("approver")
    assert approver.post(f"/rules/{KEY}/drafts", {"xml": with_general_max(24)}).status_code == 403
    draft = designer.post(f"/rules/{KEY}/drafts", {"xml": with_general_max(24)}).get_json()
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    r = designer.post(f"/rules/{KEY}/versions/{draft['version']}/publish", {"effective_from": tomorrow, "note": "x"})
    assert r.status_code == 403
    for r in (designer.get("/rules/nope"), designer.get(f"/rules/{KEY}/versions/9.dmn"),
              designer.post("/rules/nope/drafts", {"xml": shipped(KEY)}), designer.post("/rules/nope/tests", {}),
              designer.post("/rules/nope/change-summary", {"xml": shipped(KEY)}),
              approver.post(f"/rules/{KEY}/versions/9/publish", {"effective_from": tomorrow, "note": "x"})):
        assert r.status_code == 404, r.get_json()


def test_the_list_and_a_table_s_versions(designer, approver):
    items = {d["key"]: d for d in designer.get("/rules").get_json()["items"]}
    assert sorted(items) == ["complaint_thresholds", "exemption_grounds", "masking_rules", "publication_window", "record_deadlines",
                             "sanction_deadlines", "sanction_measures", "warning_deadlines"]
    window = items[KEY]
    assert window["in_force"]["version"] == 1 and window["in_force"]["effective_from"] == "2026-04-01"
    assert window["in_force"]["state"] == "in_force" and window["scheduled"] == [] and window["drafts"] == []
    created = designer.post(f"/rules/{KEY}/drafts", {"xml": with_general_max(24), "comment": "一般失信延长"})
    assert created.status_code == 201
    assert created.get_json()["version"] == 2 and created.get_json()["state"] == "draft"
    assert created.get_json()["created_by"] == "designer" and created.get_json()["comment"] == "一般失信延长"
    r = approver.post(f"/rules/{KEY}/versions/2/publish",
                      {"effective_from": (clock.today() + timedelta(days=3)).isoformat(), "note": "三日后施行"})
    assert r.status_code == 200 and r.get_json()["state"] == "scheduled" and r.get_json()["published_by"] == "approver"
    window = {d["key"]: d for d in designer.get("/rules").get_json()["items"]}[KEY]
    assert [v["version"] for v in window["scheduled"]] == [2] and window["in_force"]["version"] == 1
    detail = designer.get(f"/rules/{KEY}").get_json()
    assert detail["name"] == "失信信息公开期限"
    assert [(v["version"], v["state"]) for v in detail["versions"]] == [(2, "scheduled"), (1, "in_force")]
    assert detail["versions"][0]["publish_note"] == "三日后施行"
    xml = designer.get(f"/rules/{KEY}/versions/2.dmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml" and b">24<" in xml.data


def test_validation_names_each_problem_by_row(designer):
    overlapping = table(rule(1, '"general"') + rule(2, '"general"'), key=KEY)
    body = designer.post("/rules/validate", {"xml": overlapping}).get_json()
    assert body["ok"] is False and body["problems"][0]["row"] == 1 and "第 2 行" in body["problems"][0]["message"]
    hostile = table(rule(1, "().__class__.__base__.__subclasses__()"), key=KEY)
    body = designer.post("/rules/validate", {"xml": hostile}).get_json()
    assert body["ok"] is False and [p["row"] for p in body["problems"]] == [1]
    assert designer.post("/rules/validate", {"xml": shipped(KEY)}).get_json() == {"ok": True, "problems": []}
    missing = designer.post("/rules/validate", {})
    assert missing.status_code == 422 and "xml" in fields_of(missing)


def test_a_refused_draft_is_422_with_row_numbers_in_the_xml_field(designer):
    r = designer.post(f"/rules/{KEY}/drafts", {"xml": table(rule(1, '"general"') + rule(2, '"general"'), key=KEY)})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "validation_failed"
    assert any(m.startswith("第 1 行") for m in fields_of(r)["xml"]), fields_of(r)
    shape = designer.post(f"/rules/{KEY}/drafts", {"xml": shipped(KEY), "comment": "x" * 2001, "extra": 1})
    assert shape.status_code == 422 and {"comment", "extra"} <= set(fields_of(shape))
    assert [v["version"] for v in designer.get(f"/rules/{KEY}").get_json()["versions"]] == [1]


def test_change_summary_and_decision_tests_of_a_table_being_edited(designer):
    summary = designer.post(f"/rules/{KEY}/change-summary", {"xml": with_general_max(24)}).get_json()
    assert summary["against"] == {"version": 1, "effective_from": "2026-04-01"}
    assert summary["changed"] == [{"row": 2, "old_row": 2, "cells": {"最长公开期（月）": ["12", "24"]}}]
    broken = designer.post(f"/rules/{KEY}/change-summary", {"xml": "<definitions"})
    assert broken.status_code == 422 and "xml" in fields_of(broken)
    in_force = designer.post(f"/rules/{KEY}/tests", {}).get_json()
    assert in_force["passed"] is True and len(in_force["items"]) == 4
    edited = designer.post(f"/rules/{KEY}/tests", {"xml": with_general_max(24)}).get_json()
    assert edited["passed"] is False
    failed = [i for i in edited["items"] if not i["passed"]]
    assert [i["actual"]["max_months"] for i in failed] == [24, 24] and all(i["rows"] == [2] for i in failed)


def test_publishing_refuses_bad_input_with_field_messages(designer, approver):
    number = designer.post(f"/rules/{KEY}/drafts", {"xml": with_general_max(24)}).get_json()["version"]
    url = f"/rules/{KEY}/versions/{number}/publish"
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    r = approver.post(url, {"effective_from": yesterday, "note": "x"})
    assert r.status_code == 422 and "早于今天" in fields_of(r)["effective_from"][0]
    r = approver.post(url, {"effective_from": "2026-02-30", "note": ""})
    assert r.status_code == 422 and {"effective_from", "note"} <= set(fields_of(r))
    r = approver.post(url, {"effective_from": clock.today().isoformat(), "note": "   "})
    assert r.status_code == 422 and fields_of(r)["note"] == ["请填写发布说明"]
    assert approver.post(url, {}).status_code == 422
    ok = approver.post(url, {"effective_from": clock.today().isoformat(), "note": "即日起施行"})
    assert ok.status_code == 200 and ok.get_json()["state"] == "in_force"
    assert rules.in_force(KEY, clock.today()).version == number
    again = approver.post(url, {"effective_from": clock.today().isoformat(), "note": "再次"})
    assert again.status_code == 409
