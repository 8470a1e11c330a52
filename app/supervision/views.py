from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.cases.models import KEY_AREAS, WARNING_STAGES
from app.core.clock import clock
from app.core.inputs import parse_int
from app.supervision import service
from app.supervision.service import OPEN_STAGES
from app.core.views import role_required

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


@bp.get("")
@role_required("supervisor")
def index():
    districts = service.districts()
    chosen = parse_int(request.args.get("district"), "district")
    district_id = chosen if any(d.id == chosen for d in districts) else None
    area = request.args.get("area") if request.args.get("area") in KEY_AREAS else None
    scope = {"district_id": district_id, "area": area}
    return render_template(
        "supervision/index.html", districts=districts, filters=scope,
        by_unit=service.warnings_by_unit(current_user, **scope), stages={s: WARNING_STAGES[s] for s in OPEN_STAGES},
        overdue=service.overdue_tasks(current_user, **scope), steps=service.step_times(current_user, **scope),
        due_week=service.due_this_week(current_user, **scope), now=clock.now())
