"""Issue 20: "2027 年工作日历尚未导入" showed on every page of every role all year. It goes to the
administrators (who import it, with where to do that and how many cases wait), and to whoever's
work it blocks — the users who may see a case a missing year stopped, or everyone doing casework
once the current year itself is missing — with what to do. Web banner and API /me alike."""
from __future__ import annotations

from datetime import datetime

from app.calendar.service import import_schedule
from app.core.clock import LOCAL_TZ, clock
from app.core.extensions import db
from tests.test_incidents import YEAR_2027, _blocked_calendar_case
from tests.web_support import login

EVERYONE = ("admin", "reviewer", "recorder", "handler.fgw", "handler.czj", "supervisor", "designer")


def warnings(api) -> dict[str, list[str]]:
    return {user: api.as_(user).get("/me").get_json()["warnings"] for user in EVERYONE}


def test_a_missing_next_year_warns_the_admins_and_those_whose_cases_it_blocks(api, tick):
    told = warnings(api)
    [admin] = told.pop("admin")
    assert admin.startswith("2027 年工作日历尚未导入") and "系统管理 › 工作日历" in admin and "阻塞" not in admin
    assert told == {user: [] for user in told}  # nothing blocks anyone's work yet

    case, incident = _blocked_calendar_case(api, tick)  # 市发展改革委's case stopped at a wait in 2027
    assert incident.error_code == "calendar_not_loaded"
    told = warnings(api)
    assert "已有 1 个案件因此阻塞，导入后请在“流程异常”中重试" in told["admin"][0]
    for user in ("handler.fgw", "recorder", "reviewer", "supervisor"):  # they may see the blocked case
        [warning] = told[user]
        assert warning.startswith("2027 年工作日历尚未导入，您可查看的 1 个案件已因此阻塞。"), user
        assert "请联系系统管理员导入" in warning
    assert told["handler.czj"] == [] and told["designer"] == []  # not their case, not their work

    import_schedule(YEAR_2027, "2027.csv")
    db.session.commit()
    assert warnings(api) == {user: [] for user in EVERYONE}


def test_a_missing_current_year_blocks_all_casework(api):
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=LOCAL_TZ))  # neither 2027 nor 2028 is loaded
    told = warnings(api)
    for user in ("reviewer", "recorder", "handler.fgw", "handler.czj", "supervisor"):
        [warning] = told[user]
        assert warning.startswith("2027、2028 年工作日历尚未导入，期限落在该年的办理步骤暂时无法完成。"), user
    assert told["designer"] == [] and len(told["admin"]) == 1


def test_the_banner_shows_only_to_those_concerned_with_a_link_for_the_admin(app, client):
    login(client, "reviewer")
    assert 'id="calendar-notice"' not in client.get("/tasks").get_data(as_text=True)
    admin = app.test_client()
    login(admin, "admin")
    html = admin.get("/admin/users").get_data(as_text=True)
    banner = html.split('id="calendar-notice"')[1].split("</div>")[0]
    assert 'data-years="2027"' in banner and 'href="/admin/calendar?year=2027"' in banner and "导入工作日历" in banner
