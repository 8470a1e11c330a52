"""Issue 20, the supervision view: average days per step showed negative values once the clock had
moved; they are now real step durations in working days (creation → completion, never negative).
The view also shows the cases a failed step blocks, the units without an active handler (a task
against one reached nobody until overdue), and 12 months of trends, which the page charts."""
from __future__ import annotations

import json
from datetime import datetime
from html import unescape

import pytest
from sqlalchemy import select

from app.calendar.service import CalendarNotLoaded, working_days_elapsed
from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from app.org.models import User
from tests.support import Api, add_district_user
from tests.test_dev_clock import dev_clock  # noqa: F401  (a fixture)
from tests.test_incidents import _blocked_calendar_case
from tests.test_warning_lifecycle import WARNING
from tests.web_support import csrf_token, login

APPROVE = {"entry_decision": "approve", "review_opinion": "同意"}


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def test_working_days_elapsed_counts_working_time_only_and_never_goes_negative(ctx):
    assert working_days_elapsed(at(9, 11, 10), at(9, 14, 10)) == pytest.approx(1.0)  # Friday → Monday
    assert working_days_elapsed(at(9, 14, 9), at(9, 14, 15)) == pytest.approx(0.25)
    assert working_days_elapsed(at(9, 14, 9), at(9, 16, 15)) == pytest.approx(2.25)
    # The National Day holiday (10-01 … 10-07 off, 10-10 a worked Saturday):
    assert working_days_elapsed(at(9, 30, 0, 0), at(10, 9, 0, 0)) == pytest.approx(2.0)  # 09-30 and 10-08
    assert working_days_elapsed(at(10, 12, 9), at(9, 14, 9)) == 0.0  # the clock moved back between them
    with pytest.raises(CalendarNotLoaded):
        working_days_elapsed(at(12, 30, 9), at(1, 4, 9, year=2027))


def test_step_times_stay_real_when_the_development_clock_moves_back_and_forth(dev_clock, app):  # noqa: F811
    with app.app_context():
        api = Api(app.test_client())
        admin, recorder, reviewer = api.as_("admin"), api.as_("recorder"), api.as_("reviewer")

        def move(when: str):
            r = admin.post("/admin/dev-clock", {"when": when})
            assert r.status_code == 200, r.get_json()

        move("2026-10-12T09:00")  # ahead
        ahead = recorder.register(title="时钟拨快时登记")
        move("2026-09-14T09:00")  # back: the first review is completed "before" its task was created
        reviewer.complete(ahead["id"], "entry_review", APPROVE)
        behind = recorder.register(title="时钟拨回后登记")
        move("2026-09-16T15:00")  # forward again: 2.25 working days later
        reviewer.complete(behind["id"], "entry_review", APPROVE)

        view = api.as_("supervisor").get("/supervision").get_json()
        [review] = [s for s in view["step_times"] if s["step"] == "录入审核"]
        assert review["completed"] == 2 and review["unmeasured"] == 0
        assert review["average_days"] == pytest.approx((0 + 2.25) / 2, abs=0.06)  # not (−28 + 2.25) / 2
        assert all(s["average_days"] is None or s["average_days"] >= 0 for s in view["step_times"])
        assert view["trends"]["average_step_days"][-1] >= 0


def test_blocked_cases_are_listed_for_the_supervisors_over_them(api, tick):
    case, incident = _blocked_calendar_case(api, tick)
    add_district_user("sup.pudong", "督导员 浦东", "supervisor")
    [blocked] = api.as_("supervisor").get("/supervision").get_json()["blocked_cases"]
    assert blocked == {"incident_id": incident.id, "case_id": case["id"], "case_number": case["number"],
                       "element": "“第二段等待”（wait2）", "error": incident.error, "error_code": "calendar_not_loaded",
                       "failure_count": 1, "first_failed_at": blocked["first_failed_at"]}
    assert api.as_("sup.pudong").get("/supervision").get_json()["blocked_cases"] == []  # not in their district


def test_units_without_an_active_handler_are_listed_with_what_waits_on_them(api):
    handler = db.session.scalar(select(User).where(User.username == "handler.czj"))
    handler.active = False
    db.session.commit()
    try:
        record = api.as_("recorder").register(subject_department="czj", title="未按期兑现政策承诺")
        api.as_("reviewer").complete(record["id"], "entry_review", APPROVE)
        assert api.as_("supervisor").post("/cases", {"process": "warning_rectification",
                                                     "data": {**WARNING, "subject_department": "czj"}}).status_code == 201
        supervisor = api.as_("supervisor")
        units = supervisor.get("/supervision").get_json()["unstaffed_units"]
        first = units[0]
        assert first["name"] == "市财政局" and first["waiting"] == 2 and first["earliest_due"]
        names = {u["name"] for u in units}
        assert {"市发展改革委", "浦东新区人民政府"}.isdisjoint(names)  # they have handlers
        assert all(u["waiting"] == 0 for u in units[1:]) and len(units) > 10  # the rest: nobody would receive
        pudong = next(d["id"] for d in supervisor.get("/departments?kind=district&per_page=100").get_json()["items"]
                      if d["code"] == "pudong")
        assert "市财政局" not in {u["name"] for u in supervisor.get(f"/supervision?district={pudong}").get_json()["unstaffed_units"]}
    finally:
        handler.active = True
        db.session.commit()
    assert "市财政局" not in {u["name"] for u in api.as_("supervisor").get("/supervision").get_json()["unstaffed_units"]}


def test_trends_count_twelve_months_in_shanghai_time(api):
    recorder, reviewer, supervisor = api.as_("recorder"), api.as_("reviewer"), api.as_("supervisor")
    clock.set(at(8, 31, 23, 30))  # still August in Shanghai (15:30 UTC)
    august = recorder.register(title="八月登记")
    clock.set(at(9, 14, 9))
    recorder.register(title="九月登记一")
    recorder.register(title="九月登记二")
    assert supervisor.post("/cases", {"process": "warning_rectification", "data": WARNING}).status_code == 201
    clock.set(at(9, 25, 9))  # after the review's 5-working-day deadline: completed late
    reviewer.complete(august["id"], "entry_review", APPROVE)
    trends = supervisor.get("/supervision").get_json()["trends"]
    assert trends["months"][0] == "2025-10" and trends["months"][-2:] == ["2026-08", "2026-09"] and len(trends["months"]) == 12
    assert trends["records_opened"][-2:] == [1, 2] and trends["warnings_opened"][-2:] == [0, 1]
    assert trends["tasks_completed"][-1] == 1 and trends["tasks_late"][-1] == 1
    assert trends["average_step_days"][-1] == pytest.approx(working_days_elapsed(at(8, 31, 23, 30), at(9, 25, 9)), abs=0.05)
    assert trends["average_step_days"][:-1] == [None] * 11 and trends["closed"] == [0] * 12


def test_the_page_shows_the_new_sections_and_hands_the_charts_their_data(app, client, tick):
    with app.app_context():
        api = Api(app.test_client())
        _blocked_calendar_case(api, tick)
        db.session.remove()
    login(client, "supervisor")
    raw = client.get("/supervision").get_data(as_text=True)
    html = unescape(raw)
    assert "第二段等待" in html.split('id="blocked-cases"')[1].split("</table>")[0]
    assert 'id="unstaffed-idle"' in html and "市财政局" not in html.split('id="unstaffed-idle"')[1].split("</details>")[0]
    assert "各环节平均办理工作日（近一年）" in html

    def spec(chart: str) -> dict:  # the attribute as the browser reads it
        return json.loads(unescape(raw.split(f'id="{chart}" data-chart="')[1].split('"')[0]))

    for chart in ("trend-cases", "trend-steps"):
        assert len(spec(chart)["categories"]) == 12 and spec(chart)["categories"][-1] == "2026-12"
        assert all(len(s["data"]) == 12 for s in spec(chart)["series"])
    cases = spec("trend-cases")
    assert [s["name"] for s in cases["series"]] == ["新登记失信记录", "新发起预警", "办结案件"]
    assert cases["series"][0]["data"][-1] == 1  # the blocked case was registered in December
    assert 'src="/static/vendor/echarts/echarts.common.min.js"' in html and "js/supervision-charts.js" in html
    assert client.get("/static/js/supervision-charts.js").status_code == 200


def test_the_page_and_its_charts_read_in_english(client):
    login(client, "supervisor")
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/supervision")})
    try:
        raw = client.get("/supervision").get_data(as_text=True)
        assert "Trends over the last 12 months" in raw and "Average working days per step (last year)" in raw
        chart = json.loads(unescape(raw.split('id="trend-cases" data-chart="')[1].split('"')[0]))
        assert [s["name"] for s in chart["series"]] == ["Records registered", "Warnings raised", "Cases closed"]
        settings = client.get("/notifications/settings").get_data(as_text=True)
        assert "Notification settings" in settings and "Daily digest e-mail" in settings
    finally:
        client.post("/lang", data={"lang": "zh_CN", "csrf_token": csrf_token(client, "/supervision")})
