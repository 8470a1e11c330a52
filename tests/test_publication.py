"""The publication register and the public portal (issue 19), driven through the real process:
a record published by the BPMN appears on /public masked, disappears at once when repaired (or
expires, is revoked, is cancelled), every change is in the register with its end reason, and the
`publication_changed` signal carries the same masked record the portal shows."""
from __future__ import annotations

import re
import shutil
import subprocess
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.cases import actions as case_actions
from app.cases.models import Case
from app.core.clock import LOCAL_TZ, clock
from app.core.errors import NotFound
from app.core.extensions import db
from app.core.rate_limits import limiter
from app.core.transaction import unit_of_work
from app.incidents import service as incidents
from app.org.models import CivilServant, User
from app.publication import service as publication
from app.publication.signals import publication_changed
from tests.support import load_calendar_year
from app.rules import service as rules
from tests.sharing_support import Receiver
from tests.test_rules import shipped
from tests.web_support import csrf_token, login

ID_18 = "31010519800101123X"
ID_15 = "310105800101123"
MOBILE = "13812345678"
LANDLINE = "021-63211234"
FACTS = (f"经查，孙明（身份证号{ID_18}，旧证{ID_15}，手机{MOBILE}，办公电话{LANDLINE}）"
         "于2026年3月15日在沪财监〔2026〕17号处罚决定所涉项目中，住所为浦东新区世纪大道100号3楼的供应商未获付款。")
APPROVE = {"entry_decision": "approve", "review_opinion": "事实清楚，证据充分"}
PUBLISH = {"publish": True, "decision_note": "一般失信，依规公开"}
REPAIR = {"correction_proof": "已全额支付并致歉", "credit_commitment": True}


@contextmanager
def signals():
    """Every publication_changed sent meanwhile, as (event, case_id, publication_id, record)."""
    seen = []

    def receiver(sender, **kw):
        seen.append((kw["event"], kw["case_id"], kw["publication_id"], kw["record"], kw["occurred_at"]))
    publication_changed.connect(receiver)
    try:
        yield seen
    finally:
        publication_changed.disconnect(receiver)


def servant_id(name="孙明") -> int:
    return db.session.scalar(select(CivilServant.id).where(CivilServant.name == name))


def published_record(api, handler: str = "handler.czj", **overrides) -> int:
    """A record of the civil servant 孙明 (市财政局), with his ID number and phones in the facts,
    driven through the process until it is published (2026-09-14, general: repair from 2026-12-14)."""
    recorder, reviewer, unit = api.as_("recorder"), api.as_("reviewer"), api.as_(handler)
    data = {"subject_type": "civil_servant", "subject_department": "czj", "civil_servant_id": servant_id(),
            "title": f"孙明拖欠合同款（联系电话{MOBILE}）", "facts": FACTS, "decided_on": "2026-04-01", **overrides}
    case_id = recorder.register(**{k: v for k, v in data.items() if v is not None})["id"]
    reviewer.complete(case_id, "entry_review", APPROVE)
    unit.complete(case_id, "respond_notice", {"response": "accept"})
    reviewer.complete(case_id, "publication_decision", PUBLISH)
    assert reviewer.case(case_id)["status"] == "published"
    return case_id


def assert_nothing_personal(text: str) -> None:
    for secret in (ID_18, ID_15, MOBILE, "63211234", "孙明", "100号"):
        assert secret not in text, f"{secret!r} shown unmasked"


def test_a_published_record_is_on_the_portal_masked_and_gone_at_once_when_repaired(api, client, tick):
    with signals() as seen:
        case_id = published_record(api)
    [(event, sent_case, publication_id, record, occurred_at)] = seen
    assert (event, sent_case) == ("publish", case_id) and occurred_at.tzinfo is not None
    assert record["subject_name"] == "孙*（市财政局）" and record["end_reason"] is None
    assert (record["start"], record["planned_end"], record["decided_on"]) == ("2026-09-14", "2027-04-01", "2026-04-01")  # counted from the source decision (issue 18)
    assert "3101************3X" in record["facts"] and "138****5678" in record["facts"] and "021-******34" in record["facts"]
    assert "沪财监〔2026〕17号" in record["facts"] and "2026年3月15日" in record["facts"]  # not numbers to hide
    assert_nothing_personal(str(record))

    listing = client.get("/public?subject=孙")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert f'data-id="{publication_id}"' in html
    assert_nothing_personal(html)
    detail = client.get(f"/public/records/{publication_id}").get_data(as_text=True)
    assert "3101************3X" in detail and "世纪大道***号*楼" in detail
    assert_nothing_personal(detail)
    # What the portal shows is what the sharing feed gets, field by field (the portal's channel
    # and the feed's give the same masking in the shipped table).
    api_record = client.get(f"/api/v1/public/records/{publication_id}").get_json()
    assert {k: v for k, v in api_record.items() if k != "id"} == record
    # Searching the unmasked number finds nothing: the search reads only the public, masked text.
    assert client.get(f"/api/v1/public/records?q={MOBILE}").get_json()["total"] == 0
    assert client.get("/api/v1/public/records?q=138****5678").get_json()["total"] == 1

    handler, reviewer = api.as_("handler.czj"), api.as_("reviewer")
    tick(datetime(2026, 12, 14, 9, 0, tzinfo=LOCAL_TZ))
    handler.complete(case_id, "apply_repair", REPAIR)
    with signals() as seen:
        reviewer.complete(case_id, "review_repair", {"repair_decision": "grant", "repair_reasons": "已纠正"})
    assert [(e, c, p) for e, c, p, _, _ in seen] == [("withdraw", case_id, publication_id)]
    assert seen[0][3]["end_reason"] == "repair" and seen[0][3]["actual_end"] == "2026-12-14"
    assert reviewer.case(case_id)["status"] == "repaired"

    assert client.get(f"/public/records/{publication_id}").status_code == 404
    assert f'data-id="{publication_id}"' not in client.get("/public").get_data(as_text=True)
    assert client.get(f"/api/v1/public/records/{publication_id}").status_code == 404
    assert client.get("/api/v1/public/records").get_json()["total"] == 0
    [row] = publication.for_case(db.session.get(Case, case_id))
    assert (row.start, row.planned_end, row.actual_end, row.end_reason) == \
        (date(2026, 9, 14), date(2027, 4, 1), date(2026, 12, 14), "repair")
    assert "facts" in row.scope and "subject_name" in row.scope


def test_expiry_ends_the_publication_by_the_timer(api, tick, client):
    case_id = published_record(api)
    [row] = publication.for_case(db.session.get(Case, case_id))
    load_calendar_year(2027)  # expiry lifts the joint sanctions: their lifting tasks have working-day deadlines
    clock.set(datetime(2027, 4, 1, 0, 0, 1, tzinfo=LOCAL_TZ))  # the last day has passed; no tick yet
    assert client.get(f"/api/v1/public/records/{row.id}").status_code == 404  # not shown a moment longer
    with signals() as seen:
        tick(datetime(2027, 4, 1, 0, 0, 1, tzinfo=LOCAL_TZ))
    assert [e for e, *_ in seen] == ["withdraw"]
    [row] = publication.for_case(db.session.get(Case, case_id))
    assert (row.actual_end, row.end_reason) == (date(2027, 4, 1), "expiry")


def test_cancelling_a_published_case_deletes_it_from_publication(api):
    case_id = published_record(api)
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    with signals() as seen:
        incidents.cancel(admin, case_id, "重复登记")
    [row] = publication.for_case(db.session.get(Case, case_id))
    assert (row.actual_end, row.end_reason) == (date(2026, 9, 14), "deletion")
    assert [e for e, *_ in seen] == ["withdraw"]
    with pytest.raises(NotFound):
        publication.get_public(row.id)


def test_revocation_ends_it_through_the_service_and_moves_the_case_end(api):
    """The revocation path (条例 Art. 37) calls end_publication(case, "revocation", on)."""
    case_id = published_record(api)
    with unit_of_work():
        case = db.session.get(Case, case_id)
        ended = publication.end_publication(case, "revocation", date(2026, 10, 9))
        assert publication.end_publication(case, "revocation") is None  # nothing left to end
    case = db.session.get(Case, case_id)
    assert (ended.end_reason, ended.actual_end, case.publication_end) == ("revocation", date(2026, 10, 9), date(2026, 10, 9))
    with pytest.raises(ValueError):
        publication.end_publication(case, "forgotten")


def test_a_correction_of_a_published_record_is_announced_as_an_update(api, client):
    case_id = published_record(api)
    with signals() as seen, unit_of_work():
        case_actions.correct_record(db.session.get(Case, case_id), {"facts": "更正后：联系电话 13900001111。"})
    [(event, _, publication_id, record, _)] = seen
    assert event == "update" and record["facts"] == "更正后：联系电话 139****1111。"
    assert "更正后" in client.get(f"/public/records/{publication_id}").get_data(as_text=True)
    with signals() as seen, unit_of_work():  # a change of nothing public announces nothing
        case_actions.correct_record(db.session.get(Case, case_id), {"facts": "更正后：联系电话 13900001111。"})
    assert seen == []


def test_the_register_page_lists_rows_with_filters_for_reviewers_only(api, app):
    first = published_record(api)
    published_record(api, title="第二条记录")
    incidents.cancel(db.session.scalar(select(User).where(User.username == "admin")), first, "重复登记")
    web = app.test_client()
    login(web, "reviewer")
    page = web.get("/publications?reason=deletion").get_data(as_text=True)
    assert page.count('data-end-reason="deletion"') == 1 and page.count("data-publication-id=") == 1
    page = web.get("/publications?status=current").get_data(as_text=True)
    assert page.count("data-publication-id=") == 1 and 'data-end-reason=""' in page
    assert web.get("/publications?reason=nonsense").status_code == 422
    case_page = web.get(f"/cases/{first}").get_data(as_text=True)
    assert 'id="publication-register"' in case_page and "删除记录" in case_page


def test_handlers_may_not_read_the_register(client):
    login(client, "handler.czj")
    assert client.get("/publications").status_code == 403


def test_the_portal_is_rate_limited_with_retry_after(app, client):
    before = app.config["PUBLIC_RATE_LIMIT"]
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        assert [client.get("/public").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/public")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        api_refused = client.get("/api/v1/public/records")  # one budget for the pages and the API
        assert api_refused.status_code == 429 and "Retry-After" in api_refused.headers
        assert api_refused.get_json()["error"]["code"] == "too_many_requests"
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = before
        limiter.reset()


def test_the_rate_limit_counts_an_ipv6_client_by_its_64_network(app, client):
    """Finding (attack-19): the portal counted per IPv6 address, so a scraper holding a /64 (what
    one machine gets) rotated through addresses without ever being limited. Counted per /64 (as
    sign-in throttling does), and an IPv4-mapped address as that IPv4 address."""
    before = app.config["PUBLIC_RATE_LIMIT"]
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        codes = [client.get("/public", environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{i:x}"}).status_code
                 for i in range(1, 5)]
        assert codes == [200, 200, 200, 429]
        other = client.get("/api/v1/public/records", environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"})
        assert other.status_code == 200  # another /64 is another client
        mapped = [client.get("/public", environ_base={"REMOTE_ADDR": a}).status_code
                  for a in ("203.0.113.9", "::ffff:203.0.113.9", "203.0.113.9", "::ffff:cb00:7109")]
        assert mapped == [200, 200, 200, 429]
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = before
        limiter.reset()


def test_portal_filters_refuse_nonsense_with_field_messages(client):
    assert client.get("/public?tier=worst").status_code == 422
    assert client.get("/public?area=月球").status_code == 422
    r = client.get("/api/v1/public/records?tier=worst")
    assert r.status_code == 422 and "tier" in r.get_json()["error"]["fields"]
    assert client.get("/api/v1/public/records?q=" + "x" * 101).status_code == 422


def test_the_notification_prints_the_facts_masked(api, tmp_path):
    """The 告知书 leak: a civil servant's ID and phone number typed into the facts were printed."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not found: install poppler-utils (scripts/install-system.sh does)")
    recorder, reviewer = api.as_("recorder"), api.as_("reviewer")
    case_id = recorder.register(subject_type="civil_servant", subject_department="czj", civil_servant_id=servant_id(),
                                facts=FACTS)["id"]
    reviewer.complete(case_id, "entry_review", APPROVE)
    [notice] = [d for d in reviewer.case(case_id)["documents"] if d["type"] == "notification"]
    r = reviewer.get(f"/cases/{case_id}/documents/{notice['id']}.pdf")
    assert r.status_code == 200
    path = tmp_path / "notice.pdf"
    path.write_bytes(r.data)
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    for secret in (ID_18, ID_15, MOBILE, "63211234", "100号3楼"):
        assert secret not in text
    assert "3101************3X" in text and "138****5678" in text
    assert re.search(r"021-?\*{6}34", text)  # pdftotext drops a hyphen that ends a line
    assert "沪财监〔2026〕17号" in text and "2026年3月15日" in text  # a document number and a date stay
    assert "孙明" in text  # the unit is told which of its civil servants: names are masked for the public only
    # It promises only what the system does: the portal it is published on and its masking; no
    # sharing (no endpoint is configured here: tests/test_document_promises.py has both), no
    # sanctions, no other websites.
    assert "http://127.0.0.1:5000/public" in text and "作脱敏处理" in text
    assert "推送" not in text and "共享" not in text and "撤回" not in text
    assert "惩戒" not in text and "信用中国" not in text and "诚信网" not in text


def test_the_portal_speaks_english_when_chosen(client):
    r = client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/public"), "next": "/public"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/public")
    html = client.get("/public").get_data(as_text=True)
    assert "Published government dishonesty records" in html and "政务失信记录公开查询" not in html


def test_the_register_reads_through_the_api_for_its_roles_only(api):
    case_id = published_record(api)
    body = api.as_("supervisor").get("/publications?status=current").get_json()
    [row] = body["items"]
    assert (row["case_id"], row["start"], row["actual_end"], row["end_reason"]) == (case_id, "2026-09-14", None, None)
    assert row["subject_name"] == "孙*（市财政局）" and "facts" in row["scope"]
    assert api.as_("reviewer").get("/publications?status=ended").get_json()["items"] == []
    r = api.as_("reviewer").get("/publications?reason=forgotten")
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    assert api.as_("handler.czj").get("/publications").status_code == 403
    assert api.as_("recorder").get("/publications").status_code == 403


# ---------------------------------------------------------------- masking rules change

def names_hidden_entirely() -> str:
    """The shipped masking rules, except that a civil servant's name is hidden entirely in public
    (no longer keeping the surname): the field and the name where the title and facts mention it."""
    xml = shipped("masking_rules")
    for rule in ("masking_rules_name", "masking_rules_name_text"):
        xml = re.sub(rf'(<rule id="{rule}">.*?_o3"><text>)1(</text>)', r"\g<1>0\2", xml, flags=re.S)
    return xml


def publish_masking_rules(xml: str, on: date | None = None) -> None:
    """A designer drafts `xml`, an approver publishes it in force from `on` (default today)."""
    designer = db.session.scalar(select(User).where(User.username == "designer"))
    approver = db.session.scalar(select(User).where(User.username == "approver"))
    draft = rules.save_draft(designer, "masking_rules", xml, comment="个人信息保护加强")
    rules.publish(approver, draft.id, effective_from=on or clock.today(), note="公务员姓名不再保留姓")


@pytest.fixture()
def receiver(app):
    """A credit platform (national) receiving the sharing feed for one test."""
    saved = app.config["SHARING_ENDPOINTS"]
    platform = Receiver().start()
    app.config["SHARING_ENDPOINTS"] = [{"name": "national", "url": platform.url("/national")}]
    yield platform
    app.config["SHARING_ENDPOINTS"] = saved
    platform.stop()


def test_new_masking_rules_mask_the_portal_and_api_at_once_and_the_feed_gets_one_update(api, client, tick, receiver):
    case_id = published_record(api)
    tick()
    [(kind, _)] = receiver.received("/national")
    assert kind == "publish" and receiver.requests[0]["body"]["record"]["subject_name"] == "孙*（市财政局）"
    [row] = publication.for_case(db.session.get(Case, case_id))
    assert client.get("/api/v1/public/records?subject=孙").get_json()["total"] == 1

    publish_masking_rules(names_hidden_entirely())
    # Before any tick: the portal and the API mask by the rules in force, not by the stored view.
    for page in (client.get("/public").get_data(as_text=True), client.get(f"/public/records/{row.id}").get_data(as_text=True)):
        assert "**（市财政局）" in page and "孙*" not in page
        assert_nothing_personal(page)
    api_record = client.get(f"/api/v1/public/records/{row.id}").get_json()
    assert api_record["subject_name"] == "**（市财政局）" and "孙" not in api_record["title"] + api_record["facts"]
    [listed] = client.get("/api/v1/public/records").get_json()["items"]
    assert listed == api_record
    # A search never matches text masked by the rules no longer in force.
    assert client.get("/api/v1/public/records?subject=孙").get_json()["total"] == 0
    assert client.get("/api/v1/public/records?q=孙").get_json()["total"] == 0

    with signals() as seen:
        output = tick()
    assert "重新脱敏公开记录 1 条" in output
    [(event, _, publication_id, record, _)] = seen
    assert (event, publication_id) == ("update", row.id)
    assert record == {k: v for k, v in api_record.items() if k != "id"}
    updates = [r["body"] for r in receiver.requests if r["body"]["kind"] == "update"]
    assert len(updates) == 1 and updates[0]["record"]["subject_name"] == "**（市财政局）"
    assert {k: v for k, v in api_record.items() if k != "id"} == updates[0]["record"]
    db.session.expire_all()
    [row] = publication.for_case(db.session.get(Case, case_id))
    assert row.subject_name == "**（市财政局）" and "孙" not in row.search_text
    assert client.get("/api/v1/public/records?q=**（市财政局）").get_json()["total"] == 1
    with signals() as seen:
        tick()
        tick(timedelta(days=1))
    assert seen == [] and [k for k, _ in receiver.received("/national")] == ["publish", "update"]


def test_a_version_in_force_from_tomorrow_masks_from_tomorrow(api, client, tick):
    published_record(api)
    publish_masking_rules(names_hidden_entirely(), on=date(2026, 9, 15))
    with signals() as seen:
        tick()
    assert seen == []
    [item] = client.get("/api/v1/public/records").get_json()["items"]
    assert item["subject_name"] == "孙*（市财政局）"  # today's rules
    clock.set(datetime(2026, 9, 15, 0, 0, 1, tzinfo=LOCAL_TZ))  # no tick yet
    assert client.get(f"/api/v1/public/records/{item['id']}").get_json()["subject_name"] == "**（市财政局）"
    with signals() as seen:
        tick()
    assert [(e, r["subject_name"]) for e, _, _, r, _ in seen] == [("update", "**（市财政局）")]


def test_a_new_version_that_changes_nothing_public_announces_nothing(api, client, tick):
    """Only the document channel changes (landlines keep one digit more in documents): the stored
    views are marked masked by the new version, and no update is sent. A row stored before the
    version was kept is masked again the same way."""
    case_id = published_record(api)
    xml = re.sub(r'(<rule id="masking_rules_landline">.*?_i2"><text>)-(</text>)', r'\1"portal", "feed"\2',
                 shipped("masking_rules"), flags=re.S)
    publish_masking_rules(xml)
    with unit_of_work():
        [row] = publication.for_case(db.session.get(Case, case_id))
        old_version, row.masking_version_id = row.masking_version_id, None
    with signals() as seen:
        assert "重新脱敏公开记录 1 条" in tick()
    db.session.expire_all()
    [row] = publication.for_case(db.session.get(Case, case_id))
    assert seen == [] and row.masking_version_id not in (None, old_version)
