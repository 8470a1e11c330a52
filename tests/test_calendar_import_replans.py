"""Calendar corrections re-plan (issue 15), the other way in: a year imported again with a day
changed moves the open deadlines and waiting timers computed under the old calendar, with a
timeline line per case — as a day edited on the admin page does (tests/engine/test_engine_cases.py)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import extract, select

from app.calendar.models import CalendarDay
from app.cases.models import Case, TimelineEvent
from app.core.clock import LOCAL_TZ
from app.core.extensions import db
from app.designer.deployment import deploy_path
from app.engine import ProcessInstance
from app.tasks.models import HumanTask
from tests.support import RECORD

CASE = Path(__file__).parent / "engine" / "cases" / "calendar-corrected" / "process.bpmn"


@pytest.mark.usefixtures("kept_rows_restored")  # set up before `api`, so its clean-up runs after the session ends
def test_reimporting_a_year_with_a_new_holiday_replans_an_open_deadline_and_its_timer(api, runner, tmp_path):
    deploy_path(CASE)
    case = api.as_("recorder").post("/cases", {"process": "f17_calendar_edit", "data": RECORD}).get_json()
    # Registered Monday 2026-09-14, due in 3 working days: the end of Thursday 09-17.
    days = [(d.day, d.kind, d.name) for d in db.session.scalars(
        select(CalendarDay).where(extract("year", CalendarDay.day) == 2026).order_by(CalendarDay.day))]
    lines = [f"{d.isoformat()},{kind},{name}" for d, kind, name in days] + ["2026-09-16,holiday,测试假日"]
    schedule = tmp_path / "2026.csv"
    schedule.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-calendar", str(schedule)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    task = db.session.scalar(select(HumanTask).where(HumanTask.case_id == case["id"], HumanTask.status == "open"))
    assert task.due_at == datetime(2026, 9, 19, 0, 0, tzinfo=LOCAL_TZ)
    instance = db.session.get(ProcessInstance, db.session.get(Case, case["id"]).instance_id)
    assert instance.next_timer_at == datetime(2026, 9, 19, 0, 0, tzinfo=LOCAL_TZ)
    summaries = db.session.scalars(select(TimelineEvent.summary).where(
        TimelineEvent.case_id == case["id"], TimelineEvent.kind.in_(["deadline.replanned", "timer.replanned"]))).all()
    assert summaries == ["日历调整，“单位报送”的办理期限由 2026-09-17 改为 2026-09-18",
                         "日历调整，定时“逾期”由 2026-09-18 00:00 改为 2026-09-19 00:00"]
