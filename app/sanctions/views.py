"""The eligibility check page (评优评先、荣誉评选资格查询, `/eligibility`): whether a unit or a civil
servant may be put forward for honours on a day and, if not, why — for HR offices and award
committees. The feedback matrix of joint sanctions is part of the case page (cases/show.html)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.core.errors import DomainError, NotFound
from app.core.inputs import parse_date
from app.core.views import role_required
from app.org.service import department_choices
from app.sanctions import service

bp = Blueprint("sanctions", __name__)


@bp.get("/eligibility")
@role_required(*service.ELIGIBILITY_ROLES)
def eligibility():
    """The form (subject, date) and, once asked, the answer: restricted or not, with each reason."""
    subject = (request.args.get("subject") or "").strip()
    raw_date = (request.args.get("date") or "").strip()
    result, errors, message, status = None, {}, None, 200
    if subject or raw_date:
        try:
            result = service.eligibility(current_user, subject, parse_date(raw_date, "date"))
        except NotFound as exc:
            message, status = exc.message, 404
        except DomainError as exc:
            errors, message, status = exc.fields, exc.message, exc.status
    return render_template("sanctions/eligibility.html", subject=subject, day=raw_date, result=result, errors=errors,
                           message=message, units=department_choices()), status
