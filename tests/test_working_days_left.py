"""Deadlines in working days (issue 20, "Inbox and search"): the inbox, the task and case pages
and the API say how many working days are left — or by how many working days a task is overdue —
counted with the working-day calendar (weekends and holidays out, make-up days in), not only a
date. The 2026 calendar: Sep 25–27 and Oct 1–7 are holidays, Sun Sep 20 and Sat Oct 10 are worked."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import update

from app.calendar.service import time_left
from app.core.clock import LOCAL_TZ, clock, local_midnight_after
from app.core.extensions import db
from app.core.transaction import unit_of_work
from app.tasks.models import HumanTask
from tests.support import Api
from tests.web_support import csrf_token, login


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def due_by(year: int, month: int, day: int) -> datetime:
    """The instant a deadline "by day D" falls due (00:00 of D+1, Shanghai)."""
    return local_midnight_after(datetime(year, month, day).date())


def test_working_days_left_skip_holidays_and_count_make_up_days(ctx):
    # Thu Sep 24 → Fri Oct 9: 15 calendar days, 11 weekdays, but 5 working days (Sep 28–30, Oct 8–9).
    left = time_left(due_by(2026, 10, 9), at(2026, 9, 24, 9))
    assert (left.working_days, left.overdue, left.last_day.isoformat()) == (5, False, "2026-10-09")
    # Fri Sep 18 → Mon Sep 21: the worked Sunday counts.
    assert time_left(due_by(2026, 9, 21), at(2026, 9, 18, 17)).working_days == 2
    # Due today: nothing after today left, not overdue until midnight.
    today = time_left(due_by(2026, 9, 24), at(2026, 9, 24, 23, 59))
    assert (today.working_days, today.overdue, today.due_today) == (0, False, True)


def test_overdue_is_counted_in_working_days_too(ctx):
    # Due by Wed Sep 30; on Mon Oct 12 the working days since are Oct 8, 9, 10 (make-up Saturday), 12.
    late = time_left(due_by(2026, 9, 30), at(2026, 10, 12, 10))
    assert (late.overdue, late.working_days, late.overdue_working_days) == (True, -4, 4)
    # Past a Friday deadline on the Saturday: overdue, but no working day missed yet.
    weekend = time_left(due_by(2026, 9, 18), at(2026, 9, 19, 10))
    assert (weekend.overdue, weekend.working_days, weekend.overdue_working_days) == (True, 0, 0)


def test_a_year_without_a_calendar_gives_no_count_instead_of_a_guess(ctx):
    left = time_left(due_by(2027, 1, 8), at(2026, 12, 30, 9))
    assert (left.working_days, left.missing_year, left.overdue) == (None, 2027, False)


def test_the_api_gives_working_days_left_and_overdue(api):
    case = api.as_("recorder").register()  # Mon Sep 14: entry review within 5 working days → Sun Sep 20 (worked)
    reviewer = api.as_("reviewer")
    task = reviewer.task_for(case["id"], "entry_review")
    assert (task["working_days_left"], task["overdue"], task["deadline_day"]) == (5, False, "2026-09-20")
    clock.set(at(2026, 9, 18, 9))  # Friday: only the worked Sunday is left
    assert reviewer.task_for(case["id"], "entry_review")["working_days_left"] == 1
    clock.set(at(2026, 9, 28, 10))  # Monday after Mid-autumn: Sep 21–24 and 28 have passed
    task = reviewer.task_for(case["id"], "entry_review")
    assert (task["working_days_left"], task["overdue"]) == (-5, True)
    detail = reviewer.case(case["id"])["open_tasks"][0]
    assert (detail["working_days_left"], detail["overdue"]) == (-5, True)
    done = reviewer.complete(case["id"], "entry_review", {"entry_decision": "approve", "review_opinion": "同意"})
    assert done["task"]["working_days_left"] is None and done["task"]["overdue"] is False  # done: no count


def badge_text(html: str, task_id: int) -> str:
    row = re.search(rf'<tr id="task-{task_id}".*?</tr>', html, re.S).group(0)
    return " ".join(re.search(r'class="badge[^"]*due-badge".*?>(.*?)</span>', row, re.S).group(1).split())


def test_the_inbox_task_and_case_pages_show_working_days(app, client):
    with app.app_context():
        case = Api(app.test_client()).as_("recorder").register()
        task = Api(app.test_client()).as_("reviewer").task_for(case["id"], "entry_review")
    login(client, "reviewer")
    assert badge_text(client.get("/tasks?tab=available").get_data(as_text=True), task["id"]) == "剩 5 个工作日（2026-09-20 前）"
    clock.set(at(2026, 9, 28, 10))
    html = client.get("/tasks?tab=available").get_data(as_text=True)
    assert badge_text(html, task["id"]) == "已逾期 5 个工作日（期限 2026-09-20）"
    assert 'data-working-days="-5"' in html
    for page in (f"/tasks/{task['id']}", f"/cases/{case['id']}"):
        assert "已逾期 5 个工作日（期限 2026-09-20）" in client.get(page).get_data(as_text=True), page
    clock.set(at(2026, 9, 20, 8))  # the worked Sunday that is the last day
    assert badge_text(client.get("/tasks?tab=available").get_data(as_text=True), task["id"]) == "今日到期（2026-09-20）"

    # A deadline in a year whose calendar is not loaded: the date, and why there is no count.
    with app.app_context(), unit_of_work():
        db.session.execute(update(HumanTask).where(HumanTask.id == task["id"]).values(due_at=due_by(2027, 1, 8)))
    html = client.get("/tasks?tab=available").get_data(as_text=True)
    assert badge_text(html, task["id"]) == "2027-01-08 前"
    assert "2027 年工作日历尚未导入，无法计算剩余工作日" in html


def test_the_count_reads_in_english_with_singular_and_plural(app, client):
    with app.app_context():
        case = Api(app.test_client()).as_("recorder").register()
        task = Api(app.test_client()).as_("reviewer").task_for(case["id"], "entry_review")
    login(client, "reviewer")
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client, "/tasks")})
    try:
        clock.set(at(2026, 9, 18, 9))
        assert badge_text(client.get("/tasks?tab=available").get_data(as_text=True), task["id"]) == \
            "1 working day left (by 2026-09-20)"
        clock.set(at(2026, 9, 22, 9))  # Sep 21 and 22 have passed
        assert badge_text(client.get("/tasks?tab=available").get_data(as_text=True), task["id"]) == \
            "Overdue by 2 working days (deadline 2026-09-20)"
    finally:  # the user's language is stored on the (kept) user row
        client.post("/lang", data={"lang": "zh_CN", "csrf_token": csrf_token(client, "/tasks")})
