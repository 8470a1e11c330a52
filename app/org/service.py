"""Organisation queries used by forms (x-source choices) and admin pages."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.org.models import CivilServant, Department


def department_choices() -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Department).where(Department.active.is_(True))
                              .order_by(Department.kind.desc(), Department.id))
    return [(d.code, d.name) for d in rows]


def civil_servant_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(CivilServant).join(Department).order_by(Department.id, CivilServant.name))
    return [(s.id, f"{s.name}（{s.department.name}，{s.position or ''}）") for s in rows]


def form_sources() -> dict[str, list[tuple]]:
    """Choices for form fields marked `x-source` in forms/*.json."""
    return {"departments": department_choices(), "civil_servants": civil_servant_choices()}
