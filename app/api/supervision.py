"""API: the supervision view of the web (/supervision) for supervisors — open warnings by unit and
stage, overdue tasks, average working days per step, blocked cases, units without an active
handler, the monthly trends the page charts, rectifications due this week — from the same service
(app/supervision/service.py), in the supervisor's scope."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from app.api import bp, query_value, schemas
from app.api.openapi import documented
from app.cases.models import WARNING_STAGES
from app.core.errors import Forbidden, ValidationFailed
from app.core.inputs import parse_int
from app.supervision import service
from app.supervision.service import OPEN_STAGES


@bp.get("/supervision")
@documented("督导概览 / The supervision view", (200, schemas.SupervisionSchema), query=schemas.SupervisionQuery,
            errors=(403,))
def supervision():
    """督导概览（与 /supervision 页面相同，仅督导员，403）：按单位和阶段的未结预警、逾期待办（最多 100 条）、
    近 365 天各环节平均办理工作日（不为负）、因流程异常阻塞的案件、没有在用经办人的单位、近 12 个月趋势、本周到期的
    整改；筛选 `district`（区的单位 id）、`area`（重点领域），有误时 422 指明。

    The supervision page's figures (supervisors only, 403 for others), within the supervisor's
    scope: open warnings by unit and stage, overdue open tasks (at most 100, earliest due first),
    the average working days per process step over the last 365 days (creation to completion,
    never negative), blocked cases (open incidents, longest blocked first), units without an
    active handler (those with tasks nobody may act on first), the last 12 months' trends (the
    page's charts), rectifications due this week. Filters: `district` (a district's unit id),
    `area` (one of the 16 key areas; units are filtered by district only); 422 naming a bad one."""
    if not g.user.has_role("supervisor"):
        raise Forbidden(_("只有督导员可以查看督导概览"))
    district = query_value(parse_int, "district", minimum=1)
    if district is not None and district not in {d.id for d in service.districts()}:
        raise ValidationFailed(_("筛选条件有误"), {"district": [_("不是区的单位 id")]})
    area = request.args.get("area", "").strip() or None
    scope = {"district_id": district, "area": area}
    by_unit = service.warnings_by_unit(g.user, **scope)
    return jsonify(district=district, area=area,
                   stages=[{"code": code, "label": _(WARNING_STAGES[code])} for code in OPEN_STAGES],
                   warnings_by_unit=[{"unit": unit, "stages": stages} for unit, stages in by_unit.items()],
                   overdue_tasks=schemas.tasks_out.dump(service.overdue_tasks(g.user, **scope)),
                   step_times=schemas.step_times_out.dump(service.step_times(g.user, **scope)),
                   blocked_cases=schemas.blocked_cases_out.dump(service.blocked_cases(g.user, **scope)),
                   unstaffed_units=schemas.unstaffed_units_out.dump(service.unstaffed_units(g.user, district_id=district)),
                   trends=schemas.trends_out.dump(service.trends(g.user, **scope)),
                   due_this_week=schemas.cases_out.dump(service.due_this_week(g.user, **scope)))
