"""Organisation queries used by forms (x-source choices), the API's reference lists and admin pages."""
from __future__ import annotations

import copy

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.org.models import CivilServant, Department, User
from app.core.pagination import Total, count_capped


UNIT_BOUND_ROLES = {"handler"}  # act for their own unit only (DOMAIN.md: handlers answer for their unit)


def civil_servant_scope(user: User | None) -> int | None:
    """The department whose civil servants `user`'s forms offer: a user whose every role acts for
    their own unit (a handler) sees that unit's; anyone else every active unit's (None). The same
    scope on the web task page, in the API's task forms and in GET /api/v1/civil-servants."""
    if user is not None and user.roles and user.roles <= UNIT_BOUND_ROLES:
        return user.department_id
    return None


def department_choices(within: int | None = None, *, where=None) -> list[tuple[str, str]]:
    """Active units as (code, name): every one (`within` scopes civil servants only), or those
    meeting the SQL condition `where` on Department (e.g. a user's scope)."""
    query = select(Department).where(Department.active.is_(True))
    if where is not None:
        query = query.where(where)
    rows = db.session.scalars(query.order_by(Department.kind.desc(), Department.id))
    return [(d.code, d.name) for d in rows]


def _civil_servants(within: int | None):
    """Civil servants of active units (a case can only be registered against an active unit), of
    unit `within` only when given, in choice order."""
    query = select(CivilServant).join(Department).where(Department.active.is_(True))
    if within is not None:
        query = query.where(CivilServant.department_id == within)
    return query


def civil_servant_choices(within: int | None = None) -> list[tuple[int, str]]:
    rows = db.session.scalars(_civil_servants(within).order_by(Department.id, CivilServant.name, CivilServant.id))
    return [(s.id, f"{s.name}（{s.department.name}，{s.position or ''}）") for s in rows]


SOURCES = {"departments": department_choices, "civil_servants": civil_servant_choices}


def form_sources(user: User | None = None) -> dict[str, list[tuple]]:
    """Choices for form fields marked `x-source` in forms/*.json, as `user` may pick them
    (`civil_servant_scope`): {source: [(value, label)]}."""
    within = civil_servant_scope(user)
    return {name: choices(within) for name, choices in SOURCES.items()}


def sources_in(schema: dict) -> set[str]:
    """The x-source lists a form schema's fields draw their values from."""
    return {p["x-source"] for p in (schema.get("properties") or {}).values()
            if isinstance(p, dict) and p.get("x-source") in SOURCES}


def with_choices(schema: dict, user: User | None = None) -> dict:
    """A copy of a form schema whose `x-source` fields carry their choices as JSON Schema
    `oneOf: [{"const": value, "title": label}]` — the values validation accepts, the labels the
    web form shows — so an API client can fill the form from the schema alone. An empty source
    gets `enum: []` (JSON Schema forbids an empty `oneOf`): no value is acceptable then."""
    used = sources_in(schema)
    if not used:
        return schema
    within = civil_servant_scope(user)
    choices = {name: SOURCES[name](within) for name in used}
    resolved = copy.deepcopy(schema)
    for prop in resolved["properties"].values():
        if isinstance(prop, dict) and prop.get("x-source") in choices:
            options = choices[prop["x-source"]]
            if options:
                prop["oneOf"] = [{"const": value, "title": label} for value, label in options]
            else:
                prop["enum"] = []
    return resolved


def list_departments(*, include_inactive: bool = False, kind: str | None = None, page: int = 1,
                     per_page: int = 20) -> tuple[list[Department], Total]:
    """Departments in choice order (districts, municipal departments, agencies; by id), active ones
    unless `include_inactive`; the total is counted up to the list cap (`app.core.pagination`)."""
    query = select(Department)
    if not include_inactive:
        query = query.where(Department.active.is_(True))
    if kind:
        query = query.where(Department.kind == kind)
    total = count_capped(query, page, per_page)
    items = db.session.scalars(query.order_by(Department.kind.desc(), Department.id)
                               .offset((page - 1) * per_page).limit(per_page))
    return list(items), total


def list_civil_servants(*, department_code: str | None = None, within: int | None = None, page: int = 1,
                        per_page: int = 20) -> tuple[list[CivilServant], Total]:
    """Civil servants of active units (the ones a form offers; of unit `within` only when given,
    see `civil_servant_scope`), optionally of one unit (by code), ordered as the form's choices.
    ValidationFailed (422) naming `department` for a code of no active unit, like every bad filter."""
    query = _civil_servants(within)
    if department_code:
        if db.session.scalar(select(Department.id).where(Department.code == department_code,
                                                         Department.active.is_(True))) is None:
            raise ValidationFailed(_("筛选条件有误"), {"department": [_("未知单位")]})
        query = query.where(Department.code == department_code)
    total = count_capped(query, page, per_page)
    items = db.session.scalars(query.order_by(Department.id, CivilServant.name, CivilServant.id)
                               .offset((page - 1) * per_page).limit(per_page))
    return list(items), total
