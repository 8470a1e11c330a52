"""API: the reference lists a client needs to fill forms and reassign tasks — departments, civil
servants, users, a task's possible assignees — each scoped as the web shows it. Lists answer
`{items, total, total_capped, page, per_page}` (`total_capped`: more rows than `total` exist)."""
from __future__ import annotations

from flask import g, jsonify, request

from app.admin import service as admin
from app.api import bp, page_args, query_value, schemas
from app.api.openapi import documented
from app.cases import service as cases
from app.core.errors import Forbidden, ValidationFailed
from app.core.inputs import parse_int
from app.org import service as org
from app.org.models import DEPARTMENT_KINDS, ROLES
from app.tasks import service as tasks

FLAGS = {"": False, "0": False, "false": False, "1": True, "true": True}


def _page(items, total, page: int, per_page: int, schema) -> dict:
    return {"items": schema.dump(items), "total": int(total), "total_capped": total.capped, "page": page,
            "per_page": per_page}


def _choice(name: str, allowed) -> str | None:
    """A query value that must be one of `allowed` (None when absent); 422 naming it otherwise."""
    value = request.args.get(name, "").strip()
    if value and value not in allowed:
        raise ValidationFailed("查询参数有误", {name: [f"应为以下之一：{'、'.join(allowed)}"]})
    return value or None


@bp.get("/departments")
@documented("单位列表 / List departments", (200, schemas.DepartmentPage), query=schemas.DepartmentQuery, errors=(403,))
def list_departments():
    """表单或筛选可用的单位（`code` 为取值）；`include_inactive=1` 仅管理员可用（含已停用单位）。参数有
    误时 422。

    Departments a form or filter may name (`code` is the value forms take), in the web's choice
    order. Any signed-in user; `include_inactive=1` (admins only, 403 for others) adds deactivated
    units, as the admin page shows them. Query: `kind` (district|municipal|agency), `page`,
    `per_page`. 422 naming a bad parameter."""
    include_inactive = FLAGS.get(request.args.get("include_inactive", "").strip().lower())
    if include_inactive is None:
        raise ValidationFailed("查询参数有误", {"include_inactive": ["应为 0、1、true 或 false"]})
    if include_inactive and not g.user.has_role("admin"):
        raise Forbidden("只有系统管理员可以查看已停用的单位")
    kind = _choice("kind", DEPARTMENT_KINDS)
    page, per_page = page_args()
    items, total = org.list_departments(include_inactive=include_inactive, kind=kind, page=page, per_page=per_page)
    return jsonify(_page(items, total, page, per_page, schemas.departments_out))


@bp.get("/civil-servants")
@documented("公务员列表 / List civil servants", (200, schemas.CivilServantPage), query=schemas.CivilServantQuery,
            errors=(403,))
def list_civil_servants():
    """在用单位的公务员——表单中 `x-source: civil_servants` 字段的选项（取 `id`）；办理人员只看到本单位的。

    Civil servants of active units — the choices of form fields with `x-source: civil_servants`
    (`id` is the value they take), scoped as the forms offer them: a handler sees their own unit's,
    others every active unit's. For every user who may fill such a form (a start form or a task
    form in one of their lanes) and designers; 403 for others. Query: `department` (a unit code,
    422 naming it when unknown), `page`, `per_page`."""
    if "civil_servants" not in cases.offered_sources(g.user):
        raise Forbidden("您的角色不使用公务员名单")
    page, per_page = page_args()
    items, total = org.list_civil_servants(department_code=request.args.get("department", "").strip() or None,
                                           within=org.civil_servant_scope(g.user), page=page, per_page=per_page)
    return jsonify(_page(items, total, page, per_page, schemas.civil_servants_out))


@bp.get("/users")
@documented("用户列表 / List users", (200, schemas.UserPage), query=schemas.UserQuery, errors=(403,))
def list_users():
    """用户账号（仅管理员），按用户名；筛选 `q`、`department`、`role`、`status`、`page`、`per_page`；参
    数有误时 422。

    User accounts, as the admin page lists them (admins only, 403 for others), by username.
    Query: `q` (username or name contains), `department` (id), `role` (a role code), `status`
    (active|inactive), `page`, `per_page`; 422 naming a bad one."""
    if not g.user.has_role("admin"):
        raise Forbidden("只有系统管理员可以查看用户列表")
    filters = {"q": request.args.get("q", "").strip() or None,
               "department_id": query_value(parse_int, "department", minimum=1),
               "role": _choice("role", ROLES), "status": _choice("status", ("active", "inactive"))}
    page, per_page = page_args()
    items, total = admin.list_users(page=page, per_page=per_page, **filters)
    return jsonify(_page(items, total, page, per_page, schemas.users_out))


@bp.get("/tasks/<int:task_id>/assignees")
@documented("可改派的人员 / Who a task may be reassigned to", (200, schemas.PeopleSchema), errors=(403,))
def task_assignees(task_id: int):
    """任务可改派给的人员（`POST /tasks/<id>/reassign` 取其 `id`）；仅督导员。

    Who the task may be reassigned to (`POST /tasks/<id>/reassign` takes one's `id`):
    `{items: [{id, username, full_name, department, department_name}]}`. For the task's
    supervisors; 404 outside the user's scope, 403 for others who may see the task."""
    return jsonify(items=schemas.people_out.dump(tasks.assignees_for(g.user, task_id)))
