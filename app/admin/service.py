"""Administration services (系统管理): users, departments and the working-day calendar.

Each public function that changes something is one user action in one transaction
(`unit_of_work`). Bad input raises ValidationFailed with `fields={field: [message]}` and changes
nothing; an unknown id raises NotFound."""
from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.audit import service as audit
from app.auth.passwords import password_problems, personal_words
from app.auth.service import revoke_credentials
from app.calendar import service as cal
from app.calendar.models import DAY_KINDS, DAY_NAME_MAX, CalendarYear
from app.core.clock import clock
from app.core.errors import BadRequest, Conflict, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.inputs import clean_text, parse_int, text_refusal
from app.org.models import (DEPARTMENT_KINDS, DEPARTMENT_NAME_MAX, EMAIL_MAX, FULL_NAME_MAX, ROLES, Department, User,
                            UserRole)
from app.core.pagination import Total, count_capped
from app.tasks.deadlines import deadlines_replanned
from app.core.transaction import unit_of_work

USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,60}$")
# An address an SMTP server takes as it is: ASCII local part and domain with at least one dot, no
# spaces, quotes or line breaks (nothing that could add a mail header).
EMAIL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
UNCHANGED = object()  # an update that does not name the e-mail address keeps it
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
SCOPED_ROLES = {"reviewer", "supervisor"}  # roles that may be limited to one district
CALENDAR_MAX_BYTES = 1024 * 1024
CALENDAR_EXTENSIONS = (".csv", ".txt")
CALENDAR_YEARS = (2000, 2100)  # a schedule outside these years is a typing mistake


# ---------------------------------------------------------------- helpers

def _check(errors: dict[str, list[str]]) -> None:
    """Raise ValidationFailed with the messages by field, if there are any."""
    if errors:
        raise ValidationFailed(_("表单填写有误，请按提示修改"), errors)


def _refuse(field_name: str, message: str):
    raise ValidationFailed(message, {field_name: [message]})


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _int_or_none(raw) -> int | None:
    try:
        return parse_int(None if raw is None else str(raw), "id")
    except BadRequest:
        return -1  # never an id (not digits, or beyond any id): reported as an unknown choice


# ---------------------------------------------------------------- users

def list_users(*, q: str | None = None, department_id: int | None = None, role: str | None = None,
               status: str | None = None, page: int = 1, per_page: int = 20) -> tuple[list[User], Total]:
    """Users ordered by username. q matches username or full name; status is 'active' or 'inactive'.
    The total is counted up to the list cap (`app.core.pagination`)."""
    query = select(User)
    if q:
        # autoescape: `%` and `_` typed in the search are characters, not wildcards
        query = query.where(or_(User.username.icontains(q, autoescape=True), User.full_name.icontains(q, autoescape=True)))
    if department_id:
        query = query.where(User.department_id == department_id)
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    total = count_capped(query, page, per_page)
    items = db.session.scalars(query.order_by(User.username).offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("用户不存在"))
    return user


def _check_profile(errors, *, full_name: str, department_id, roles, scope_district_id,
                   current: User | None = None) -> tuple[Department | None, Department | None, list[str]]:
    """Validate name, department, roles and district scope; returns the department, the scope and the roles."""
    if not full_name:
        _add(errors, "full_name", _("请填写姓名"))
    elif len(full_name) > FULL_NAME_MAX:
        _add(errors, "full_name", _("姓名不能超过 %(n)s 个字", n=FULL_NAME_MAX))
    elif refusal := text_refusal(full_name, _("姓名"), multiline=False):
        _add(errors, "full_name", refusal)
    department = None
    dept_id = _int_or_none(department_id)
    if dept_id is None:
        _add(errors, "department_id", _("请选择所在单位"))
    else:
        department = db.session.get(Department, dept_id)
        keeps_current = current is not None and current.department_id == dept_id
        if department is None:
            _add(errors, "department_id", _("所选单位不存在"))
        elif not department.active and not keeps_current:
            _add(errors, "department_id", _("%(name)s 已停用，不能再分配用户", name=department.name))
    roles = sorted(set(roles or []))
    unknown = [r for r in roles if r not in ROLES]
    if not roles:
        _add(errors, "roles", _("请至少选择一个角色"))
    elif unknown:
        _add(errors, "roles", _("未知角色：%(roles)s", roles="、".join(unknown)))
    scope = None
    scope_id = _int_or_none(scope_district_id)
    if scope_id is not None:
        scope = db.session.get(Department, scope_id)
        keeps_current = current is not None and current.scope_district_id == scope_id
        if scope is None or scope.kind != "district":
            _add(errors, "scope_district_id", _("办理范围必须是一个区政府"))
        elif not scope.active and not keeps_current:
            _add(errors, "scope_district_id", _("%(name)s 已停用", name=scope.name))
        elif roles and not SCOPED_ROLES & set(roles):
            _add(errors, "scope_district_id", _("只有审核员或督导员可以限定办理范围；其他角色请选择“全市”"))
    return department, scope, roles


def _check_email(errors, raw) -> str | None:
    """The e-mail address as stored (None when blank); a message on `email` when it is not one."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        _add(errors, "email", _("电子邮箱地址格式不正确"))
        return None
    address = raw.strip()
    if not address:
        return None
    if len(address) > EMAIL_MAX:
        _add(errors, "email", _("电子邮箱地址不能超过 %(n)s 个字符", n=EMAIL_MAX))
    elif not EMAIL_RE.match(address) or ".." in address:
        _add(errors, "email", _("电子邮箱地址格式不正确，例如 zhang.san@fgw.sh.gov.cn"))
    return address


def create_user(actor: User, *, username: str, full_name: str, department_id, roles, password: str,
                scope_district_id=None, email=None) -> User:
    """Create an account; `email` optional (mail notifications need one). ValidationFailed naming
    each bad field."""
    username, full_name = (username or "").strip(), clean_text(full_name or "")
    errors: dict[str, list[str]] = {}
    address = _check_email(errors, email)
    if not USERNAME_RE.match(username):
        _add(errors, "username", _("用户名为 3–60 位小写字母、数字或 . _ -"))
    elif db.session.scalar(select(User.id).where(User.username == username)) is not None:
        _add(errors, "username", _("用户名 %(name)s 已被使用", name=username))
    department, scope, roles = _check_profile(errors, full_name=full_name, department_id=department_id,
                                              roles=roles, scope_district_id=scope_district_id)
    for problem in password_problems(password or "", username, personal_words(full_name, department)):
        _add(errors, "password", problem)
    _check(errors)
    try:
        with unit_of_work():
            user = User(username=username, full_name=full_name, department=department, scope_district=scope,
                        email=address, mail_preference="email" if address else "in_app")
            user.set_password(password)
            user.set_roles(roles)
            db.session.add(user)
            db.session.flush()
            audit.record(actor, "user.created", f"新建用户 {username}（{full_name}），角色：{'、'.join(sorted(roles))}",
                         {"user_id": user.id, "roles": sorted(roles), "department_id": department.id if department else None})
    except Conflict:  # the same username was taken a moment ago
        _refuse("username", _("用户名 %(name)s 已被使用", name=username))
    return user


def update_user(actor: User, user_id: int, *, full_name: str, department_id, roles, scope_district_id=None,
                email=UNCHANGED) -> User:
    """Replace a user's name, unit, roles, district scope and — when given — e-mail address (blank
    removes it). A first address turns mail for each notification on (the user may choose the
    digest or in-app only on their settings page); removing it falls back to in-app only.
    ValidationFailed naming each bad field; NotFound for an unknown id."""
    user = get_user(user_id)
    full_name = clean_text(full_name or "")
    errors: dict[str, list[str]] = {}
    address = user.email if email is UNCHANGED else _check_email(errors, email)
    department, scope, roles = _check_profile(errors, full_name=full_name, department_id=department_id, roles=roles,
                                              scope_district_id=scope_district_id, current=user)
    if user.id == actor.id and "admin" not in roles:
        _add(errors, "roles", _("不能取消自己的系统管理员角色，以免无人可以管理系统"))
    _check(errors)
    with unit_of_work():
        before = sorted(user.roles)
        email_changed = address != user.email
        if email_changed and not (address and user.email):  # an address given or removed
            user.mail_preference = "email" if address else "in_app"
        user.full_name, user.department, user.scope_district, user.email = full_name, department, scope, address
        if set(roles) != user.roles:
            user.set_roles(roles)
        audit.record(actor, "user.updated", f"修改用户 {user.username}：角色 {'、'.join(before)} → {'、'.join(sorted(roles))}"
                     + ("，电子邮箱已更改" if email_changed else ""),
                     {"user_id": user.id, "roles_before": before, "roles": sorted(roles),
                      "department_id": department.id if department else None,
                      "scope_district_id": scope.id if scope else None, "email_changed": email_changed})
    return user


def set_user_active(actor: User, user_id: int, active: bool) -> User:
    """Deactivate or reactivate a user. Either way every web session and token of the user is
    revoked: a reactivated user signs in anew, nothing issued before comes back."""
    user = get_user(user_id)
    if not active and user.id == actor.id:
        _refuse("active", _("不能停用自己的账号"))
    with unit_of_work():
        if user.active != active:
            user.active = active
            revoke_credentials(user)
            audit.record(actor, "user.activated" if active else "user.deactivated",
                         f"{'启用' if active else '停用'}用户 {user.username}", {"user_id": user.id})
    return user


def reset_password(actor: User, user_id: int, password: str) -> User:
    """Set a user's password (checked by the password policy) and revoke every web session and
    token of theirs — the actor's own too, when resetting their own. Raises ValidationFailed."""
    user = get_user(user_id)
    problems = password_problems(password or "", user.username, personal_words(user.full_name, user.department))
    if problems:
        raise ValidationFailed("；".join(problems), {"password": problems})
    with unit_of_work():
        user.set_password(password)
        revoke_credentials(user)
        audit.record(actor, "user.password_reset", f"重置用户 {user.username} 的密码", {"user_id": user.id})
    return user


# ---------------------------------------------------------------- departments

def list_departments(kind: str | None = None, active_only: bool = False) -> list[Department]:
    query = select(Department)
    if kind:
        query = query.where(Department.kind == kind)
    if active_only:
        query = query.where(Department.active.is_(True))
    return list(db.session.scalars(query.order_by(Department.id)))


def departments_by_kind() -> dict[str, list[Department]]:
    """Every department, grouped by kind in the order of DEPARTMENT_KINDS."""
    grouped: dict[str, list[Department]] = {k: [] for k in DEPARTMENT_KINDS}
    for d in list_departments():
        grouped.setdefault(d.kind, []).append(d)
    return grouped


def active_user_counts() -> dict[int, int]:
    rows = db.session.execute(select(User.department_id, func.count()).where(User.active.is_(True))
                              .group_by(User.department_id))
    return {dept_id: n for dept_id, n in rows}


def get_department(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound(_("单位不存在"))
    return department


def _check_department(errors, *, name: str, kind: str, district_id, current: Department | None = None):
    if not name:
        _add(errors, "name", _("请填写单位名称"))
    elif len(name) > DEPARTMENT_NAME_MAX:
        _add(errors, "name", _("单位名称不能超过 %(n)s 个字", n=DEPARTMENT_NAME_MAX))
    elif refusal := text_refusal(name, _("单位名称"), multiline=False):
        _add(errors, "name", refusal)
    else:
        query = select(Department.id).where(Department.name == name)
        if current is not None:
            query = query.where(Department.id != current.id)
        if db.session.scalar(query) is not None:
            _add(errors, "name", _("单位名称 %(name)s 已存在", name=name))
    if kind not in DEPARTMENT_KINDS:
        _add(errors, "kind", _("请选择单位类型"))
    district = None
    did = _int_or_none(district_id)
    if did is not None:
        district = db.session.get(Department, did)
        if kind == "district":
            _add(errors, "district_id", _("区政府本身不隶属于其他区，请将“所属区”留空"))
        elif district is None or district.kind != "district":
            _add(errors, "district_id", _("所属区必须是一个区政府"))
        elif current is not None and district.id == current.id:
            _add(errors, "district_id", _("单位不能隶属于自己"))
        elif not district.active and not (current is not None and current.district_id == did):
            _add(errors, "district_id", _("%(name)s 已停用", name=district.name))
    if current is not None and current.kind == "district" and kind in DEPARTMENT_KINDS and kind != "district":
        units = db.session.scalar(select(func.count()).select_from(Department).where(Department.district_id == current.id))
        scoped = db.session.scalar(select(func.count()).select_from(User).where(User.scope_district_id == current.id))
        if units or scoped:
            _add(errors, "kind", _("仍有 %(units)s 个单位隶属于该区、%(users)s 名用户的办理范围是该区，不能改为其他类型", units=units, users=scoped))
    return district


def create_department(*, code: str, name: str, kind: str, district_id=None, actor: User | None = None) -> Department:
    code, name, kind = (code or "").strip(), clean_text(name or ""), (kind or "").strip()
    errors: dict[str, list[str]] = {}
    if not CODE_RE.match(code):
        _add(errors, "code", _("代码为 2–40 位，以小写字母开头，只含小写字母、数字和下划线"))
    elif db.session.scalar(select(Department.id).where(Department.code == code)) is not None:
        _add(errors, "code", _("单位代码 %(code)s 已存在", code=code))
    district = _check_department(errors, name=name, kind=kind, district_id=district_id)
    _check(errors)
    try:
        with unit_of_work():
            department = Department(code=code, name=name, kind=kind, district=district, active=True)
            db.session.add(department)
            db.session.flush()
            audit.record(actor, "department.created", f"新建单位 {name}（{code}）", {"department_id": department.id})
    except Conflict:
        _refuse("code", _("单位代码 %(code)s 或名称 %(name)s 已存在", code=code, name=name))
    return department


def update_department(department_id: int, *, name: str, kind: str, district_id=None,
                      actor: User | None = None) -> Department:
    department = get_department(department_id)
    name, kind = clean_text(name or ""), (kind or "").strip()
    errors: dict[str, list[str]] = {}
    district = _check_department(errors, name=name, kind=kind, district_id=district_id, current=department)
    _check(errors)
    try:
        with unit_of_work():
            department.name, department.kind, department.district = name, kind, district
            audit.record(actor, "department.updated", f"修改单位 {name}（{department.code}）",
                         {"department_id": department.id, "kind": kind, "district_id": district.id if district else None})
    except Conflict:
        _refuse("name", _("单位名称 %(name)s 已存在", name=name))
    return department


def set_department_active(department_id: int, active: bool, actor: User | None = None) -> Department:
    department = get_department(department_id)
    if not active:
        members = db.session.scalar(select(func.count()).select_from(User)
                                    .where(User.department_id == department.id, User.active.is_(True)))
        scoped = db.session.scalar(select(func.count()).select_from(User)
                                   .where(User.scope_district_id == department.id, User.active.is_(True)))
        problems = []
        if members:
            problems.append(_("%(name)s 还有 %(n)s 名在用的用户，请先将他们调到其他单位或停用后再停用该单位", name=department.name, n=members))
        if scoped:
            problems.append(_("%(name)s 是 %(n)s 名在用用户的办理范围，请先修改他们的办理范围", name=department.name, n=scoped))
        if problems:
            raise ValidationFailed("；".join(problems), {"active": problems})
    with unit_of_work():
        department.active = active
        audit.record(actor, "department.activated" if active else "department.deactivated",
                     f"{'启用' if active else '停用'}单位 {department.name}", {"department_id": department.id})
    return department


# ---------------------------------------------------------------- calendar

@dataclass
class CalendarCell:
    day: date
    in_month: bool
    kind: str  # 'holiday', 'workday', 'weekend' or 'normal'
    name: str = ""

    @property
    def working(self) -> bool:
        return self.kind in ("workday", "normal")


@dataclass
class CalendarMonth:
    month: int
    weeks: list[list[CalendarCell]] = field(default_factory=list)


@dataclass
class CalendarYearView:
    year: int
    loaded: CalendarYear | None
    months: list[CalendarMonth]
    exceptions: list  # CalendarDay rows in date order
    years: list[int]  # every loaded year


def _cell(d: date, days: dict, in_month: bool = True) -> CalendarCell:
    exception = days.get(d)
    if exception is not None:
        return CalendarCell(d, in_month, exception.kind, exception.name)
    return CalendarCell(d, in_month, "weekend" if d.weekday() >= 5 else "normal", "")


def calendar_day(day: date) -> CalendarCell:
    """What the calendar says of one day: its kind ('holiday', 'workday', 'weekend', 'normal') and name."""
    return _cell(day, cal.year_days(day.year) if db.session.get(CalendarYear, day.year) else {})


def calendar_year(year: int) -> CalendarYearView:
    """The year view: twelve month grids (Monday first) with the kind of every day."""
    loaded = db.session.get(CalendarYear, year)
    days = cal.year_days(year) if loaded else {}
    months = []
    for month in range(1, 13):
        grid = CalendarMonth(month)
        for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for d in week:
                row.append(_cell(d, days, d.month == month))
            grid.weeks.append(row)
        months.append(grid)
    return CalendarYearView(year, loaded, months, [days[d] for d in sorted(days)], cal.loaded_years())


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    _refuse("file", _("文件编码无法识别，请保存为 UTF-8 编码的文本文件"))


def import_calendar(filename: str, content: bytes, actor: User | None = None) -> list[int]:
    """Import a State Council schedule file (lines `YYYY-MM-DD,holiday|workday,名称`). Every year
    in the file is replaced whole; a file with any error changes nothing. Open deadlines and
    waiting timers in those years are planned again under the new calendar (app.tasks.deadlines)."""
    filename = (filename or "").strip()
    if not filename:
        _refuse("file", _("请选择要导入的文件"))
    if not filename.lower().endswith(CALENDAR_EXTENSIONS):
        _refuse("file", _("只能导入 .csv 或 .txt 文件"))
    if len(content) > CALENDAR_MAX_BYTES:
        _refuse("file", _("文件超过 1 MB 上限"))
    try:
        years = cal.parse_schedule_csv(_decode(content))
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, exc.fields or {"file": [exc.message]}) from exc
    outside = [y for y in years if not CALENDAR_YEARS[0] <= y <= CALENDAR_YEARS[1]]
    if outside:
        _refuse("file", _("年份 %(years)s 超出 %(first)s–%(last)s 的范围", years=", ".join(map(str, sorted(outside))),
                          first=CALENDAR_YEARS[0], last=CALENDAR_YEARS[1]))
    with unit_of_work():
        with deadlines_replanned(since=date(min(years), 1, 1), actor=actor) as replanned:
            for year, days in sorted(years.items()):
                cal.replace_year(year, days, source=filename[:200])
        audit.record(actor, "calendar.imported", f"导入 {', '.join(map(str, sorted(years)))} 年工作日历（{filename[:200]}），"
                     f"重算了 {len(replanned.cases)} 件案件的期限",
                     {"years": sorted(years), "days": sum(len(d) for d in years.values()), "replanned": sorted(replanned.cases)})
    return sorted(years)


def set_calendar_day(day, kind: str | None, name: str = "", actor: User | None = None) -> date:
    """Set one day: kind 'holiday', 'workday' or ''/None for an ordinary day (weekday works, weekend
    rests). Open deadlines and waiting timers from that day on are planned again (app.tasks.deadlines)."""
    errors: dict[str, list[str]] = {}
    name = clean_text(name or "")
    kind = (kind or "").strip() or None
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip())
        except ValueError:
            _add(errors, "day", _("请选择日期（YYYY-MM-DD）"))
            day = None
    if kind is not None and kind not in DAY_KINDS:
        _add(errors, "kind", _("请选择日期类型"))
    if len(name) > DAY_NAME_MAX:
        _add(errors, "name", _("名称不能超过 %(n)s 个字", n=DAY_NAME_MAX))
    elif refusal := text_refusal(name, _("名称"), multiline=False):
        _add(errors, "name", refusal)
    if day is not None:
        if db.session.get(CalendarYear, day.year) is None:
            _add(errors, "day", _("%(year)s 年的工作日历尚未导入，不能修改该年的日期；请先导入国务院办公厅公布的 %(year)s 年节假日安排", year=day.year))
        elif kind == "workday" and day.weekday() < 5:
            _add(errors, "kind", _("周一至周五本来就是工作日，只有周末可以设为调休上班"))
        elif kind == "holiday" and not name:
            _add(errors, "name", _("请填写节日名称，例如“国庆节”"))
    _check(errors)
    if kind == "workday" and not name:
        name = DAY_KINDS["workday"]  # stored data, like the package seed: not translated
    with unit_of_work():
        with deadlines_replanned(since=day, actor=actor) as replanned:
            cal.set_day(day, kind, name if kind else "")
        audit.record(actor, "calendar.day_set", f"将 {day.isoformat()} 设为{kind or '普通日'}{('（' + name + '）') if name else ''}，"
                     f"重算了 {len(replanned.cases)} 件案件的期限", {"day": day.isoformat(), "kind": kind, "name": name,
                                                              "replanned": sorted(replanned.cases)})
    return day


def default_year() -> int:
    return clock.today().year
