"""Admin pages (系统管理): users, departments and the working-day calendar. Thin views over
app/admin/service.py; every page is for the `admin` role only."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp, devclock, service
from app.auth.passwords import PASSWORD_MAX, PASSWORD_MIN
from app.calendar.models import DAY_KINDS
from app.core.clock import clock
from app.core.errors import BadRequest, DomainError, NotFound, ValidationFailed
from app.core.inputs import parse_int
from app.org.models import DEPARTMENT_KINDS, MAIL_PREFERENCES, ROLES
from app.core.pagination import page_count
from app.notifications import outbox
from app.notifications.models import MAIL_KINDS, MAIL_STATUSES
from app.core.views import back_with_error, local_dt, page_arg, role_required, safe_next

PER_PAGE = 20


def _back(default: str):
    return redirect(safe_next(request.form.get("next"), default))


def _int_arg(name: str) -> int | None:
    """An id filter from the query: None when absent; BadRequest (400) naming it when not an id."""
    return parse_int(request.args.get(name), name)


@bp.get("/")
@role_required("admin")
def index():
    return redirect(url_for("admin.users"))


# ---------------------------------------------------------------- users

@bp.get("/users")
@role_required("admin")
def users():
    filters = {"q": request.args.get("q", "").strip() or None, "department_id": _int_arg("department"),
               "role": request.args.get("role") if request.args.get("role") in ROLES else None,
               "status": request.args.get("status") if request.args.get("status") in ("active", "inactive") else None}
    page = page_arg()
    items, total = service.list_users(page=page, per_page=PER_PAGE, **filters)
    return render_template("admin/users.html", items=items, total=total, page=page,
                           pages=page_count(total, PER_PAGE), filters=filters,
                           departments=service.departments_by_kind(), DEPARTMENT_KINDS=DEPARTMENT_KINDS,
                           SCOPED_ROLES=service.SCOPED_ROLES)


def _user_values(form) -> dict:
    return {"username": form.get("username", "").strip(), "full_name": form.get("full_name", "").strip(),
            "department_id": form.get("department_id", ""), "roles": form.getlist("roles"),
            "scope_district_id": form.get("scope_district_id", ""), "email": form.get("email", "").strip()}


def _user_form(user=None, values=None, errors=None, password_errors=None, status=200):
    if values is None:
        values = {"username": "", "full_name": "", "department_id": "", "roles": [], "scope_district_id": "", "email": ""}
        if user is not None:
            values = {"username": user.username, "full_name": user.full_name, "department_id": str(user.department_id),
                      "roles": sorted(user.roles), "scope_district_id": str(user.scope_district_id or ""),
                      "email": user.email or ""}
    return render_template("admin/user_form.html", user=user, values=values, errors=errors or {},
                           password_errors=password_errors or [], departments=service.departments_by_kind(),
                           DEPARTMENT_KINDS=DEPARTMENT_KINDS, SCOPED_ROLES=service.SCOPED_ROLES,
                           password_min=PASSWORD_MIN, password_max=PASSWORD_MAX,
                           MAIL_PREFERENCES=MAIL_PREFERENCES), status


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def new_user():
    if request.method == "GET":
        return _user_form()
    values = _user_values(request.form)
    try:
        user = service.create_user(current_user, password=request.form.get("password", ""), **values)
    except ValidationFailed as exc:
        return _user_form(values=values, errors=exc.fields, status=422)
    flash(_("已创建用户 %(username)s（%(name)s）", username=user.username, name=user.full_name), "success")
    return redirect(url_for("admin.users", q=user.username))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int):
    user = service.get_user(user_id)
    if request.method == "GET":
        return _user_form(user)
    values = {**_user_values(request.form), "username": user.username}
    try:
        service.update_user(current_user, user_id, **{k: v for k, v in values.items() if k != "username"})
    except ValidationFailed as exc:
        return _user_form(user, values=values, errors=exc.fields, status=422)
    flash(_("已保存用户 %(username)s 的资料", username=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def reset_password(user_id: int):
    user = service.get_user(user_id)
    try:
        service.reset_password(current_user, user_id, request.form.get("password", ""))
    except ValidationFailed as exc:
        return _user_form(user, password_errors=exc.fields.get("password", [exc.message]), status=422)
    flash(_("已重置用户 %(username)s 的密码，请通过安全渠道告知本人", username=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
@role_required("admin")
def deactivate_user(user_id: int):
    try:
        user = service.set_user_active(current_user, user_id, False)
    except DomainError as exc:
        return back_with_error(exc, url_for("admin.users"))
    flash(_("已停用用户 %(username)s，该账号不能再登录", username=user.username), "success")
    return _back(url_for("admin.users"))


@bp.post("/users/<int:user_id>/activate")
@role_required("admin")
def activate_user(user_id: int):
    try:
        user = service.set_user_active(current_user, user_id, True)
    except DomainError as exc:
        return back_with_error(exc, url_for("admin.users"))
    flash(_("已启用用户 %(username)s", username=user.username), "success")
    return _back(url_for("admin.users"))


# ---------------------------------------------------------------- departments

@bp.get("/departments")
@role_required("admin")
def departments():
    return render_template("admin/departments.html", groups=service.departments_by_kind(),
                           counts=service.active_user_counts(), DEPARTMENT_KINDS=DEPARTMENT_KINDS)


def _department_values(form) -> dict:
    return {"code": form.get("code", "").strip(), "name": form.get("name", "").strip(),
            "kind": form.get("kind", ""), "district_id": form.get("district_id", "")}


def _department_form(department=None, values=None, errors=None, status=200):
    if values is None:
        values = {"code": "", "name": "", "kind": request.args.get("kind", ""), "district_id": ""}
        if department is not None:
            values = {"code": department.code, "name": department.name, "kind": department.kind,
                      "district_id": str(department.district_id or "")}
    return render_template("admin/department_form.html", department=department, values=values, errors=errors or {},
                           districts=service.list_departments("district"), DEPARTMENT_KINDS=DEPARTMENT_KINDS), status


@bp.route("/departments/new", methods=["GET", "POST"])
@role_required("admin")
def new_department():
    if request.method == "GET":
        return _department_form()
    values = _department_values(request.form)
    try:
        department = service.create_department(**values, actor=current_user)
    except ValidationFailed as exc:
        return _department_form(values=values, errors=exc.fields, status=422)
    flash(_("已创建单位 %(name)s", name=department.name), "success")
    return redirect(url_for("admin.departments") + f"#dept-{department.id}")


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_department(department_id: int):
    department = service.get_department(department_id)
    if request.method == "GET":
        return _department_form(department)
    values = {**_department_values(request.form), "code": department.code}
    try:
        service.update_department(department_id, **{k: v for k, v in values.items() if k != "code"}, actor=current_user)
    except ValidationFailed as exc:
        return _department_form(department, values=values, errors=exc.fields, status=422)
    flash(_("已保存单位 %(name)s", name=department.name), "success")
    return redirect(url_for("admin.departments") + f"#dept-{department_id}")


@bp.post("/departments/<int:department_id>/deactivate")
@role_required("admin")
def deactivate_department(department_id: int):
    try:
        department = service.set_department_active(department_id, False, current_user)
    except DomainError as exc:
        return back_with_error(exc, url_for("admin.departments"))
    flash(_("已停用单位 %(name)s", name=department.name), "success")
    return _back(url_for("admin.departments"))


@bp.post("/departments/<int:department_id>/activate")
@role_required("admin")
def activate_department(department_id: int):
    try:
        department = service.set_department_active(department_id, True, current_user)
    except DomainError as exc:
        return back_with_error(exc, url_for("admin.departments"))
    flash(_("已启用单位 %(name)s", name=department.name), "success")
    return _back(url_for("admin.departments"))


# ---------------------------------------------------------------- calendar

def _year(raw) -> int:
    """The calendar year asked for, or the default year when absent or not a year of the calendar."""
    first, last = service.CALENDAR_YEARS
    try:
        return parse_int(str(raw or ""), "year", minimum=first, maximum=last) or service.default_year()
    except BadRequest:
        return service.default_year()


def _calendar_page(year: int, day_values=None, day_errors=None, import_errors=None, status=200):
    view = service.calendar_year(year)
    if day_values is None:
        day_values = {"day": "", "kind": "", "name": ""}
        chosen = request.args.get("day", "")
        try:
            chosen_day = date.fromisoformat(chosen) if chosen else None
        except ValueError:
            chosen_day = None
        if chosen_day is not None and chosen_day.year == year:
            row = next((e for e in view.exceptions if e.day == chosen_day), None)
            day_values = {"day": chosen_day.isoformat(), "kind": row.kind if row else "", "name": row.name if row else ""}
    return render_template("admin/calendar.html", view=view, DAY_KINDS=DAY_KINDS, day_values=day_values,
                           day_errors=day_errors or {}, import_errors=import_errors or [],
                           max_mb=service.CALENDAR_MAX_BYTES // (1024 * 1024), today=clock.today()), status


@bp.get("/calendar")
@role_required("admin")
def calendar():
    return _calendar_page(_year(request.args.get("year")))


@bp.post("/calendar/import")
@role_required("admin")
def import_calendar():
    upload = request.files.get("file")
    filename = upload.filename if upload else ""
    content = upload.stream.read(service.CALENDAR_MAX_BYTES + 1) if upload else b""
    try:
        years = service.import_calendar(filename, content, current_user)
    except ValidationFailed as exc:
        return _calendar_page(_year(request.form.get("year")), import_errors=exc.fields.get("file", [exc.message]),
                              status=422)
    flash(_("已导入 %(years)s 年的节假日安排（整年替换）", years="、".join(map(str, years))), "success")
    return redirect(url_for("admin.calendar", year=years[0]))


@bp.post("/calendar/day")
@role_required("admin")
def set_day():
    values = {"day": request.form.get("day", "").strip(), "kind": request.form.get("kind", ""),
              "name": request.form.get("name", "").strip()}
    try:
        day = service.set_calendar_day(values["day"], values["kind"], values["name"], current_user)
    except ValidationFailed as exc:
        return _calendar_page(_year(values["day"][:4] or request.form.get("year")), day_values=values,
                              day_errors=exc.fields, status=422)
    label = _(DAY_KINDS[values["kind"]]) if values["kind"] in DAY_KINDS else _("普通日（周一至周五上班，周末休息）")
    flash(_("已将 %(day)s 设为%(kind)s", day=day.isoformat(), kind=label), "success")
    return redirect(url_for("admin.calendar", year=day.year, day=day.isoformat()) + "#day-form")


# ---------------------------------------------------------------- mail outbox

@bp.get("/mail")
@role_required("admin")
def mail():
    status = request.args.get("status") if request.args.get("status") in MAIL_STATUSES else None
    kind = request.args.get("kind") if request.args.get("kind") in MAIL_KINDS else None
    q = request.args.get("q", "").strip()[:outbox.Q_MAX]
    page = page_arg()
    items, total = outbox.list_mail(current_user, status=status, kind=kind, q=q, page=page, per_page=PER_PAGE)
    return render_template("admin/mail.html", items=items, total=total, page=page, pages=page_count(total, PER_PAGE),
                           counts=outbox.mail_counts(current_user), configured=outbox.mail_configured(),
                           status=status, kind=kind, q=q, statuses=MAIL_STATUSES, kinds=MAIL_KINDS,
                           resendable=outbox.RESENDABLE)


@bp.post("/mail/<int:row_id>/resend")
@role_required("admin")
def resend_mail(row_id: int):
    try:
        row = outbox.resend_mail(current_user, row_id)
    except DomainError as exc:
        return back_with_error(exc, url_for("admin.mail"))
    flash(_("已重新排队：发往 %(address)s 的邮件将在下次定时任务时发送", address=row.to_address), "success")
    return _back(url_for("admin.mail"))


@bp.post("/mail/resend-failed")
@role_required("admin")
def resend_failed_mail():
    rows = outbox.resend_failed_mail(current_user)
    flash(_("已重新排队 %(n)s 封邮件，将在下次定时任务时发送", n=len(rows)), "success")
    return _back(url_for("admin.mail"))


# ---------------------------------------------------------------- development clock

@bp.route("/dev-clock", methods=["GET", "POST"])
@role_required("admin")
def dev_clock():
    if not devclock.enabled():
        raise NotFound(_("开发时钟只在开发环境中可用"))
    values = {"when": request.form.get("when", ""), "days": request.form.get("days", "")}
    if request.method == "POST":
        op = request.form.get("op")
        try:
            if op == "set":
                devclock.set_time(current_user, values["when"])
            elif op == "advance":
                devclock.advance(current_user, values["days"])
            elif op == "reset":
                devclock.reset(current_user)
            else:
                raise BadRequest(_("未知的操作"), {"op": [_("未知的操作")]})
        except ValidationFailed as exc:
            return render_template("admin/dev_clock.html", status=devclock.status(), values=values,
                                   errors=exc.fields), 422
        flash(_("开发时钟已调整，系统当前时间：%(now)s", now=local_dt(devclock.status().now)), "success")
        return redirect(url_for("admin.dev_clock"))
    return render_template("admin/dev_clock.html", status=devclock.status(), values={}, errors={})
