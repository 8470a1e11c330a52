"""Finding work (issue 20, "Inbox and search"): the inbox searches by case number or keyword, on
the page and in the API, as the case list does; cases are found by a unit's abbreviation ("发改"
for 市发展改革委) and by words of their facts; a reversed date range is said, not answered with an
empty list; a unit filter offers the units in the user's scope, not all 43."""
from __future__ import annotations

import re
from datetime import datetime

from app.core.clock import LOCAL_TZ, clock
from app.org.models import Department
from app.core.extensions import db
from sqlalchemy import func, select

from tests.support import RECORD, Api, add_district_user
from tests.test_api_parity import fields_of
from tests.web_support import login

CZJ = {"subject_department": "czj", "title": "预算资金违规拨付", "facts": "向不符合条件的企业拨付专项补贴 80 万元。"}


def registered(app) -> tuple[dict, dict]:
    """Two records: one about 市发展改革委 (RECORD), one about 市财政局."""
    with app.app_context():
        recorder = Api(app.test_client()).as_("recorder")
        return recorder.register(), recorder.register(**CZJ)


def numbers(body: dict) -> list[str]:
    return sorted(item.get("case_number") or item["number"] for item in body["items"])


def test_cases_are_found_by_a_units_abbreviation_and_by_their_facts(app, api):
    fgw, czj = registered(app)
    reviewer = api.as_("reviewer")
    for subject, found in (("发改", [fgw]), ("发展改革", [fgw]), ("市发改委", [fgw]), ("财政", [czj]),
                           ("fgw", [fgw]), ("改发", []), ("发 改", [fgw])):
        body = reviewer.get("/cases", query_string={"subject": subject}).get_json()
        assert numbers(body) == sorted(c["number"] for c in found), subject
    for q, found in (("专项补贴", [czj]), ("30日内", [fgw]), ("发改", [fgw]), ("沪财监", [fgw, czj]),
                     (czj["number"], [czj]), (czj["number"].lower(), [czj])):
        body = reviewer.get("/cases", query_string={"q": q}).get_json()
        assert numbers(body) == sorted(c["number"] for c in found), q


def test_the_case_page_finds_by_abbreviation_too(app, client):
    fgw, czj = registered(app)
    login(client, "reviewer")
    html = client.get("/cases", query_string={"subject": "发改"}).get_data(as_text=True)
    assert fgw["number"] in html and czj["number"] not in html


def test_a_reversed_date_range_is_said_on_the_page_and_refused_by_the_api(app, api, client):
    fgw, _czj = registered(app)
    reviewer = api.as_("reviewer")
    r = reviewer.get("/cases", query_string={"created_from": "2026-09-20", "created_to": "2026-09-01"})
    assert r.status_code == 400, r.get_json()
    assert list(fields_of(r)) == ["created_to"] and "早于" in fields_of(r)["created_to"][0]
    assert reviewer.get("/cases", query_string={"created_from": "2026-09-14", "created_to": "2026-09-14"}).get_json()["total"] == 2
    assert reviewer.get("/cases", query_string={"created_from": "2026-09-15"}).get_json()["total"] == 0
    assert reviewer.get("/cases", query_string={"created_to": "2026-13-01"}).status_code == 422

    login(client, "reviewer")
    page = client.get("/cases", query_string={"created_from": "2026-09-14", "created_to": "2026-09-01"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    message = re.search(r'data-error="created_to">([^<]+)<', html).group(1)
    assert message == "“登记日期止”（2026-09-01）早于“登记日期起”（2026-09-14）：日期范围颠倒了，请调换或修改"
    assert 'value="2026-09-01"' in html  # what was typed stays in the field
    assert fgw["number"] in html  # the list is shown without the reversed end, not emptied


def test_the_inbox_searches_by_case_number_and_keyword_on_the_page_and_in_the_api(app, api, client):
    fgw, czj = registered(app)
    reviewer = api.as_("reviewer")
    for q, found in ((czj["number"], [czj]), (czj["number"][-6:], [czj]), ("发改", [fgw]), ("专项补贴", [czj]),
                     ("录入审核", [fgw, czj]), ("%", []), ("没有这样的案件", [])):
        body = reviewer.get("/tasks", query_string={"scope": "available", "q": q}).get_json()
        assert numbers(body) == sorted(c["number"] for c in found), q
    body = reviewer.get("/tasks", query_string={"scope": "available", "department": "czj"}).get_json()
    assert numbers(body) == [czj["number"]]
    overdue = {"scope": "available", "overdue": "1", "area": "政府采购", "process": "dishonesty_record"}
    assert reviewer.get("/tasks", query_string=overdue).get_json()["total"] == 0
    clock.set(datetime(2026, 9, 22, 9, tzinfo=LOCAL_TZ))  # past the entry reviews' deadline (Sun Sep 20)
    assert numbers(reviewer.get("/tasks", query_string=overdue).get_json()) == sorted([fgw["number"], czj["number"]])
    clock.set(datetime(2026, 9, 14, 9, tzinfo=LOCAL_TZ))
    assert reviewer.get("/tasks", query_string={"q": "x" * 101}).status_code == 422

    login(client, "reviewer")
    html = client.get("/tasks", query_string={"tab": "available", "q": czj["number"]}).get_data(as_text=True)
    assert html.count('data-element="entry_review"') == 1 and czj["number"] in html and fgw["number"] not in html
    assert f'value="{czj["number"]}"' in html
    html = client.get("/tasks", query_string={"tab": "available", "q": "没有这样的案件"}).get_data(as_text=True)
    assert "没有符合筛选条件的任务" in html


def unit_choices(html: str) -> list[str]:
    select_ = re.search(r'<select[^>]*id="flt-dept".*?</select>', html, re.S).group(0)
    return [code for code in re.findall(r'<option value="([^"]*)"', select_) if code]


def inbox_units(app, user: str) -> list[str]:
    client = app.test_client()
    login(client, user)
    return sorted(unit_choices(client.get("/tasks?tab=available").get_data(as_text=True)))


def test_the_unit_filter_offers_the_units_in_the_users_scope(app):
    with app.app_context():
        everyone = db.session.scalar(select(func.count()).select_from(Department).where(Department.active.is_(True)))
        pudong_units = set(db.session.scalars(select(Department.code).where(
            (Department.code == "pudong") | (Department.district_id == select(Department.id).where(
                Department.code == "pudong").scalar_subquery()))))
        add_district_user("reviewer.pudong", "审核员 浦东", "reviewer")
    assert everyone == 43
    for user, expected in (("handler.fgw", ["fgw"]), ("handler.czj", ["czj"]), ("reviewer.pudong", sorted(pudong_units))):
        assert inbox_units(app, user) == expected, user
    for user in ("reviewer", "recorder", "supervisor"):
        assert len(inbox_units(app, user)) == everyone, user


def test_the_complaint_list_says_so_too(app, api):
    """The same kind on the other dated list: complaints by the day they were received."""
    supervisor = api.as_("supervisor")
    r = supervisor.get("/complaints", query_string={"date_from": "2026-09-10", "date_to": "2026-09-01"})
    assert r.status_code == 400 and list(fields_of(r)) == ["date_to"], r.get_json()
    assert supervisor.get("/complaints", query_string={"date_from": "2026-09-01", "date_to": "2026-09-10"}).status_code == 200
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/complaints", query_string={"date_from": "2026-09-10", "date_to": "2026-09-01"})
    message = re.search(r'data-error="date_to">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert page.status_code == 422
    assert message == "“受理日期止”（2026-09-01）早于“受理日期起”（2026-09-10）：日期范围颠倒了，请调换或修改"
