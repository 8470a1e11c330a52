"""Marshmallow schemas of the joint-sanctions API (app/api/sanctions.py): the feedback matrix of a
case and the eligibility check (评优评先、荣誉评选)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.sanctions.models import LIFT_REASONS, MEASURE_STATES

DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}


class MatrixCellSchema(Schema):
    measure_id = fields.Integer(required=True)
    measure = fields.String(required=True, metadata={"description": "措施代码（决策表 sanction_measures）/ the measure's code"})
    label = fields.String(required=True, metadata={"description": "措施 / the measure"})
    unit = fields.String(attribute="unit_code", required=True, metadata={"description": "实施单位代码 / the implementing unit's code"})
    unit_name = fields.String(required=True)
    state = fields.String(required=True, metadata={
        "enum": list(MEASURE_STATES), "description": "pending 待落实、overdue 逾期未反馈、applied 已落实、not_applicable 不适用、"
        "not_applied 未落实即解除、lifting 待解除、lifting_overdue 解除逾期未反馈、lifted 已解除"})
    due_on = fields.Date(allow_none=True, metadata={"description": "待办任务的期限（最后一天）/ the open task's last day"})
    answer = fields.String(allow_none=True, metadata={"enum": ["applied", "not_applicable", "not_applied", None]})
    answered_on = fields.Date(allow_none=True, metadata={"description": "落实（认定）日期 / the day applied (or found not applicable)"})
    answer_note = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True, metadata={"description": "反馈人 / who fed back"})
    answered_at = fields.DateTime(allow_none=True)
    lift_reason = fields.String(allow_none=True, metadata={"enum": [*LIFT_REASONS, None]})
    lift_requested_on = fields.Date(allow_none=True)
    lifted_on = fields.Date(allow_none=True)
    lift_note = fields.String(allow_none=True)
    lifted_by = fields.String(allow_none=True)
    until = fields.Date(required=True, metadata={"description": "原定最迟解除前的最后一天（记录公开截止日）/ the planned last day"})


class SanctionMatrixSchema(Schema):
    case_id = fields.Integer(required=True, metadata={"description": "所查询的案件 / the case asked about"})
    sanctions_case_id = fields.Integer(allow_none=True, metadata={
        "description": "联动奖惩案件；记录尚未公开（或未启动联动奖惩）时为 null / the joint-sanctions case, null before publication"})
    sanctions_case_number = fields.String(allow_none=True)
    record_case_id = fields.Integer(allow_none=True, metadata={"description": "失信记录 / the dishonesty record"})
    record_number = fields.String(allow_none=True)
    units = fields.List(fields.Dict(), required=True, metadata={"description": "实施单位 [{code, name}] / the implementing units"})
    measures = fields.List(fields.Dict(), required=True, metadata={"description": "措施 [{measure, label}] / the measures"})
    cells = fields.List(fields.Nested(MatrixCellSchema), required=True, metadata={
        "description": "每项措施在每个实施单位的情况 / each measure at each implementing unit"})


class EligibilityQuery(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=60), metadata={
        "description": "单位代码（如 fgw），或公务员编号（工号）、公务员 id / a unit's code, or a civil servant's staff number or id"})
    date = fields.Date(metadata={"description": "日期 YYYY-MM-DD，缺省为今天（上海时间）/ the day, default today (Asia/Shanghai)"})


class EligibilityReasonSchema(Schema):
    case_id = fields.Integer(required=True, metadata={"description": "来源案件（失信记录或预警）/ the case that caused it"})
    case_number = fields.String(required=True)
    case_title = fields.String(required=True)
    measure = fields.String(required=True, metadata={"description": "措施代码 / the measure's code"})
    label = fields.String(required=True, metadata={"description": "措施 / the measure"})
    implementing_unit = fields.String(allow_none=True, metadata={
        "description": "落实该措施的实施单位（预警升级取消的为 null）/ the unit that applied it, null for an escalation"})
    starts_on = fields.Date(required=True, metadata={"description": "起（含）/ first day"})
    until = fields.Date(required=True, metadata={"description": "至（含）：原定期满或解除前一日 / the last day it applies"})
    lifted_on = fields.Date(allow_none=True, metadata={"description": "已定于该日解除 / lifted from this day"})


class EligibilitySchema(Schema):
    subject_type = fields.String(required=True, metadata={"enum": ["department", "civil_servant"]})
    subject = fields.String(required=True, metadata={"description": "单位代码或公务员编号 / the unit's code or the staff number"})
    subject_name = fields.String(required=True)
    date = fields.Date(attribute="on", required=True)
    restricted = fields.Boolean(required=True, metadata={
        "description": "该日是否不得参加评优评先、荣誉评选 / whether honours are restricted on that day"})
    reasons = fields.List(fields.Nested(EligibilityReasonSchema), required=True)


matrix_cells_out = MatrixCellSchema(many=True)
eligibility_out = EligibilitySchema()
