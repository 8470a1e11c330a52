"""The rules pages (决策规则): who sees them, the list with the version in force, scheduled versions and
drafts, the editor's endpoints (save a draft with problems by row, change summary, decision tests),
the version history and the approver's publication form with its field messages."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from sqlalchemy import delete, select

from app.audit.models import AuditEvent
from app.core.clock import clock
from app.core.extensions import db
from app.rules import service as rules
from app.rules.models import DecisionDefinition, DecisionVersion
from tests.test_i18n import PO
from tests.test_rules import rule, shipped, table, user, with_general_max
from tests.web_support import csrf_token, login

KEY = "publication_window"
GENERAL_MAX = "最长公开期（月）"


def signed_in(client, username: str):
    login(client, username)
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/rules")
    return client


@pytest.fixture()
def designer(client):
    return signed_in(client, "designer")


@pytest.fixture()
def approver(app):
    return signed_in(app.test_client(), "approver")


def put_xml(client, url: str, xml: str):
    return client.put(url, data=xml.encode("utf-8"), content_type="application/xml")


def post_xml(client, url: str, xml: str):
    return client.post(url, data=xml.encode("utf-8"), content_type="application/xml")


def draft(xml: str, key: str = KEY) -> DecisionVersion:
    return rules.save_draft(user("designer"), key, xml)


def draft_number(app, xml: str) -> int:
    """Save a draft outside the test's requests (a test that signs in several users must not hold an
    app context across their requests: Flask-Login caches the user on it)."""
    with app.app_context():
        number = draft(xml).version
        db.session.remove()
    return number


def publish_form(client, number: int, effective_from: str, note: str = "按新规定调整"):
    return client.post(f"/rules/{KEY}/versions/{number}/publish",
                       data={"effective_from": effective_from, "note": note, "csrf_token": csrf_token(client, f"/rules/{KEY}")})


# ---------------------------------------------------------------- who may see and do what

def test_rule_pages_are_for_designers_and_rule_approvers(client, app):
    assert client.get("/rules").status_code == 302  # to the login page
    signed_in(client, "reviewer")
    for url in ("/rules", f"/rules/{KEY}", f"/rules/{KEY}/edit", f"/rules/{KEY}/versions/1.dmn"):
        assert client.get(url).status_code == 403, url
    assert post_xml(client, "/rules/api/validate", shipped(KEY)).status_code == 403
    assert put_xml(client, f"/rules/api/{KEY}/draft", shipped(KEY)).status_code == 403
    html = client.get("/tasks").get_data(as_text=True)
    assert 'id="nav-rules"' not in html

    designer = signed_in(app.test_client(), "designer")
    assert 'id="nav-rules"' in designer.get("/tasks").get_data(as_text=True)
    assert designer.get("/rules/no_such_table").status_code == 404
    assert designer.get("/rules/no_such_table/edit").status_code == 404
    assert designer.get(f"/rules/{KEY}/versions/99.dmn").status_code == 404
    assert put_xml(designer, "/rules/api/no_such_table/draft", shipped(KEY)).status_code == 404
    # a designer drafts but does not publish; an approver publishes but does not draft
    assert publish_form(designer, 1, clock.today().isoformat()).status_code == 403
    approver = signed_in(app.test_client(), "approver")
    assert 'id="nav-rules"' in approver.get("/tasks").get_data(as_text=True)
    assert approver.get(f"/rules/{KEY}/edit").status_code == 200
    assert put_xml(approver, f"/rules/api/{KEY}/draft", shipped(KEY)).status_code == 403


def test_forms_and_writes_need_the_csrf_token(designer, approver, app):
    number = draft_number(app, with_general_max(24))
    del approver.environ_base["HTTP_X_CSRFTOKEN"]
    r = approver.post(f"/rules/{KEY}/versions/{number}/publish",
                      data={"effective_from": clock.today().isoformat(), "note": "x"})
    assert r.status_code == 400
    del designer.environ_base["HTTP_X_CSRFTOKEN"]
    assert put_xml(designer, f"/rules/api/{KEY}/draft", with_general_max(18)).status_code == 400
    with app.app_context():
        assert [(v.version, v.status) for v in rules.versions(KEY)] == [(2, "draft"), (1, "published")]
        assert ">24<" in rules.versions(KEY)[0].xml
        db.session.remove()


# ---------------------------------------------------------------- the list

def test_the_list_shows_the_version_in_force_scheduled_versions_and_drafts(designer, ctx):
    html = designer.get("/rules").get_data(as_text=True)
    row = html.split(f'data-key="{KEY}"')[1].split("</tr>")[0]
    assert "失信信息公开期限" in row and "第 1 版 · 2026-04-01 起施行" in row
    assert re.search(r'data-cell="scheduled">—', row) and re.search(r'data-cell="drafts">—', row)

    scheduled = draft(with_general_max(24))
    rules.publish(user("approver"), scheduled.id, effective_from=clock.today() + timedelta(days=10), note="下月起延长")
    draft(with_general_max(18))
    row = designer.get("/rules").get_data(as_text=True).split(f'data-key="{KEY}"')[1].split("</tr>")[0]
    in_force = row.split('data-cell="in-force">')[1].split("</td>")[0]
    assert "第 1 版" in in_force
    assert f"第 2 版 · {(clock.today() + timedelta(days=10)).isoformat()} 起施行" in row.split('data-cell="scheduled">')[1]
    assert "第 3 版" in row.split('data-cell="drafts">')[1]


def test_the_list_says_so_when_there_is_no_table(designer, ctx):
    db.session.execute(delete(DecisionVersion))
    db.session.execute(delete(DecisionDefinition))
    db.session.commit()
    html = designer.get("/rules").get_data(as_text=True)
    assert 'id="no-decisions"' in html and 'id="decisions"' not in html


# ---------------------------------------------------------------- the editor and its endpoints

def test_the_editor_opens_the_draft_else_the_version_in_force(designer, ctx):
    def config(url):
        html = designer.get(url).get_data(as_text=True)
        return json.loads(re.search(r'<script type="application/json" id="rules-config">(.*?)</script>', html, re.S).group(1))

    opened = config(f"/rules/{KEY}/edit")
    assert opened["xmlUrl"] == f"/rules/{KEY}/versions/1.dmn" and opened["draftUrl"] == f"/rules/api/{KEY}/draft"
    assert designer.get(opened["xmlUrl"]).get_data(as_text=True) == rules.versions(KEY)[0].xml
    version = draft(with_general_max(24))
    assert config(f"/rules/{KEY}/edit")["xmlUrl"] == f"/rules/{KEY}/versions/{version.version}.dmn"
    assert config(f"/rules/{KEY}/edit?version=1")["xmlUrl"] == f"/rules/{KEY}/versions/1.dmn"
    assert designer.get(f"/rules/{KEY}/edit?version=abc").status_code == 400
    assert designer.get(f"/rules/{KEY}/edit?version=7").status_code == 404


def test_saving_a_draft_returns_its_version_and_replaces_the_open_draft(designer, ctx):
    r = put_xml(designer, f"/rules/api/{KEY}/draft", with_general_max(24))
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"ok": True, "key": KEY, "version": 2, "editUrl": f"/rules/{KEY}/edit?version=2"}
    again = put_xml(designer, f"/rules/api/{KEY}/draft", with_general_max(18)).get_json()
    assert again["version"] == 2  # one open draft per table
    assert ">18<" in rules.versions(KEY)[0].xml


@pytest.mark.parametrize("xml, rows, fragment", [
    # a second "general" row overlaps the first in a UNIQUE table
    (lambda: table(rule(1, '"general"') + rule(2, '"serious"') + rule(3, '"general"'), key=KEY), {1}, "与第 3 行重叠"),
    # a cell the sandbox refuses
    (lambda: table(rule(1, '"general"') + rule(2, "__import__('os').system('id')"), key=KEY), {2}, ""),
    # an output of the wrong type for its column (integer)
    (lambda: table(rule(1, '"general"', out='"twelve"'), key=KEY), {1}, ""),
    # a hit policy the engine does not run
    (lambda: table(rule(1, '"general"'), hit="PRIORITY", key=KEY), {None}, "PRIORITY"),
])
def test_a_refused_draft_lists_each_problem_with_its_row(designer, ctx, xml, rows, fragment):
    source = xml()
    r = put_xml(designer, f"/rules/api/{KEY}/draft", source)
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["ok"] is False and body["problems"], body
    assert rows <= {p["row"] for p in body["problems"]}, body["problems"]
    assert fragment in " ".join(p["message"] for p in body["problems"])
    assert [v.version for v in rules.versions(KEY)] == [1]  # nothing saved
    checked = post_xml(designer, "/rules/api/validate", source).get_json()
    assert checked["ok"] is False and checked["problems"] == body["problems"]


def test_a_draft_naming_another_decision_is_refused_with_the_reason(designer, ctx):
    body = put_xml(designer, f"/rules/api/{KEY}/draft", shipped("record_deadlines")).get_json()
    assert body["ok"] is False and "publication_window" in body["problems"][0]["message"]
    assert post_xml(designer, "/rules/api/validate", with_general_max(24)).get_json() == {"ok": True, "problems": []}


def test_the_change_summary_compares_with_the_version_in_force(designer, ctx):
    body = post_xml(designer, f"/rules/api/{KEY}/summary", with_general_max(24)).get_json()
    assert body["ok"] is True and body["against"] == {"version": 1, "effective_from": "2026-04-01"}
    assert body["changed"] == [{"row": 2, "old_row": 2, "cells": {GENERAL_MAX: ["12", "24"]}}]
    assert body["added"] == [] and body["removed"] == [] and body["hit_policy"] is None
    unchanged = post_xml(designer, f"/rules/api/{KEY}/summary", shipped(KEY)).get_json()
    assert unchanged["changed"] == unchanged["added"] == unchanged["removed"] == []
    broken = post_xml(designer, f"/rules/api/{KEY}/summary", "<definitions")
    assert broken.status_code == 422 and broken.get_json()["problems"]


def test_decision_tests_run_against_the_table_being_edited(designer, ctx):
    body = post_xml(designer, f"/rules/api/{KEY}/tests", shipped(KEY)).get_json()
    assert body["passed"] is True and len(body["items"]) == 4
    body = post_xml(designer, f"/rules/api/{KEY}/tests", with_general_max(24)).get_json()
    failed = [i for i in body["items"] if not i["passed"]]
    assert body["passed"] is False and len(failed) == 2
    assert all(i["inputs"]["tier"] == "general" and i["expected"]["max_months"] == 12 and i["actual"]["max_months"] == 24
               and i["rows"] == [2] and i["message"] for i in failed)
    assert post_xml(designer, f"/rules/api/{KEY}/tests", "<x").status_code == 422


# ---------------------------------------------------------------- history and publication

def test_the_history_shows_each_draft_s_change_summary_and_the_publication_form_to_approvers(designer, approver, app):
    number = draft_number(app, with_general_max(24))
    html = designer.get(f"/rules/{KEY}").get_data(as_text=True)
    assert 'data-version="2" data-status="draft" data-state="draft"' in html
    assert 'data-version="1" data-status="published" data-state="in_force"' in html
    summary = html.split('class="small change-summary" data-version="2"')[1].split("</ul>")[0]
    assert 'data-change="changed" data-row="2"' in summary and f"{GENERAL_MAX} 12 → 24" in summary
    assert "publish-form" not in html and "由规则审批人发布" in html
    html = approver.get(f"/rules/{KEY}").get_data(as_text=True)
    # The approver sees the decision tests' verdict on the draft: 24 months breaks the two general-tier cases.
    verdict = re.search(r'<p class="small decision-tests text-danger" data-version="2" data-failed="(\d+)">\s*(.*?)</p>', html, re.S)
    assert verdict and verdict.group(1) == "2" and "决策测试：2 / 4 通过" in verdict.group(2), html
    assert "输出与期望不符" in html.split('data-failed="2"')[1].split("</ul>")[0]
    form = re.search(r'<form method="post" action="([^"]+)" class="[^"]*publish-form"[^>]*data-confirm="([^"]+)">(.*?)</form>',
                     html, re.S)
    assert form.group(1) == f"/rules/{KEY}/versions/{number}/publish" and "确定发布第 2 版" in form.group(2)
    assert 'name="csrf_token"' in form.group(3) and f'min="{clock.today().isoformat()}"' in form.group(3)


def test_publishing_refuses_a_past_date_or_no_note_with_field_messages(approver, ctx):
    version = draft(with_general_max(24))
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    r = publish_form(approver, version.version, yesterday)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'id="effective-{version.version}-error"' in html and "生效日期不能早于今天" in html
    assert 'aria-invalid="true"' in html and f'value="{yesterday}"' in html  # what was typed stays
    r = publish_form(approver, version.version, yesterday, note="  ")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "生效日期不能早于今天" in html and "请填写发布说明" in html
    assert f'id="note-{version.version}-error"' in html
    r = publish_form(approver, version.version, "2026-13-40")
    assert r.status_code == 422 and "日期格式应为 YYYY-MM-DD" in r.get_data(as_text=True)
    assert publish_form(approver, 9, clock.today().isoformat()).status_code == 404
    db.session.expire_all()
    assert db.session.get(DecisionVersion, version.id).status == "draft"


def test_an_approver_publishes_a_draft_effective_tomorrow(approver, ctx):
    version = draft(with_general_max(24))
    tomorrow = clock.today() + timedelta(days=1)
    r = publish_form(approver, version.version, tomorrow.isoformat(), note="一般失信最长公开期延长至两年")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/rules/{KEY}")
    html = approver.get(f"/rules/{KEY}").get_data(as_text=True)
    assert f"已发布第 2 版，{tomorrow.isoformat()} 起施行" in html
    assert 'data-version="2" data-status="published" data-state="scheduled"' in html
    assert "一般失信最长公开期延长至两年" in html
    assert rules.in_force(KEY, clock.today()).version == 1 and rules.in_force(KEY, tomorrow).version == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rule.published").order_by(AuditEvent.id.desc()))
    assert event.actor_id == user("approver").id and event.data["effective_from"] == tomorrow.isoformat()
    again = publish_form(approver, version.version, tomorrow.isoformat())
    assert again.status_code == 409 and "已发布" in again.get_data(as_text=True)
    clock.set(clock.now() + timedelta(days=1))
    html = approver.get(f"/rules/{KEY}").get_data(as_text=True)
    assert 'data-version="2" data-status="published" data-state="in_force"' in html
    assert 'data-version="1" data-status="published" data-state="superseded"' in html


# ---------------------------------------------------------------- language

def test_the_rule_pages_speak_english_when_chosen(approver, app):
    draft_number(app, with_general_max(24))
    approver.post("/lang", data={"lang": "en", "csrf_token": csrf_token(approver, "/rules")})
    try:
        for url in ("/rules", f"/rules/{KEY}", f"/rules/{KEY}/edit"):
            main = approver.get(url).get_data(as_text=True).split("<main")[1]
            assert "Decision rules" in main or "Version history" in main, url
            for chinese in ("决策规则", "版本历史", "生效日期", "发布说明", "草稿", "校验", "变更摘要"):
                assert chinese not in main.split('id="rules-config"')[0], (url, chinese)
        assert '"locale": "en"' in approver.get(f"/rules/{KEY}/edit").get_data(as_text=True)
    finally:
        approver.post("/lang", data={"lang": "zh_CN", "csrf_token": csrf_token(approver, "/rules")})


def test_every_string_of_the_rule_pages_has_its_english():
    catalog = read_po(PO.open("rb"))
    sources = [("python", "app/rules/views.py"), ("python", "app/rules/editing.py"), ("python", "app/api/rules.py")]
    sources += [("jinja2", f"app/templates/rules/{name}") for name in ("index.html", "history.html", "editor.html")]
    sources += [("jinja2", "app/templates/base.html")]
    missing = []
    for method, path in sources:
        for _, message, _, _ in extract_from_file(method, path, keywords={"_": None, "N_": None, "gettext": None},
                                                   options={"extensions": "jinja2.ext.i18n"} if method == "jinja2" else None):
            entry = catalog.get(message)
            if entry is None or not entry.string:
                missing.append(message)
    assert missing == []

