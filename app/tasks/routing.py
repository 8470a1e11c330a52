"""Who may see and act on what. One place for the scope rules (DOMAIN.md "Roles"):
- handler: tasks and cases whose subject is their own department (or one of its civil servants);
- discipline (纪检监察/人事): the same unit scope as handler — the accountability of the unit's
  own responsible persons (追究责任) is its discipline or HR office's task;
- recorder: tasks and cases their own department recorded;
- reviewer, supervisor: city-wide, or one district when `scope_district_id` is set.
The BPMN lane says which role acts; these rules say which unit of that role."""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select, true

from app.cases.models import Case
from app.org.models import Department, User
from app.tasks.models import HumanTask

UNIT_ROLES = {"handler": "subject_department_id", "discipline": "subject_department_id",
              "recorder": "recording_department_id"}
DISTRICT_ROLES = ("reviewer", "supervisor")
CASE_ROLES = (*UNIT_ROLES, *DISTRICT_ROLES)


def task_scope(role: str, case: Case) -> tuple[int | None, int | None]:
    """(department_id, district_id) written on a new human task of this lane."""
    attr = UNIT_ROLES.get(role)
    return (getattr(case, attr) if attr else None), case.district_id


def _district_ok(user: User, district_id: int | None) -> bool:
    return user.scope_district_id is None or district_id == user.scope_district_id


def can_view_case(user: User, case: Case) -> bool:
    for role in user.roles:
        if role in UNIT_ROLES and getattr(case, UNIT_ROLES[role]) == user.department_id:
            return True
        if role in DISTRICT_ROLES and _district_ok(user, case.district_id):
            return True
    return False


def can_act_on(user: User, task: HumanTask) -> bool:
    """Holds the lane's role and the task is in the user's scope."""
    if task.role not in user.roles:
        return False
    if task.role in UNIT_ROLES:
        return task.department_id == user.department_id
    return _district_ok(user, task.district_id)


def case_filter(user: User):
    """SQL condition: the cases this user may see."""
    clauses = []
    for role in user.roles:
        if role in UNIT_ROLES:
            clauses.append(getattr(Case, UNIT_ROLES[role]) == user.department_id)
        elif role in DISTRICT_ROLES:
            if user.scope_district_id is None:
                return true()
            clauses.append(Case.subject_department_id.in_(_district_departments(user.scope_district_id)))
    return or_(*clauses) if clauses else false()


def subject_units(user: User):
    """SQL condition on Department: the units that can be the subject of a case this user may see
    (the choices of a unit filter): a handler's or discipline officer's own unit; a district's
    units for a reviewer or supervisor limited to it; every unit for a recorder (a record may
    name any unit) and for city-wide roles."""
    clauses = []
    for role in user.roles:
        if UNIT_ROLES.get(role) == "subject_department_id":
            clauses.append(Department.id == user.department_id)
        elif role in UNIT_ROLES or (role in DISTRICT_ROLES and user.scope_district_id is None):
            return true()
        elif role in DISTRICT_ROLES:
            clauses.append(Department.id.in_(_district_departments(user.scope_district_id)))
    return or_(*clauses) if clauses else false()


def _district_departments(district_id: int):
    return select(Department.id).where(or_(Department.id == district_id, Department.district_id == district_id))


def task_filter(user: User):
    """SQL condition: open tasks this user may act on (by role and scope)."""
    clauses = []
    for role in user.roles:
        if role in UNIT_ROLES:
            clauses.append(and_(HumanTask.role == role, HumanTask.department_id == user.department_id))
        elif role in DISTRICT_ROLES:
            cond = HumanTask.role == role
            if user.scope_district_id is not None:
                cond = and_(cond, HumanTask.district_id == user.scope_district_id)
            clauses.append(cond)
    return or_(*clauses) if clauses else false()


def supervises(user: User, task: HumanTask) -> bool:
    return user.has_role("supervisor") and _district_ok(user, task.district_id)


def supervises_case(user: User, case: Case) -> bool:
    """A supervisor over the case's district (or city-wide)."""
    return user.has_role("supervisor") and _district_ok(user, case.district_id)
