"""Messages from outside a running record (issue 18; 条例 Art. 36–37) through the API
(`POST /api/v1/cases/<id>/events`, `POST /api/v1/events` by the source document number) and the
recorder's / handler's web form: who may send (404 outside scope, 403 for another role), bad input
(422 naming the field), a message the case does not wait for (409), and what a revocation does
(withdrawn at once, the deletion task due in 3 working days, one transaction)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.api import schemas
from app.cases import events
from app.cases.models import Case
from app.core.clock import clock
from app.core.extensions import db
from app.documents.models import Document
from app.documents.render import chinese_date
from app.notifications.models import Notification
from app.org.models import Department, User
from tests.support import RECORD, Api, elements
from tests.test_documents import pdf_text
from tests.web_support import login, post

pytestmark = pytest.mark.usefixtures("kept_rows_restored")

REVOCATION = {"revoking_authority": "court", "revocation_document_number": "（2026）沪01行终12号",
              "revoked_on": "2026-09-14", "revocation_reason": "处罚决定认定事实不清"}


def _published(api, *, at: str | None = "2026-09-14T09:00:00+08:00", **overrides) -> dict:
    """A general-tier record registered by the demo recorder, accepted and published (on `at`; None:
    now — web sessions and their CSRF tokens run on the real time in these tests)."""
    if at:
        clock.set(datetime.fromisoformat(at))
    recorder, reviewer, handler = api.as_("recorder"), api.as_("reviewer"), api.as_("handler.fgw")
    case = recorder.register(**overrides)
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    handler.complete(case["id"], "respond_notice", {"response": "accept"})
    reviewer.complete(case["id"], "publication_decision", {"publish": True, "decision_note": "依规公开"})
    assert api.as_("reviewer").case(case["id"])["status"] == "published"
    return case


def _other_recorder() -> User:
    unit = db.session.scalar(select(Department).where(Department.code == "czj"))
    user = User(username="recorder.czj.events", full_name="录入员（财政局）", department=unit)
    user.set_password("Demo@2026")
    user.set_roles(["recorder"])
    db.session.add(user)
    db.session.commit()
    return user


def test_a_recorder_revokes_a_published_record_by_api_and_it_is_withdrawn_and_due_for_deletion(api):
    case = _published(api)
    clock.set(datetime.fromisoformat("2026-09-29T10:00:00+08:00"))
    r = api.as_("recorder").post(f"/cases/{case['id']}/events", {"message": "source_revoked", "data": REVOCATION})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "withdrawn" and body["publication_end"] == "2026-09-29"
    after = api.as_("reviewer").case(case["id"])
    assert elements(after) == ["delete_record"]
    # 3 working days across National Day (Oct 1–7): Sep 30, Oct 8, Oct 9
    assert after["open_tasks"][0]["due_at"].startswith("2026-10-09")
    assert any(e["kind"] == "message.received" for e in after["timeline"])
    # the same message again: the case no longer waits for it
    again = api.as_("recorder").post(f"/cases/{case['id']}/events", {"message": "source_revoked", "data": REVOCATION})
    assert again.status_code == 409, again.get_json()


def test_sending_is_scoped_by_unit_and_role(api):
    case = _published(api)
    _other_recorder()
    url = f"/cases/{case['id']}/events"
    outsider = api.as_("recorder.czj.events").post(url, {"message": "source_revoked", "data": REVOCATION})
    assert outsider.status_code == 404, outsider.get_json()
    other_handler = api.as_("handler.czj").post(url, {"message": "objection", "data": {"objection_grounds": "x", "commitment": True}})
    assert other_handler.status_code == 404
    wrong_role = api.as_("handler.fgw").post(url, {"message": "source_revoked", "data": REVOCATION})
    assert wrong_role.status_code == 403, wrong_role.get_json()
    assert api.as_("supervisor").post(url, {"message": "objection", "data": {"objection_grounds": "x", "commitment": True}}).status_code == 403
    assert api.as_("reviewer").post("/cases/999999/events", {"message": "source_revoked", "data": REVOCATION}).status_code == 404
    assert api.as_("reviewer").case(case["id"])["status"] == "published"  # nothing moved


def test_bad_input_is_a_422_naming_the_field_and_saves_nothing(api):
    case = _published(api)
    url = f"/cases/{case['id']}/events"
    recorder = api.as_("recorder")
    unknown = recorder.post(url, {"message": "court_says_so", "data": {}})
    assert unknown.status_code == 422 and "message" in unknown.get_json()["error"]["fields"]
    missing = recorder.post(url, {"message": "source_revoked", "data": {**REVOCATION, "revocation_reason": "  "}})
    assert missing.status_code == 422 and "revocation_reason" in missing.get_json()["error"]["fields"]
    future = recorder.post(url, {"message": "source_revoked", "data": {**REVOCATION, "revoked_on": "2099-01-01"}})
    assert future.status_code == 422 and "revoked_on" in future.get_json()["error"]["fields"]
    extra = recorder.post(url, {"message": "source_revoked", "data": {**REVOCATION, "sneaky": 1}})
    assert extra.status_code == 422
    not_dict = recorder.post(url, {"message": "source_revoked", "data": "revoked"})
    assert not_dict.status_code == 422 and "data" in not_dict.get_json()["error"]["fields"]
    assert api.as_("reviewer").case(case["id"])["status"] == "published"


APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}
DELETION = {"deletion_confirmed": True, "deletion_note": "来源处罚决定已撤销，删除该记录"}


def _deletion_notice_text(case_id: int) -> str:
    notice = db.session.scalar(select(Document).where(Document.case_id == case_id, Document.doc_type == "deletion_notice"))
    assert notice is not None
    return "".join(pdf_text(notice).split())


def test_a_revocation_while_the_record_is_in_entry_review_stops_it_before_it_can_be_approved(api):
    """Art. 37 reaches a record from its registration on (issue 18): revoked while the reviewer still
    has it, the record is never approved, notified or published — the review is cancelled, the
    record withdrawn and deleted within 3 working days, and the subject is told in writing."""
    clock.set(datetime.fromisoformat("2026-09-14T09:00:00+08:00"))
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    case = recorder.register(document_number="沪财监〔2026〕77号")
    review = reviewer.task_for(case["id"], "entry_review")
    r = recorder.post(f"/cases/{case['id']}/events", {"message": "source_revoked",
                                                      "data": {**REVOCATION, "revoked_on": "2026-09-14"}})
    assert r.status_code == 200, r.get_json()
    after = reviewer.case(case["id"])
    assert after["status"] == "withdrawn" and elements(after) == ["delete_record"]
    assert after["open_tasks"][0]["due_at"].startswith("2026-09-17")  # 3 working days: 15, 16, 17 (due as 09-17 ends)
    late = reviewer.post(f"/tasks/{review['id']}/complete", {"data": APPROVE})
    assert late.status_code == 409, late.get_json()  # the review was cancelled: it can no longer approve
    assert reviewer.case(case["id"])["status"] == "withdrawn"
    reviewer.complete(case["id"], "delete_record", DELETION)
    done = reviewer.case(case["id"])
    assert done["status"] == "deleted" and elements(done) == [] and done["closed_at"]
    assert done["publication_start"] is None and done["publication_end"] is None
    assert [d["type"] for d in done["documents"]] == ["deletion_notice"]  # no 告知书: it was never notified
    text = _deletion_notice_text(case["id"])
    assert "该记录未予公开" in text and "本单位已停止公开该记录" not in text and "沪财监〔2026〕77号" in text
    assert reviewer.get("/publications").get_json()["items"] == []
    told = db.session.scalars(select(Notification.title).join(User, User.id == Notification.user_id)
                              .where(User.username == "handler.fgw", Notification.case_id == case["id"])).all()
    assert any("已删除" in title for title in told), told


def test_a_revocation_reaches_a_record_being_corrected_from_the_recorders_case_page(app, client):
    """退回补正: the recorder, about to correct the entry, learns the penalty was revoked and says so
    on the record's page; the correction is cancelled (resubmitting it would have put the record
    back in review) and the record goes to deletion."""
    def returned(api):
        case = api.as_("recorder").register()
        api.as_("reviewer").complete(case["id"], "entry_review", {"entry_decision": "return", "review_opinion": "请补正"})
        return case, api.as_("recorder").task_for(case["id"], "correct_entry")

    case, correction = _in_app(app, returned)
    login(client, "recorder")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    form_url = f"/cases/{case['id']}/events/source_revoked"
    assert form_url in page
    ok = post(client, form_url, {**REVOCATION, "revoked_on": clock.today().isoformat()}, page=form_url)
    assert ok.status_code == 302, ok.get_data(as_text=True)[-2000:]
    after = _in_app(app, lambda api: api.as_("reviewer").case(case["id"]))
    assert after["status"] == "withdrawn" and elements(after) == ["delete_record"]
    data = {k: RECORD[k] for k in ("title", "source_type", "document_number", "key_area", "tier", "facts", "decided_on")}
    resubmitted = _in_app(app, lambda api: api.as_("recorder").post(
        f"/tasks/{correction['id']}/complete", {"data": {**data, "correction_note": "补正"}}))
    assert resubmitted.status_code == 409, resubmitted.get_json()
    assert _in_app(app, lambda api: api.as_("reviewer").case(case["id"]))["status"] == "withdrawn"


def test_a_revocation_by_source_document_number_reaches_every_live_record_and_says_what_happened(api):
    """One revoked penalty, several records based on it at different stages — in entry review,
    under objection, published: each is stopped, and the answer says per record what happened;
    a record already being deleted is named as not taking the message."""
    number = "沪财监〔2026〕99号"
    published = _published(api, document_number=number)
    recorder, reviewer, handler = api.as_("recorder"), api.as_("reviewer"), api.as_("handler.fgw")
    objected = recorder.register(document_number=number)
    reviewer.complete(objected["id"], "entry_review", APPROVE)
    handler.complete(objected["id"], "respond_notice", {"response": "object", "objection_grounds": "金额有误",
                                                        "commitment": True})
    assert reviewer.case(objected["id"])["status"] == "under_objection"
    in_review = recorder.register(document_number=number)
    other = recorder.register(document_number="沪财监〔2026〕100号")
    r = reviewer.post("/events", {"message": "source_revoked", "document_number": number, "data": REVOCATION})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    live = sorted([published["id"], objected["id"], in_review["id"]])
    assert sorted(c["id"] for c in body["items"]) == live
    assert sorted((x["case_id"], x["outcome"], x["status"]) for x in body["results"]) == [
        (i, "delivered", "withdrawn") for i in live]
    for case_id in live:
        after = reviewer.case(case_id)
        assert after["status"] == "withdrawn" and elements(after) == ["delete_record"], case_id
    assert reviewer.case(other["id"])["status"] == "in_review"
    # a later record with the same number: it is stopped, the three others are named as already stopped
    newer = recorder.register(document_number=number)
    r = reviewer.post("/events", {"message": "source_revoked", "document_number": number, "data": REVOCATION})
    assert r.status_code == 200, r.get_json()
    outcomes = {x["case_id"]: x["outcome"] for x in r.get_json()["results"]}
    assert outcomes == {**dict.fromkeys(live, "not_waiting"), newer["id"]: "delivered"}
    again = reviewer.post("/events", {"message": "source_revoked", "document_number": number, "data": REVOCATION})
    assert again.status_code == 409, again.get_json()
    message = again.get_json()["error"]["message"]
    assert all(reviewer.case(i)["number"] in message for i in live) and "已撤回公开（待删除）" in message
    bad = reviewer.post("/events", {"message": "source_revoked", "document_number": number,
                                    "data": {**REVOCATION, "revoked_on": "2099-01-01"}})
    assert bad.status_code == 422 and "revoked_on" in bad.get_json()["error"]["fields"]  # bad data first, whatever the stages
    unknown = reviewer.post("/events", {"message": "source_revoked", "document_number": "沪财监〔2026〕404号",
                                        "data": REVOCATION})
    assert unknown.status_code == 404
    assert handler.post("/events", {"message": "source_revoked", "document_number": "沪财监〔2026〕100号",
                                    "data": REVOCATION}).status_code == 403  # the subject may not revoke
    blank = reviewer.post("/events", {"message": "source_revoked", "document_number": "", "data": REVOCATION})
    assert blank.status_code == 422 and "document_number" in blank.get_json()["error"]["fields"]


def _in_app(app, fn):
    """Run `fn(api)` in an app context of its own: the web client below must not share one (a
    pushed context keeps flask-login's user and the CSRF token in `g` across requests)."""
    with app.app_context():
        return fn(Api(app.test_client()))


def test_a_handler_objects_to_a_published_record_from_the_case_page(app, client):
    case = _in_app(app, lambda api: _published(api, at=None))
    login(client, "handler.fgw")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert f"/cases/{case['id']}/events/objection" in page and "events/source_revoked" not in page
    form_url = f"/cases/{case['id']}/events/objection"
    assert client.get(form_url).status_code == 200
    bad = post(client, form_url, {"objection_grounds": ""}, page=form_url)
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "异议理由" in text and "必填" in text
    ok = post(client, form_url, {"objection_grounds": "处罚金额计算有误", "commitment": "on"}, page=form_url)
    assert ok.status_code == 302, ok.get_data(as_text=True)[-2000:]
    after = _in_app(app, lambda api: api.as_("reviewer").case(case["id"]))
    assert after["status"] == "under_objection" and elements(after) == ["objection_review"]
    assert client.get(f"/cases/{case['id']}/events/source_revoked").status_code == 403  # a handler may not


def test_a_recorder_revokes_by_form_and_others_are_refused(app, client):
    case = _in_app(app, lambda api: _published(api, at=None))
    with app.app_context():
        _other_recorder()
    other = app.test_client()
    login(other, "recorder.czj.events")
    assert other.get(f"/cases/{case['id']}/events/source_revoked").status_code == 404
    handler = app.test_client()
    login(handler, "handler.fgw")
    assert handler.get(f"/cases/{case['id']}/events/source_revoked").status_code == 403
    login(client, "recorder")
    assert client.get(f"/cases/{case['id']}/events/nonsense").status_code == 404
    form_url = f"/cases/{case['id']}/events/source_revoked"
    ok = post(client, form_url, {**REVOCATION, "revoked_on": clock.today().isoformat()}, page=form_url)
    assert ok.status_code == 302, ok.get_data(as_text=True)[-2000:]
    after = _in_app(app, lambda api: api.as_("reviewer").case(case["id"]))
    assert after["status"] == "withdrawn" and elements(after) == ["delete_record"]


def test_a_claimed_exemption_ground_must_be_in_the_catalogue_and_explained(api):
    case = _published(api)
    url = f"/cases/{case['id']}/events"
    handler = api.as_("handler.fgw")
    base = {"objection_grounds": "台风停工", "commitment": True}
    bogus = handler.post(url, {"message": "objection", "data": {**base, "exemption_ground": "friend_of_mayor",
                                                                 "exemption_explanation": "x"}})
    assert bogus.status_code == 422 and "exemption_ground" in bogus.get_json()["error"]["fields"], bogus.get_json()
    unexplained = handler.post(url, {"message": "objection", "data": {**base, "exemption_ground": "force_majeure"}})
    assert unexplained.status_code == 422 and "exemption_explanation" in unexplained.get_json()["error"]["fields"]
    # the catalogue is the decision table: the API's form schema offers exactly its grounds
    ok = handler.post(url, {"message": "objection", "data": {**base, "exemption_ground": "force_majeure",
                                                              "exemption_explanation": "台风红色预警期间停工"}})
    assert ok.status_code == 200 and ok.get_json()["status"] == "under_objection"
    # the reviewer's task shows the late objection in its case file, under its form's labels
    task = api.as_("reviewer").task_for(case["id"], "objection_review")
    case_file = api.as_("reviewer").get(f"/tasks/{task['id']}").get_json()["case_file"]
    late = [s for s in case_file if s["step"] == "提出异议"]
    assert late and {v["label"]: v["text"] for v in late[0]["values"]}["主张免责容错情形"] == "因不可抗力或上级政策调整未能履约（免责）"


def test_publishing_a_minor_record_needs_a_reason(api):
    clock.set(datetime.fromisoformat("2026-09-14T09:00:00+08:00"))
    recorder, reviewer, handler = api.as_("recorder"), api.as_("reviewer"), api.as_("handler.fgw")
    case = recorder.register(tier="minor", decided_on="2026-06-01")
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    handler.complete(case["id"], "respond_notice", {"response": "accept"})
    task = reviewer.task_for(case["id"], "publication_decision")
    refused = reviewer.post(f"/tasks/{task['id']}/complete", {"data": {"publish": True, "decision_note": "公开"}})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"minor_publication_reason": ["轻微失信一般不公开：决定公开的，须写明公开理由"]}
    # not publishing needs no reason; publishing with one does
    done = reviewer.post(f"/tasks/{task['id']}/complete", {"data": {"publish": True, "decision_note": "公开",
                                                                     "minor_publication_reason": "屡次发生，公开警示"}})
    assert done.status_code == 200, done.get_json()
    after = reviewer.case(case["id"])
    # minor: at most 3 months counted from the source decision (2026-06-01), so publication ends 2026-09-01 → at once
    assert after["source_decided_on"] == "2026-06-01" and after["publication_end"] == "2026-09-14"


def test_the_api_contract_names_exactly_the_messages_the_service_knows():
    assert set(schemas._MESSAGE_NAMES) == set(events.MESSAGES)


def test_the_objection_message_waits_until_the_window_closes(api):
    """In the window the unit objects in its answer to the notice (respond_notice); an objection sent
    as a message then would start a second handling beside the open answer, and the window's end
    (silence) or an "accept" would confirm and publish the record while the objection is reviewed."""
    clock.set(datetime.fromisoformat("2026-09-14T09:00:00+08:00"))
    recorder, reviewer, handler = api.as_("recorder"), api.as_("reviewer"), api.as_("handler.fgw")
    case = recorder.register()
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    url = f"/cases/{case['id']}/events"
    early = handler.post(url, {"message": "objection", "data": {"objection_grounds": "有误", "commitment": True}})
    assert early.status_code == 409, early.get_json()
    assert elements(reviewer.case(case["id"])) == ["respond_notice"]
    handler.complete(case["id"], "respond_notice", {"response": "accept"})
    assert reviewer.case(case["id"])["status"] == "confirmed"
    late = handler.post(url, {"message": "objection", "data": {"objection_grounds": "有误", "commitment": True}})
    assert late.status_code == 200, late.get_json()
    assert late.get_json()["status"] == "under_objection"


def test_an_exemption_claimed_in_the_notice_answer_goes_to_the_reviewer_not_dropped(api):
    """免责容错 is decided by the reviewer in the objection's handling: a claim with an answer of
    "no objection" would confirm the record with nobody deciding it, so the form refuses it and
    names the answer."""
    clock.set(datetime.fromisoformat("2026-09-14T09:00:00+08:00"))
    recorder, reviewer, handler = api.as_("recorder"), api.as_("reviewer"), api.as_("handler.fgw")
    case = recorder.register()
    reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    task = handler.task_for(case["id"], "respond_notice")
    claim = {"exemption_ground": "force_majeure", "exemption_explanation": "台风红色预警期间停工"}
    dropped = handler.post(f"/tasks/{task['id']}/complete", {"data": {"response": "accept", **claim}})
    assert dropped.status_code == 422, dropped.get_json()
    assert "提出异议" in " ".join(dropped.get_json()["error"]["fields"]["response"])
    assert reviewer.case(case["id"])["status"] == "notified"
    ok = handler.post(f"/tasks/{task['id']}/complete", {"data": {"response": "object", "objection_grounds": "不可抗力",
                                                                  "commitment": True, **claim}})
    assert ok.status_code == 200, ok.get_json()
    assert elements(reviewer.case(case["id"])) == ["objection_review"]


def test_a_form_sent_twice_says_the_case_no_longer_waits_instead_of_page_not_found(app, client):
    """Double submission (two tabs, the back button) or a message another user already sent: the
    second form is answered on the case page with what happened, not with "page not found / not in
    your scope"."""
    case = _in_app(app, lambda api: _published(api, at=None))
    login(client, "recorder")
    form_url = f"/cases/{case['id']}/events/source_revoked"
    data = {**REVOCATION, "revoked_on": clock.today().isoformat()}
    assert post(client, form_url, data, page=form_url).status_code == 302
    again = post(client, form_url, data, page=f"/cases/{case['id']}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/cases/{case['id']}")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "当前不接受“来源决定被撤销”" in page
    assert f"— {clock.today().isoformat()}（" not in page  # withdrawn today: no "repair from …" on the summary
    reopened = client.get(form_url)
    assert reopened.status_code == 302 and reopened.headers["Location"].endswith(f"/cases/{case['id']}")
    assert client.get(f"/cases/{case['id']}/events/nonsense").status_code == 404
    after = _in_app(app, lambda api: api.as_("reviewer").case(case["id"]))
    assert [e["kind"] for e in after["timeline"]].count("message.received") == 1


def test_the_objection_reply_says_who_checked_and_that_a_published_record_stays_published(api):
    """The written reply (Art. 36) to an objection against a published record that the centre
    transferred to the data provider: it names the provider's check and says the record stays
    published until its end, not that a publication decision is still to come."""
    case = _published(api)
    url = f"/cases/{case['id']}/events"
    handler, reviewer, recorder = api.as_("handler.fgw"), api.as_("reviewer"), api.as_("recorder")
    assert handler.post(url, {"message": "objection", "data": {"objection_grounds": "金额有误", "commitment": True}}).status_code == 200
    reviewer.complete(case["id"], "objection_review", {"objection_outcome": "transfer", "reply_reasons": "转交核查"})
    recorder.complete(case["id"], "provider_check", {"provider_outcome": "uphold", "provider_reasons": "金额无误"})
    after = reviewer.case(case["id"])
    assert after["status"] == "published"
    reply = db.session.scalar(select(Document).where(Document.case_id == case["id"], Document.doc_type == "objection_reply"))
    text = "".join(pdf_text(reply).split())
    assert "数据提供单位" in text and "金额无误" in text
    assert "是否公开的决定" not in text
    # the last day shown: the day before publication_end (the first day it no longer is)
    assert "继续公开至" + chinese_date(date.fromisoformat(after["publication_end"]) - timedelta(days=1)) in text


def _rectification_of(api, record_id: int) -> dict:
    (link,) = [x for x in api.as_("reviewer").case(record_id)["linked_cases"] if x["relation"] == "rectification_opened"]
    return api.as_("supervisor").case(link["case_id"])


def test_a_revoked_records_rectification_ends_with_it(api):
    """Attack 18 finding 1: the record's source decision revoked (Art. 37), the unit was still asked
    to explain and rectify a record being deleted — and refusing would escalate to a public
    criticism and a new record on the strength of the deleted one."""
    case = _published(api)
    warning = _rectification_of(api, case["id"])
    assert elements(warning) == ["explain"]
    clock.set(datetime.fromisoformat("2026-09-29T10:00:00+08:00"))
    r = api.as_("recorder").post(f"/cases/{case['id']}/events", {"message": "source_revoked", "data": REVOCATION})
    assert r.status_code == 200, r.get_json()
    warning = _rectification_of(api, case["id"])
    assert warning["open_tasks"] == [] and warning["status"] == "record_withdrawn", warning["status"]
    assert warning["closed_at"] is not None
    assert any(case["number"] in e["summary"] and "撤销" in e["summary"] for e in warning["timeline"])


def test_a_rectification_in_its_plan_stage_ends_when_an_objection_revokes_the_record(api):
    case = _published(api)
    warning = _rectification_of(api, case["id"])
    api.as_("handler.fgw").complete(warning["id"], "explain", {"explanation": "说明", "will_rectify": "yes"})
    assert elements(_rectification_of(api, case["id"])) == ["submit_plan"]
    objection = {"objection_grounds": "合同款已于验收后拨付，记录有误", "commitment": True}
    r = api.as_("handler.fgw").post(f"/cases/{case['id']}/events", {"message": "objection", "data": objection})
    assert r.status_code == 200, r.get_json()
    api.as_("reviewer").complete(case["id"], "objection_review",
                                 {"objection_outcome": "revoke", "reply_reasons": "异议成立，撤销记录"})
    assert api.as_("reviewer").case(case["id"])["status"] == "revoked"
    warning = _rectification_of(api, case["id"])
    assert warning["open_tasks"] == [] and warning["status"] == "record_withdrawn"


def test_a_refusal_awaiting_escalation_is_not_escalated_once_the_record_is_gone(api):
    """The unit refused to rectify a record that is then revoked: the supervisor's pending
    确认升级处理 goes away — no public criticism and no new record from a deleted one."""
    case = _published(api)
    warning = _rectification_of(api, case["id"])
    api.as_("handler.fgw").complete(warning["id"], "explain", {"explanation": "不认可", "will_rectify": "no"})
    assert elements(_rectification_of(api, case["id"])) == ["confirm_escalation"]
    r = api.as_("recorder").post(f"/cases/{case['id']}/events", {"message": "source_revoked", "data": REVOCATION})
    assert r.status_code == 200, r.get_json()
    warning = _rectification_of(api, case["id"])
    assert warning["open_tasks"] == [] and warning["status"] == "record_withdrawn"
    assert [x for x in warning["linked_cases"] if x["relation"] == "escalated_to"] == []
    assert db.session.scalars(select(Document).where(Document.case_id == warning["id"],
                                                     Document.doc_type == "public_criticism")).all() == []


def test_a_revocation_cannot_predate_the_decision_it_revokes(api):
    """Attack 18 finding 2: a revocation dated before the source decision it revokes (here
    2026-01-02 against a decision of 2026-09-01) was accepted and written into the deletion notice."""
    case = _published(api, decided_on="2026-09-01", occurred_on="2026-08-01")
    early = {**REVOCATION, "revoked_on": "2026-08-31"}
    r = api.as_("recorder").post(f"/cases/{case['id']}/events", {"message": "source_revoked", "data": early})
    assert r.status_code == 422, r.get_json()
    assert "revoked_on" in r.get_json()["error"]["fields"]
    assert api.as_("reviewer").case(case["id"])["status"] == "published"  # nothing saved
    by_key = api.as_("recorder").post("/events", {"message": "source_revoked", "document_number": case["document_number"],
                                                  "data": early})
    assert by_key.status_code == 422, by_key.get_json()
    assert api.as_("reviewer").case(case["id"])["status"] == "published"
    same_day = {**REVOCATION, "revoked_on": "2026-09-01"}
    r = api.as_("recorder").post(f"/cases/{case['id']}/events", {"message": "source_revoked", "data": same_day})
    assert r.status_code == 200, r.get_json()


def test_a_deletion_left_past_its_3_working_days_is_reminded_supervised_and_then_done(api, tick):
    """Art. 37's 3 working days bite: a reminder as the last day begins, an overdue notice and a
    supervisor's 督办 (a new deadline) when it passes; deleting then withdraws the 督办, issues the
    删除告知书 and closes the record."""
    case = _published(api)
    clock.set(datetime.fromisoformat("2026-09-29T10:00:00+08:00"))
    r = api.as_("recorder").post(f"/cases/{case['id']}/events", {"message": "source_revoked", "data": REVOCATION})
    assert r.status_code == 200, r.get_json()
    # due at the end of Oct 9 (Sep 30, Oct 8, Oct 9 across National Day): reminder as Oct 8 begins
    tick(datetime.fromisoformat("2026-10-08T00:01:00+08:00"))
    body = api.as_("reviewer").case(case["id"])
    assert elements(body) == ["delete_record"]
    assert any(e["kind"] == "task.reminded" or "提醒" in e["summary"] for e in body["timeline"][-5:])
    tick(datetime.fromisoformat("2026-10-10T00:01:00+08:00"))
    body = api.as_("supervisor").case(case["id"])
    assert sorted(elements(body)) == ["delete_record", "supervise_delete_record"]
    assert any(e["kind"] == "task.overdue" for e in body["timeline"])
    api.as_("supervisor").complete(case["id"], "supervise_delete_record",
                                   {"supervision_action": "urge", "supervision_reason": "请立即删除", "new_deadline_days": 1})
    api.as_("reviewer").complete(case["id"], "delete_record", {"deletion_confirmed": True, "deletion_note": "已核实撤销决定"})
    body = api.as_("reviewer").case(case["id"])
    assert body["open_tasks"] == [] and body["status"] == "deleted", body["status"]
    assert [d["type"] for d in body["documents"]].count("deletion_notice") == 1, body["documents"]
    tick(datetime.fromisoformat("2026-10-20T00:01:00+08:00"))  # the 督办's new deadline passes: nothing more
    assert api.as_("reviewer").case(case["id"])["open_tasks"] == []
