"""API: the admin pages (系统管理) with a bearer token — user accounts, departments and single
calendar days — calling the same services (app/admin/service.py) as the web forms. Admins only
(403 for others); an unknown id is a 404; the service's refusals are 422 naming each field."""
from __future__ import annotations

from datetime import date

from flask import g, jsonify

from app.admin import service
from app.api import bp, json_body, schemas
from app.api.openapi import WRITE, documented
from app.core.errors import Forbidden

ADMIN_WRITE = (403, 422) + WRITE


def _require_admin() -> None:
    if not g.user.has_role("admin"):
        raise Forbidden("只有系统管理员可以管理用户、单位和工作日历")


# ---------------------------------------------------------------- users

@bp.post("/users")
@documented("创建用户 / Create a user", (201, schemas.UserSchema), body=schemas.UserCreateSchema, errors=ADMIN_WRITE)
def create_user():
    """按管理页面创建账号：`{username, full_name（≤ 60 字）, department_id, roles, password（≤ 128 位）,
     scope_district_id}`；201 返回用户，有误字段 422 逐项指明。

    Create an account as the admin page does: `{username, full_name, department_id, roles,
    password, scope_district_id}`; the password policy applies. 201 the user; 422 naming each bad
    field (a taken username, an unknown or deactivated unit, an unknown role, a weak password)."""
    _require_admin()
    payload = schemas.user_create.load(json_body())
    return jsonify(schemas.user_out.dump(service.create_user(g.user, **payload))), 201


@bp.get("/users/<int:user_id>")
@documented("用户详情 / A user", (200, schemas.UserSchema), errors=(403,))
def get_user(user_id: int):
    """一个用户账号（仅管理员）；不存在时 404。

    One user account (admins only); 404 for an unknown id."""
    _require_admin()
    return jsonify(schemas.user_out.dump(service.get_user(user_id)))


@bp.put("/users/<int:user_id>")
@documented("修改用户资料 / Edit a user", (200, schemas.UserSchema), body=schemas.UserProfileSchema,
            errors=ADMIN_WRITE)
def update_user(user_id: int):
    """修改用户姓名、单位、角色和办理范围（用户名不变）；有误字段 422 逐项指明。

    Replace a user's name, unit, roles and district scope (the username never changes). 422
    naming each bad field, e.g. `roles` when admins would remove their own admin role."""
    _require_admin()
    payload = schemas.user_profile.load(json_body())
    return jsonify(schemas.user_out.dump(service.update_user(g.user, user_id, **payload)))


@bp.post("/users/<int:user_id>/password")
@documented("重置用户密码 / Reset a user's password", (200, schemas.UserSchema), body=schemas.PasswordSchema,
            errors=ADMIN_WRITE)
def reset_password(user_id: int):
    """为用户设置新密码（适用密码策略，422 指明 `password`）；该用户的所有会话和令牌失效。

    Set a new password (the policy applies, 422 naming `password`); every web session and
    token of the user is revoked."""
    _require_admin()
    payload = schemas.password_request.load(json_body())
    return jsonify(schemas.user_out.dump(service.reset_password(g.user, user_id, payload["password"])))


@bp.post("/users/<int:user_id>/deactivate")
@documented("停用用户 / Deactivate a user", (200, schemas.UserSchema), errors=ADMIN_WRITE)
def deactivate_user(user_id: int):
    """停用账号：不能再登录，其会话和令牌失效；停用自己时 422 指明 `active`。

    The account can no longer sign in; its sessions and tokens are revoked. 422 naming
    `active` for one's own account."""
    _require_admin()
    return jsonify(schemas.user_out.dump(service.set_user_active(g.user, user_id, False)))


@bp.post("/users/<int:user_id>/activate")
@documented("启用用户 / Reactivate a user", (200, schemas.UserSchema), errors=(403,) + WRITE)
def activate_user(user_id: int):
    """重新启用已停用的账号；返回用户。

    Reactivate a deactivated account; the user."""
    _require_admin()
    return jsonify(schemas.user_out.dump(service.set_user_active(g.user, user_id, True)))


# ---------------------------------------------------------------- departments

@bp.post("/departments")
@documented("创建单位 / Create a department", (201, schemas.DepartmentSchema), body=schemas.DepartmentCreateSchema,
            errors=ADMIN_WRITE)
def create_department():
    """创建单位：`{code, name, kind, district_id}`；名称 ≤ 120 字；每个有误的字段 422 指明。

    `{code, name, kind, district_id}`: `kind` district|municipal|agency, `district_id` the
    district a unit belongs to (null for a district). 422 naming each bad field."""
    _require_admin()
    payload = schemas.department_create.load(json_body())
    return jsonify(schemas.department_out.dump(service.create_department(**payload, actor=g.user))), 201


@bp.put("/departments/<int:department_id>")
@documented("修改单位 / Edit a department", (200, schemas.DepartmentSchema), body=schemas.DepartmentProfileSchema,
            errors=ADMIN_WRITE)
def update_department(department_id: int):
    """修改单位名称、类型和所属区（代码不变）；有误的字段 422 指明。

    Replace a unit's name, kind and district (the code never changes); 422 naming each bad field."""
    _require_admin()
    payload = schemas.department_profile.load(json_body())
    return jsonify(schemas.department_out.dump(service.update_department(department_id, **payload, actor=g.user)))


@bp.post("/departments/<int:department_id>/deactivate")
@documented("停用单位 / Deactivate a department", (200, schemas.DepartmentSchema), errors=ADMIN_WRITE)
def deactivate_department(department_id: int):
    """停用单位；仍有在用用户属于该单位或以其为范围时 422 指明 `active`。

    422 naming `active` while active users belong to the unit or are scoped to it."""
    _require_admin()
    return jsonify(schemas.department_out.dump(service.set_department_active(department_id, False, g.user)))


@bp.post("/departments/<int:department_id>/activate")
@documented("启用单位 / Reactivate a department", (200, schemas.DepartmentSchema), errors=(403,) + WRITE)
def activate_department(department_id: int):
    """重新启用已停用的单位；返回单位。

    Reactivate a deactivated unit; the unit."""
    _require_admin()
    return jsonify(schemas.department_out.dump(service.set_department_active(department_id, True, g.user)))


# ---------------------------------------------------------------- calendar

@bp.put("/calendar/days/<day>")
@documented("修改工作日历中的一天 / Set one calendar day", (200, schemas.CalendarDaySchema),
            body=schemas.CalendarDayRequestSchema, errors=ADMIN_WRITE)
def set_calendar_day(day: str):
    """Set one day (`YYYY-MM-DD` in the path) of a loaded year: `{kind: "holiday", name: "国庆节"}`,
    `{kind: "workday"}` (a weekend worked), or `{kind: null}` for an ordinary day. 200 the day as
    the calendar now reads it; 422 naming `day` (not a date, year not imported), `kind` or `name`."""
    _require_admin()
    payload = schemas.calendar_day_request.load(json_body())
    changed: date = service.set_calendar_day(day, payload["kind"], payload["name"], g.user)
    cell = service.calendar_day(changed)
    return jsonify(day=cell.day.isoformat(), kind=cell.kind, name=cell.name)
