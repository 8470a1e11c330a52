"""Admin pages (系统管理) through the Flask test client and the real database: users, departments
and the working-day calendar. The tables user/department/calendar are kept between tests, so every
row a test creates is named `tst…` and removed again, and any 2026 day a test edits is restored."""
from __future__ import annotations

import io
import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import delete, select

from app.calendar.models import CalendarDay, CalendarYear
from app.calendar.service import is_working_day, set_day
from app.core.extensions import db
from app.org.models import Department, User, UserRole
from tests.web_support import login, post

EDITED_DAY = date(2026, 9, 21)  # an ordinary Monday


@pytest.fixture(autouse=True)
def _cleanup(app):
    """Remove the users and departments the test created; restore what it changed."""
    with app.app_context():
        saved_day = db.session.get(CalendarDay, EDITED_DAY)
        saved_day = (saved_day.kind, saved_day.name) if saved_day else None
    try:
        yield
    finally:
        with app.app_context():
            ids = list(db.session.scalars(select(User.id).where(User.username.startswith("tst"))))
            if ids:
                db.session.execute(delete(UserRole).where(UserRole.user_id.in_(ids)))
                db.session.execute(delete(User).where(User.id.in_(ids)))
            depts = select(Department.id).where(Department.code.startswith("tst_"))
            db.session.execute(delete(Department).where(Department.district_id.in_(depts)))
            db.session.execute(delete(Department).where(Department.code.startswith("tst_")))
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            admin.active, admin.locale = True, "zh_CN"
            if not admin.has_role("admin"):
                admin.set_roles(["admin"])
            # Through the service: a change gives the year a new revision, so no process keeps
            # the test's edit in its calendar cache.
            set_day(EDITED_DAY, *(saved_day or (None,)))
            db.session.commit()
            db.session.remove()


@pytest.fixture()
def admin(client):
    assert login(client, "admin").status_code == 302
    return client


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _row(app, model, **where):
    """A fresh copy of one row (None if absent), read in its own app context."""
    with app.app_context():
        row = db.session.scalar(select(model).filter_by(**where))
        if row is not None:
            db.session.expunge(row)
        return row


def _dept_id(app, code: str) -> int:
    return _row(app, Department, code=code).id


def _new_user(admin, app, username="tst.user", **changes):
    data = {"username": username, "full_name": "测试 用户", "department_id": _dept_id(app, "fgw"),
            "roles": ["handler"], "password": "Qiuyu-lantern-47", **changes}
    return post(admin, "/admin/users/new", data, page="/admin/users/new")


# ---------------------------------------------------------------- access

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/departments", "/admin/departments/new",
               "/admin/calendar", "/admin/calendar?year=2026", "/admin/mail", "/admin/mail?status=failed"]


def test_anonymous_users_are_sent_to_login(client):
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("username", ["recorder", "designer", "supervisor"])
def test_other_roles_get_403(client, app, username):
    login(client, username)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    admin_id = _row(app, User, username="admin").id
    response = post(client, f"/admin/users/{admin_id}/deactivate", page="/tasks")
    assert response.status_code == 403
    assert _row(app, User, username="admin").active
    assert post(client, "/admin/users/new", {"username": "tst.sneaky", "full_name": "x", "roles": ["admin"],
                                             "department_id": "1", "password": "Passw0rd1"}).status_code == 403
    assert _row(app, User, username="tst.sneaky") is None


def test_admin_pages_have_tabs_and_csrf_tokens(admin):
    for url in ADMIN_PAGES:
        html = _text(admin.get(url))
        assert 'id="admin-tabs"' in html and "工作日历" in html and "单位" in html
        for form in re.findall(r'<form method="post".*?</form>', html, flags=re.DOTALL):
            assert 'name="csrf_token"' in form, (url, form[:200])


def test_admin_pages_render_in_english_too(admin):
    assert post(admin, "/lang", {"lang": "en", "next": "/admin/users"}, page="/admin/users").status_code == 302
    for url in ADMIN_PAGES + ["/admin/calendar?year=2030"]:
        assert admin.get(url).status_code == 200, url


# ---------------------------------------------------------------- users

def test_user_list_searches_and_filters(admin, app):
    html = _text(admin.get("/admin/users"))
    assert "handler.fgw" in html and "经办人" in html and "系统管理员" in html
    html = _text(admin.get("/admin/users?role=handler"))
    assert re.findall(r'data-username="([^"]+)"', html) == ["handler.czj", "handler.fgw", "handler.pudong"]
    html = _text(admin.get(f"/admin/users?department={_dept_id(app, 'pudong')}"))
    assert re.findall(r'data-username="([^"]+)"', html) == ["handler.pudong"]
    html = _text(admin.get("/admin/users?q=李娜"))
    assert re.findall(r'data-username="([^"]+)"', html) == ["reviewer"]
    html = _text(admin.get("/admin/users?q=nobody-like-this"))
    assert 'id="empty-users"' in html


def test_create_user_then_that_user_can_log_in(admin, app):
    response = _new_user(admin, app, roles=["reviewer", "supervisor"], scope_district_id=_dept_id(app, "pudong"))
    assert response.status_code == 302
    html = _text(admin.get(response.headers["Location"]))
    assert "已创建用户 tst.user" in html
    assert "审核员" in html and "督导员" in html and "浦东新区人民政府" in html
    user = _row(app, User, username="tst.user")
    assert user.full_name == "测试 用户" and user.scope_district_id == _dept_id(app, "pudong")
    other = app.test_client()
    assert login(other, "tst.user", "Qiuyu-lantern-47").status_code == 302
    assert other.get("/tasks").status_code == 200


@pytest.mark.parametrize("changes, field, message", [
    ({"username": "admin"}, "username", "用户名 admin 已被使用"),
    ({"username": "Bad Name"}, "username", "小写字母"),
    ({"password": "password"}, "password", "密码太容易被猜到"),
    ({"password": "tst.invalid2026"}, "password", "密码不能包含用户名"),
    ({"password": "abc123"}, "password", "密码至少 8 位"),
    ({"roles": []}, "roles", "请至少选择一个角色"),
    ({"roles": ["handler"], "scope_district_id": "__pudong"}, "scope_district_id", "只有审核员或督导员"),
    ({"department_id": ""}, "department_id", "请选择所在单位"),
])
def test_invalid_new_user_is_refused_with_field_message(admin, app, changes, field, message):
    if changes.get("scope_district_id") == "__pudong":
        changes["scope_district_id"] = _dept_id(app, "pudong")
    username = changes.get("username", "tst.invalid")
    before = _row(app, User, username=username)
    response = _new_user(admin, app, **{"full_name": "保留的姓名", **changes, "username": username})
    assert response.status_code == 422
    html = _text(response)
    error = re.search(rf'id="f-{field}-error"[^>]*>([^<]*)<', html)
    assert error and message in error.group(1), html[:400]
    assert 'value="保留的姓名"' in html  # entered values are kept
    after = _row(app, User, username=username)
    assert (before is None and after is None) or (after.full_name == before.full_name)


def test_deactivated_user_cannot_log_in_until_reactivated(admin, app):
    _new_user(admin, app)
    user_id = _row(app, User, username="tst.user").id
    signed_in = app.test_client()
    assert login(signed_in, "tst.user", "Qiuyu-lantern-47").status_code == 302
    page = _text(admin.get("/admin/users?q=tst.user"))
    assert f'action="/admin/users/{user_id}/deactivate"' in page and "data-confirm=" in page
    assert 'aria-label="停用 tst.user"' in page
    response = post(admin, f"/admin/users/{user_id}/deactivate", page="/admin/users")
    assert response.status_code == 302
    assert "已停用用户 tst.user" in _text(admin.get(response.headers["Location"]))
    assert not _row(app, User, username="tst.user").active
    assert "/login" in signed_in.get("/tasks").headers["Location"]  # an open session ends too

    other = app.test_client()
    response = login(other, "tst.user", "Qiuyu-lantern-47")
    assert response.status_code == 401 and "用户名或密码错误" in _text(response)

    response = post(admin, f"/admin/users/{user_id}/activate", page="/admin/users")
    assert response.status_code == 302 and _row(app, User, username="tst.user").active
    assert login(app.test_client(), "tst.user", "Qiuyu-lantern-47").status_code == 302


def test_admin_cannot_deactivate_self_or_drop_own_admin_role(admin, app):
    me = _row(app, User, username="admin")
    assert f"/admin/users/{me.id}/deactivate" not in _text(admin.get("/admin/users"))
    response = post(admin, f"/admin/users/{me.id}/deactivate", page="/admin/users", follow_redirects=True)
    assert "不能停用自己的账号" in _text(response)
    assert _row(app, User, username="admin").active
    response = post(admin, f"/admin/users/{me.id}/edit", {"full_name": me.full_name, "department_id": me.department_id,
                                                          "roles": ["designer"]}, page="/admin/users")
    assert response.status_code == 422 and "不能取消自己的系统管理员角色" in _text(response)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "admin")).roles == {"admin"}


def test_edit_user_changes_name_department_roles_and_scope(admin, app):
    _new_user(admin, app)
    user_id = _row(app, User, username="tst.user").id
    html = _text(admin.get(f"/admin/users/{user_id}/edit"))
    assert 'value="测试 用户"' in html and 'name="roles" value="handler" id="f-role-handler" checked' in html
    response = post(admin, f"/admin/users/{user_id}/edit",
                    {"full_name": "改名 用户", "department_id": _dept_id(app, "czj"), "roles": ["reviewer"],
                     "scope_district_id": _dept_id(app, "xuhui")}, page="/admin/users")
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.full_name, user.department.code, user.roles, user.scope_district.code) == \
            ("改名 用户", "czj", {"reviewer"}, "xuhui")
    # a scope is only for reviewers and supervisors: refused, nothing half-done
    response = post(admin, f"/admin/users/{user_id}/edit",
                    {"full_name": "再改名", "department_id": _dept_id(app, "czj"), "roles": ["handler"],
                     "scope_district_id": _dept_id(app, "xuhui")}, page="/admin/users")
    assert response.status_code == 422 and "只有审核员或督导员" in _text(response)
    assert 'value="再改名"' in _text(response)
    assert _row(app, User, id=user_id).full_name == "改名 用户"
    assert admin.get("/admin/users/999999/edit").status_code == 404


def test_reset_password(admin, app):
    _new_user(admin, app)
    user_id = _row(app, User, username="tst.user").id
    response = post(admin, f"/admin/users/{user_id}/password", {"password": "short1"}, page="/admin/users")
    assert response.status_code == 422
    assert re.search(r'id="pw-password-error"[^>]*>密码至少 8 位', _text(response))
    response = post(admin, f"/admin/users/{user_id}/password", {"password": "Bamboo-kettle-93"}, page="/admin/users")
    assert response.status_code == 302
    assert "已重置用户 tst.user 的密码" in _text(admin.get(response.headers["Location"]))
    assert login(app.test_client(), "tst.user", "Qiuyu-lantern-47").status_code == 401
    assert login(app.test_client(), "tst.user", "Bamboo-kettle-93").status_code == 302


# ---------------------------------------------------------------- departments

def test_departments_are_grouped_by_kind(admin):
    html = _text(admin.get("/admin/departments"))
    for label in ("区政府", "市级部门", "市级机构"):
        assert label in html
    district_section = html[html.index('data-kind="district"'):html.index('data-kind="municipal"')]
    assert "浦东新区人民政府" in district_section and "市财政局" not in district_section
    assert "暂无此类单位" in html  # no agency in the seed data: empty state


def test_create_department_and_refuse_duplicates(admin, app):
    data = {"code": "tst_bureau", "name": "测试区财政局", "kind": "agency", "district_id": _dept_id(app, "pudong")}
    response = post(admin, "/admin/departments/new", data, page="/admin/departments")
    assert response.status_code == 302
    assert "已创建单位 测试区财政局" in _text(admin.get(response.headers["Location"]))
    dept = _row(app, Department, code="tst_bureau")
    assert dept.kind == "agency" and dept.district_id == _dept_id(app, "pudong") and dept.active

    response = post(admin, "/admin/departments/new", {**data, "name": "另一个名称"}, page="/admin/departments")
    assert response.status_code == 422
    assert re.search(r'id="f-code-error"[^>]*>单位代码 tst_bureau 已存在', _text(response))
    assert 'value="另一个名称"' in _text(response)
    response = post(admin, "/admin/departments/new", {**data, "code": "tst_other"}, page="/admin/departments")
    assert response.status_code == 422 and "单位名称 测试区财政局 已存在" in _text(response)
    response = post(admin, "/admin/departments/new", {**data, "code": "1bad", "name": "x"}, page="/admin/departments")
    assert response.status_code == 422 and "以小写字母开头" in _text(response)
    assert _row(app, Department, code="tst_other") is None

    response = post(admin, f"/admin/departments/{dept.id}/edit", {"name": "测试区财政局（改）", "kind": "municipal",
                                                                  "district_id": ""}, page="/admin/departments")
    assert response.status_code == 302
    dept = _row(app, Department, code="tst_bureau")
    assert (dept.name, dept.kind, dept.district_id) == ("测试区财政局（改）", "municipal", None)


def test_department_with_active_users_cannot_be_deactivated(admin, app):
    post(admin, "/admin/departments/new", {"code": "tst_unit", "name": "测试单位", "kind": "municipal"},
         page="/admin/departments")
    dept_id = _dept_id(app, "tst_unit")
    _new_user(admin, app, department_id=dept_id)
    response = post(admin, f"/admin/departments/{dept_id}/deactivate", page="/admin/departments",
                    follow_redirects=True)
    assert "还有 1 名在用的用户" in _text(response)
    assert _row(app, Department, id=dept_id).active

    post(admin, f"/admin/users/{_row(app, User, username='tst.user').id}/deactivate", page="/admin/users")
    response = post(admin, f"/admin/departments/{dept_id}/deactivate", page="/admin/departments")
    assert response.status_code == 302 and not _row(app, Department, id=dept_id).active
    # an inactive department is no longer offered for new users
    assert f'<option value="{dept_id}"' not in _text(admin.get("/admin/users/new"))
    response = _new_user(admin, app, username="tst.second", department_id=dept_id)
    assert response.status_code == 422 and "已停用" in _text(response)
    response = post(admin, f"/admin/departments/{dept_id}/activate", page="/admin/departments")
    assert response.status_code == 302 and _row(app, Department, id=dept_id).active


# ---------------------------------------------------------------- calendar

def _cell(html: str, day: str) -> str | None:
    match = re.search(rf'data-date="{day}" data-kind="(\w+)"', html)
    return match.group(1) if match else None


def test_calendar_shows_2026_holidays_and_make_up_days(admin):
    html = _text(admin.get("/admin/calendar?year=2026"))
    assert "2026 年工作日历" in html and 'id="calendar-legend"' in html
    assert _cell(html, "2026-10-01") == "holiday"
    assert _cell(html, "2026-10-10") == "workday"
    assert _cell(html, "2026-10-11") == "weekend"
    assert _cell(html, "2026-10-12") == "normal"
    assert html.count('class="table table-sm table-borderless bg-white border cal-month') == 12
    # Monday first: 2026-06-01 is a Monday, so it opens its week row
    june = html[html.index('data-month="6"'):html.index('data-month="7"')]
    assert re.search(r'<tr>\s*<td class="cal-normal[^"]*" data-date="2026-06-01"', june)
    assert 'data-year="2024"' in html and 'data-year="2026"' in html


def test_a_year_not_loaded_shows_a_warning(admin):
    html = _text(admin.get("/admin/calendar?year=2027"))
    assert 'id="year-not-loaded"' in html and "2027 年的工作日历尚未导入" in html
    assert _cell(html, "2027-01-01") is None


def test_import_a_year_file(admin, app):
    content = "date,kind,name\n2027-01-01,holiday,元旦\n# 春节\n2027-02-06,workday,调休上班\n2027-02-08,holiday,春节\n"
    response = post(admin, "/admin/calendar/import", {"file": (io.BytesIO(content.encode()), "2027.csv")},
                    page="/admin/calendar")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/calendar?year=2027")
    html = _text(admin.get(response.headers["Location"]))
    assert "已导入 2027 年的节假日安排" in html and "year-not-loaded" not in html
    assert _cell(html, "2027-01-01") == "holiday" and _cell(html, "2027-02-06") == "workday"
    assert "来源：2027.csv" in html
    with app.app_context():
        assert not is_working_day(date(2027, 2, 8)) and is_working_day(date(2027, 2, 6))


@pytest.mark.parametrize("filename, content, messages", [
    ("bad.csv", "2028-13-01,holiday,x\n2028-01-01,vacation,y\n2028-01-02\n",
     ["第 1 行：日期", "第 2 行：类型必须是 holiday 或 workday", "第 3 行：至少需要日期和类型两列"]),
    ("2028.xlsx", "2028-01-01,holiday,元旦\n", ["只能导入 .csv 或 .txt 文件"]),
    ("empty.txt", "# nothing\n", ["日历文件中没有任何日期"]),
    ("big.csv", "2028-01-01,holiday,元旦\n" + "#" * (1024 * 1024), ["文件超过 1 MB 上限"]),
])
def test_a_bad_calendar_file_shows_its_errors_and_changes_nothing(admin, app, filename, content, messages):
    response = post(admin, "/admin/calendar/import", {"file": (io.BytesIO(content.encode()), filename)},
                    page="/admin/calendar")
    assert response.status_code == 422
    errors = _text(response)
    errors = errors[errors.index('id="import-errors"'):]
    for message in messages:
        assert message in errors
    with app.app_context():
        assert db.session.get(CalendarYear, 2028) is None
        assert db.session.scalar(select(CalendarDay).where(CalendarDay.day >= date(2028, 1, 1))) is None


def test_editing_a_day_changes_is_working_day(admin, app):
    with app.app_context():
        assert is_working_day(EDITED_DAY)
    response = post(admin, "/admin/calendar/day", {"day": "2026-09-21", "kind": "holiday", "name": "临时放假"},
                    page="/admin/calendar")
    assert response.status_code == 302
    html = _text(admin.get(response.headers["Location"]))
    assert "已将 2026-09-21 设为法定节假日" in html and _cell(html, "2026-09-21") == "holiday"
    assert 'id="d-day" name="day" value="2026-09-21"' in html  # the edited day stays selected
    with app.app_context():
        assert not is_working_day(EDITED_DAY)
    response = post(admin, "/admin/calendar/day", {"day": "2026-09-21", "kind": "", "name": ""}, page="/admin/calendar")
    assert response.status_code == 302
    with app.app_context():
        assert is_working_day(EDITED_DAY) and db.session.get(CalendarDay, EDITED_DAY) is None


@pytest.mark.parametrize("data, field, message", [
    ({"day": "2030-05-06", "kind": "holiday", "name": "x"}, "day", "2030 年的工作日历尚未导入"),
    ({"day": "2026-09-22", "kind": "workday", "name": ""}, "kind", "只有周末可以设为调休上班"),
    ({"day": "2026-09-22", "kind": "holiday", "name": ""}, "name", "请填写节日名称"),
    ({"day": "not-a-date", "kind": "holiday", "name": "x"}, "day", "请选择日期"),
])
def test_invalid_day_changes_are_refused(admin, app, data, field, message):
    response = post(admin, "/admin/calendar/day", data, page="/admin/calendar")
    assert response.status_code == 422
    error = re.search(rf'id="d-{field}-error"[^>]*>([^<]*)<', _text(response))
    assert error and message in error.group(1)
    with app.app_context():
        assert db.session.get(CalendarYear, 2030) is None
        assert db.session.get(CalendarDay, date(2026, 9, 22)) is None


def test_make_up_working_day_on_a_weekend(admin, app):
    saturday = date(2026, 11, 7)  # a plain Saturday
    with app.app_context():
        saved = db.session.get(CalendarDay, saturday)
        saved = (saved.kind, saved.name) if saved else None
    try:
        response = post(admin, "/admin/calendar/day", {"day": saturday.isoformat(), "kind": "workday", "name": ""},
                        page="/admin/calendar")
        assert response.status_code == 302
        with app.app_context():
            assert is_working_day(saturday) and db.session.get(CalendarDay, saturday).name == "调休上班"
    finally:
        with app.app_context():
            set_day(saturday, *(saved or (None,)))
            db.session.commit()
