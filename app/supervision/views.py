"""The supervision page (/supervision, supervisors): thin over app/supervision/service.py. The trend
charts are drawn in the browser by Apache ECharts (app/static/vendor/echarts, from npm) from the
figures this page puts in `data-chart` attributes (no inline script under the CSP)."""
from __future__ import annotations

import json

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.cases.models import KEY_AREAS, WARNING_STAGES
from app.core.clock import clock
from app.core.inputs import parse_int
from app.supervision import service
from app.supervision.service import OPEN_STAGES, Trends
from app.core.views import role_required

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


def chart_specs(trends: Trends) -> dict[str, dict]:
    """What each chart draws, in the user's language: {chart id: {categories, axes, series:
    [{name, type, data, axis}]}} (read by app/static/js/supervision-charts.js). The page writes
    each as JSON text into an attribute, escaped like any value."""
    count, days = _("件数"), _("工作日")
    return {
        "trend-cases": {"categories": trends.months, "axes": [count], "series": [
            {"name": _("新登记失信记录"), "type": "bar", "data": trends.records_opened, "axis": 0},
            {"name": _("新发起预警"), "type": "bar", "data": trends.warnings_opened, "axis": 0},
            {"name": _("办结案件"), "type": "line", "data": trends.closed, "axis": 0}]},
        "trend-steps": {"categories": trends.months, "axes": [count, days], "series": [
            {"name": _("办结环节"), "type": "bar", "data": trends.tasks_completed, "axis": 0},
            {"name": _("逾期办结环节"), "type": "bar", "data": trends.tasks_late, "axis": 0},
            {"name": _("平均办理工作日"), "type": "line", "data": trends.average_step_days, "axis": 1}]},
    }


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
        blocked=service.blocked_cases(current_user, **scope),
        unstaffed=service.unstaffed_units(current_user, district_id=district_id),
        charts={key: json.dumps(spec, ensure_ascii=False)
                for key, spec in chart_specs(service.trends(current_user, **scope)).items()},
        due_week=service.due_this_week(current_user, **scope), now=clock.now())
