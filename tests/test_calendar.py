"""Working days (DOMAIN.md): weekends and holidays excluded, make-up days included, start day not
counted; a year without a loaded schedule raises a clear error instead of guessing."""
from datetime import date

import pytest

from app.calendar.service import (
    CalendarNotLoaded, add_working_days, import_schedule, is_working_day, missing_years, working_days_between,
)
from app.core.errors import ValidationFailed


@pytest.mark.parametrize("start, n, expected", [
    (date(2026, 9, 28), 5, date(2026, 10, 10)),  # across National Day; Sat 10-10 is a make-up working day
    (date(2026, 9, 24), 1, date(2026, 9, 28)),   # Mid-autumn 9-25..27
    (date(2026, 9, 24), 5, date(2026, 10, 9)),
    (date(2026, 9, 18), 1, date(2026, 9, 20)),   # Sun 9-20 is a make-up working day
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2026, 10, 1), 0, date(2026, 10, 8)),   # a deadline on a holiday moves to the next working day
    (date(2026, 9, 14), 5, date(2026, 9, 20)),
    (date(2026, 2, 13), 1, date(2026, 2, 14)),   # Sat 2-14 make-up day before Spring Festival
])
def test_add_working_days(ctx, start, n, expected):
    assert add_working_days(start, n) == expected


def test_holidays_and_make_up_days(ctx):
    assert not is_working_day(date(2026, 10, 5))
    assert is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 11))
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 10)) == 5


def test_a_year_without_a_schedule_raises_a_clear_error(ctx):
    with pytest.raises(CalendarNotLoaded) as err:
        add_working_days(date(2026, 12, 28), 10)
    assert "2027 年的工作日历尚未导入" in err.value.message
    assert missing_years(date(2026, 12, 1)) == [2027]


def test_import_calendar_cli_loads_a_year_and_reports_bad_lines(runner, tmp_path, ctx):
    good = tmp_path / "2027.csv"
    good.write_text("date,kind,name\n2027-01-01,holiday,元旦\n# 春节\n2027-02-06,workday,调休上班\n"
                    "2027-02-08,holiday,春节\n", encoding="utf-8")
    result = runner.invoke(args=["import-calendar", str(good)])
    assert result.exit_code == 0 and "2027" in result.output
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 6)
    assert add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 9)
    bad = tmp_path / "bad.csv"
    bad.write_text("2028-13-01,holiday,x\n2028-01-01,vacation,y\n", encoding="utf-8")
    result = runner.invoke(args=["import-calendar", str(bad)])
    assert result.exit_code == 1
    assert "第 1 行" in result.output and "第 2 行" in result.output
    with pytest.raises(CalendarNotLoaded):
        add_working_days(date(2027, 12, 30), 5)  # nothing of the bad file was imported


def test_reimporting_a_year_replaces_it_whole(ctx):
    import_schedule("2027-01-01,holiday,元旦\n2027-01-04,holiday,测试\n", "a.csv")
    assert not is_working_day(date(2027, 1, 4))
    import_schedule("2027-01-01,holiday,元旦\n", "b.csv")
    assert is_working_day(date(2027, 1, 4))
    with pytest.raises(ValidationFailed):
        import_schedule("", "empty.csv")


def test_an_edited_day_counts_at_once_although_the_year_is_cached(ctx):
    """The schedule of a year is cached per process; an edit gives the year a new revision in the
    database, so every process (this one included) reads the year again."""
    from app.calendar.service import set_day
    from app.core.extensions import db

    monday, tuesday = date(2026, 9, 21), date(2026, 9, 22)
    assert add_working_days(monday, 1) == tuesday  # 2026 is now cached
    set_day(tuesday, "holiday", "测试假日")
    db.session.commit()
    try:
        assert add_working_days(monday, 1) == date(2026, 9, 23)
    finally:
        set_day(tuesday, None)
        db.session.commit()
    assert add_working_days(monday, 1) == tuesday


def test_a_request_checks_a_year_once_and_the_next_request_checks_again(ctx):
    """A step computing several deadlines asks the database for the year's revision once; the next
    request (a new session) asks again, so an edit made by another process in between is seen."""
    from sqlalchemy import event

    from app.core.extensions import db

    sent = []

    def count(*_):
        sent.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        add_working_days(date(2026, 9, 21), 1)
        first = len(sent)
        add_working_days(date(2026, 9, 28), 5)
        assert len(sent) == first, "the year was checked again in the same request"
        db.session.remove()  # the request ends
        add_working_days(date(2026, 9, 21), 1)
        assert len(sent) > first, "a new request must check the year's revision again"
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
