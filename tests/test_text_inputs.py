"""Typed text everywhere it comes in (issue 14, findings 1, 2, 10): one function
(`app.core.inputs.clean_text` / `required_text`) treats Unicode white space and zero-width characters
as blank at both ends, counts a line break as one character as the browser does, and refuses
control and bidi-override characters — in task forms, notes (web and API) and correction reasons."""
import pytest

from tests.bpmn_builder import probe_process
from tests.support import Api
from tests.web_support import csrf_token, login

BLANKS = ["   ", "\t\n", "\u3000\u3000", "\u00a0\u00a0", "\u200b\u200b", "\ufeff", "\u2060\u200c\u200d"]
GARBLED = ["警告\u0007", "\u001b[31m红字", "付款\u202e日期", "\u2066隔离\u2069"]


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_or_invisible_text_is_required_text_missing(api, blank):
    case_id = api.as_("recorder").register()["id"]
    reviewer = api.as_("reviewer")
    task = reviewer.task_for(case_id, "entry_review")
    r = reviewer.post(f"/tasks/{task['id']}/complete", {"data": {"entry_decision": "approve", "review_opinion": blank}})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"review_opinion": ["“审核意见”为必填项"]}
    r = reviewer.post(f"/cases/{case_id}/notes", {"text": blank})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"text": ["“批注内容”为必填项"]}


@pytest.mark.parametrize("garbled", GARBLED)
def test_control_and_bidi_characters_are_refused_in_forms_and_notes(api, garbled):
    case_id = api.as_("recorder").register()["id"]
    reviewer = api.as_("reviewer")
    task = reviewer.task_for(case_id, "entry_review")
    r = reviewer.post(f"/tasks/{task['id']}/complete", {"data": {"entry_decision": "approve", "review_opinion": garbled}})
    assert r.status_code == 422 and "控制字符" in r.get_json()["error"]["fields"]["review_opinion"][0]
    r = reviewer.post(f"/cases/{case_id}/notes", {"text": garbled})
    assert r.status_code == 422 and "“批注内容”含有控制字符" in r.get_json()["error"]["fields"]["text"][0]


def test_text_is_stored_stripped_of_invisible_edges_and_a_line_break_counts_once(api):
    case_id = api.as_("recorder").register()["id"]
    reviewer = api.as_("reviewer")
    r = reviewer.post(f"/cases/{case_id}/notes", {"text": "\u200b\u3000第一行\r\n第二行\u00a0\ufeff"})
    assert r.status_code == 201 and r.get_json()["text"] == "第一行\n第二行"
    # 2000 characters as the browser counts them: 1001 "字" and 999 line breaks
    text = "\r\n".join(["字"] * 1000) + "字"
    assert reviewer.post(f"/cases/{case_id}/notes", {"text": text}).status_code == 201
    task = reviewer.task_for(case_id, "entry_review")
    opinion = "\r\n".join(["意"] * 1000) + "见"
    r = reviewer.post(f"/tasks/{task['id']}/complete", {"data": {"entry_decision": "approve", "review_opinion": opinion}})
    assert r.status_code == 200, r.get_json()


def test_a_refused_note_keeps_its_text_on_the_case_page(app, client):
    with app.app_context():
        case_id = Api(app.test_client()).as_("recorder").register()["id"]
    login(client, "reviewer")
    token = csrf_token(client, f"/cases/{case_id}")
    for text, message in (("\u3000\u200b", "“批注内容”为必填项"), ("请核对\u202e金额", "含有控制字符"),
                          ("行\r\n" * 1001, "不能超过 2000 个字")):
        r = client.post(f"/cases/{case_id}/notes", data={"text": text, "csrf_token": token})
        html = r.get_data(as_text=True)
        assert r.status_code == 422 and message in html
        kept = html.split('id="note-text"')[1].split("</textarea>")[0].split(">", 1)[1]
        assert kept == text
    # the browser's count: 1001 "行" + 999 line breaks = 2000 → accepted
    r = client.post(f"/cases/{case_id}/notes", data={"text": "行\r\n" * 999 + "行行", "csrf_token": token})
    assert r.status_code == 302


def test_a_correction_reason_refuses_blank_and_control_characters(api):
    case_id = api.as_("recorder").register()["id"]
    reviewer = api.as_("reviewer")
    report = reviewer.post(f"/cases/{case_id}/documents/report").get_json()
    for reason, message in [(b, "“更正原因”为必填项") for b in BLANKS] + [(g, "“更正原因”含有控制字符") for g in GARBLED]:
        r = reviewer.post(f"/cases/{case_id}/documents/{report['id']}/correct", {"reason": reason})
        assert r.status_code == 422 and message in r.get_json()["error"]["fields"]["reason"][0], repr(reason)
    r = reviewer.post(f"/cases/{case_id}/documents/{report['id']}/correct", {"reason": "\u3000更正摘要\r\n第二行\u200b"})
    assert r.status_code == 201 and r.get_json()["correction_reason"] == "更正摘要\n第二行"


def test_names_and_version_notes_are_cleaned_and_refuse_control_characters(api):
    """The same function behind the admin's names and the designer's version notes."""
    admin, designer = api.as_("admin"), api.as_("designer")
    r = admin.post("/departments", {"code": "bidi_unit", "name": "\u202e局务委员会", "kind": "municipal"})
    assert r.status_code == 422 and "“单位名称”含有控制字符" in r.get_json()["error"]["fields"]["name"][0]
    r = admin.post("/departments", {"code": "blank_unit", "name": "\u3000\u200b", "kind": "municipal"})
    assert r.status_code == 422 and "name" in r.get_json()["error"]["fields"]
    r = admin.post("/departments", {"code": "clean_unit", "name": "\ufeff市测试局\u3000", "kind": "municipal"})
    assert r.status_code == 201 and r.get_json()["name"] == "市测试局"
    xml = probe_process().decode()
    for comment, message in (("\u3000\u200b", "“版本说明”为必填项"), ("第一版\u001b", "“版本说明”含有控制字符")):
        r = designer.post("/designer/deploy", {"xml": xml, "comment": comment})
        assert r.status_code == 422 and message in r.get_json()["error"]["fields"]["comment"][0], r.get_json()


def test_characters_no_font_can_print_are_refused_before_they_reach_a_document(api):
    """Same kind as control characters: a private-use or non-character would print as an empty box
    in an official document that never changes (the issue-13 attack corrected a notice with one)."""
    case = api.as_("recorder").register()
    reviewer = api.as_("reviewer")
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    document = reviewer.case(case["id"])["documents"][0]
    for text in ("更正\U000FC1A2原因", "更正\ue000原因", "更正\ufdd0原因"):
        r = reviewer.post(f"/cases/{case['id']}/documents/{document['id']}/correct", {"reason": text})
        assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"], (text, r.get_json())
    assert reviewer.post(f"/cases/{case['id']}/notes", {"text": "备注\ue001"}).status_code == 422
