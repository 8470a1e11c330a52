"""Internal notes (批注, issue 14): staff who may see a case add notes from the case page (CSRF)
and the API; they show in the notes section and the timeline, are refused when empty or too long
(422 naming `text`), are 404 outside the writer's scope, and never reach public pages."""
from tests.support import Api
from tests.web_support import csrf_token, login


def registered(app) -> int:
    with app.app_context():
        return Api(app.test_client()).as_("recorder").register()["id"]


def test_staff_in_scope_add_and_list_notes_through_the_api(api):
    case_id = api.as_("recorder").register()["id"]
    handler, reviewer = api.as_("handler.fgw"), api.as_("reviewer")
    r = handler.post(f"/cases/{case_id}/notes", {"text": "  已联系财务处核对付款凭证  "})
    assert r.status_code == 201, r.get_json()
    note = r.get_json()
    assert (note["text"], note["author"], note["author_name"]) == ("已联系财务处核对付款凭证", "handler.fgw", "经办人 张伟（市发展改革委）")
    assert reviewer.post(f"/cases/{case_id}/notes", {"text": "第二条"}).status_code == 201
    listed = reviewer.get(f"/cases/{case_id}/notes").get_json()["items"]
    assert [n["text"] for n in listed] == ["已联系财务处核对付款凭证", "第二条"]
    body = reviewer.case(case_id)
    assert [n["text"] for n in body["notes"]] == ["已联系财务处核对付款凭证", "第二条"]
    added = [e for e in body["timeline"] if e["kind"] == "note.added"]
    assert [e["actor"] for e in added] == ["handler.fgw", "reviewer"] and "已联系财务处核对付款凭证" in added[0]["summary"]
    only_notes = reviewer.get(f"/cases/{case_id}?kind=note").get_json()
    assert [g["event"]["kind"] for g in only_notes["timeline_groups"]] == ["note.added", "note.added"]


def test_notes_outside_the_scope_are_404_and_bad_text_is_422_naming_the_field(api):
    case_id = api.as_("recorder").register()["id"]
    other = api.as_("handler.czj")
    assert other.post(f"/cases/{case_id}/notes", {"text": "越权"}).status_code == 404
    assert other.get(f"/cases/{case_id}/notes").status_code == 404
    assert api.as_("designer").post(f"/cases/{case_id}/notes", {"text": "无案件权限"}).status_code == 404
    handler = api.as_("handler.fgw")
    for text, message in (("   ", "请填写批注内容"), ("字" * 2001, "批注不能超过 2000 个字（现有 2001 个）")):
        r = handler.post(f"/cases/{case_id}/notes", {"text": text})
        assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"text": [message]}
    assert handler.post(f"/cases/{case_id}/notes", {"text": "字" * 2000}).status_code == 201
    missing = handler.post(f"/cases/{case_id}/notes", {})
    assert missing.status_code == 422 and "text" in missing.get_json()["error"]["fields"]
    assert len(handler.get(f"/cases/{case_id}/notes").get_json()["items"]) == 1


def test_a_note_from_the_case_page_shows_in_the_notes_section_and_the_timeline(app, client):
    case_id = registered(app)
    login(client, "reviewer")
    token = csrf_token(client, f"/cases/{case_id}")
    assert 'id="no-notes"' in client.get(f"/cases/{case_id}").get_data(as_text=True)
    r = client.post(f"/cases/{case_id}/notes", data={"text": "请留意<b>来源文书</b>的日期", "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/cases/{case_id}#notes")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    notes = html.split('id="note-list"')[1].split("</ol>")[0]
    assert "请留意&lt;b&gt;来源文书&lt;/b&gt;的日期" in notes and "审核员 李娜" in notes
    timeline = html.split('id="timeline"')[1].split("</section>")[0]
    assert 'data-kind="note.added"' in timeline and "审核员 李娜 批注：请留意&lt;b&gt;" in timeline
    empty = client.post(f"/cases/{case_id}/notes", data={"text": " ", "csrf_token": token},
                        headers={"Referer": f"http://localhost/cases/{case_id}"}, follow_redirects=True)
    assert "请填写批注内容" in empty.get_data(as_text=True)
    assert client.post(f"/cases/{case_id}/notes", data={"text": "无令牌"}).status_code == 400  # CSRF
    other = app.test_client()
    login(other, "handler.czj")
    assert other.post(f"/cases/{case_id}/notes", data={"text": "越权", "csrf_token": csrf_token(other, "/cases")}
                      ).status_code == 404
    with app.app_context():
        assert [n["text"] for n in Api(app.test_client()).as_("reviewer").case(case_id)["notes"]] == ["请留意<b>来源文书</b>的日期"]


def test_notes_never_show_on_the_public_verification_page(app, client):
    case_id = registered(app)
    with app.app_context():
        api = Api(app.test_client())
        api.as_("reviewer").complete(case_id, "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
        api.as_("reviewer").post(f"/cases/{case_id}/notes", {"text": "内部批注不外传"})
        code = api.as_("reviewer").case(case_id)["documents"][0]["verification_code"]
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert code in page and "内部批注不外传" not in page and "批注" not in page
