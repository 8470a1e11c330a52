"""API: the feedback matrix of joint sanctions (联动奖惩) and the eligibility check (评优评先、荣誉评选)."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp, query_value
from app.api.openapi import documented
from app.api.sanction_schemas import EligibilityQuery, EligibilitySchema, SanctionMatrixSchema, eligibility_out, matrix_cells_out
from app.core.inputs import parse_date
from app.sanctions import service


@bp.get("/cases/<int:case_id>/sanctions")
@documented("联动奖惩反馈情况 / The joint sanctions' feedback matrix", (200, SanctionMatrixSchema), errors=(403,))
def case_sanctions(case_id: int):
    """一个失信记录（或其联动奖惩案件）的反馈矩阵：每项惩戒措施在每个实施单位的落实和解除情况（待落实、逾期、已落实、不适用、
    已解除及日期）。记录单位的录入员、审核员和督导员可查看（其他可见该案件的角色 403，范围外 404）；尚未启动联动奖惩时各列表为空。

    The feedback matrix of a record (or its joint-sanctions case): each measure at each implementing unit —
    pending, overdue, applied, not applicable, lifted, with dates. The recording unit's recorders,
    reviewers and supervisors (403 for other roles that see the case, 404 outside scope); empty lists
    before the joint sanctions start."""
    matrix = service.get_matrix(g.user, case_id)
    if matrix is None:
        return jsonify(case_id=case_id, sanctions_case_id=None, sanctions_case_number=None, record_case_id=None,
                       record_number=None, units=[], measures=[], cells=[])
    return jsonify(case_id=case_id, sanctions_case_id=matrix.case.id, sanctions_case_number=matrix.case.number,
                   record_case_id=matrix.record.id if matrix.record else None,
                   record_number=matrix.record.number if matrix.record else None,
                   units=[{"code": code, "name": name} for code, name in matrix.units],
                   measures=[{"measure": code, "label": label} for code, label in matrix.measures],
                   cells=matrix_cells_out.dump(matrix.cells))


@bp.get("/eligibility")
@documented("评优评先资格查询 / Honours eligibility on a day", (200, EligibilitySchema), query=EligibilityQuery,
            errors=(403, 404, 422))
def eligibility():
    """单位或公务员在某日是否被限制参加评优评先、荣誉评选，以及原因（来源记录、措施、实施单位、起止日期）。审核员、督导员
    （辖区内）、管理员和纪检人事（本单位及其公务员）可查询，其他角色 403；`subject` 为单位代码、公务员编号或 id，
    找不到时 422（仅限全市范围的查询者；其他人与范围外相同，404），不在查询范围内时 404；`date` 缺省为今天。

    Whether a unit or a civil servant is barred from honours on a day, and why (the record, the
    measure, the implementing unit, from and until). Reviewers, supervisors (their district),
    admins, and a unit's 纪检人事 (the unit and its civil servants); 403 for other roles. `subject`: a
    unit's code, or a civil servant's staff number or id (422 when unknown to a city-wide asker; 404
    outside the user's scope, and when unknown to a scoped asker, who cannot tell the two apart);
    `date` defaults to today."""
    day = query_value(parse_date, "date")
    return jsonify(eligibility_out.dump(service.eligibility(g.user, request.args.get("subject"), day)))
