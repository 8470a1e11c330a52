"""Marshmallow schemas of the inbox API beyond single tasks (app/api/inbox.py): batch claim and
reassign, the next task of a kind, saved filters."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.schemas import TaskSchema
from app.core.inputs import DB_INT_MAX
from app.tasks.models import SAVED_FILTER_NAME_MAX, SAVED_FILTER_QUERY_MAX
from app.tasks.saved_filters import PAGES
from app.tasks.service import BATCH_MAX

TASK_IDS = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=DB_INT_MAX)), required=True,
                       validate=validate.Length(min=1, max=BATCH_MAX),
                       metadata={"description": f"任务 id，1–{BATCH_MAX} 个 / task ids, 1–{BATCH_MAX}"})


class BatchClaimSchema(Schema):
    task_ids = TASK_IDS


class BatchReassignSchema(Schema):
    task_ids = TASK_IDS
    assignee_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=DB_INT_MAX),
                                 metadata={"description": "改派给的用户 id / the user to hand the tasks to"})


class RefusedTaskSchema(Schema):
    task_id = fields.Integer(required=True)
    message = fields.String(required=True, metadata={"description": "未处理的原因 / why it was not done"})
    case_number = fields.String(required=True, allow_none=True, metadata={
        "description": "案件编号；任务不存在或不在范围内时为 null / the case number; null for a task missing or out of scope"})
    task_name = fields.String(required=True, allow_none=True)


class BatchResultSchema(Schema):
    done = fields.List(fields.Nested(TaskSchema), required=True,
                       metadata={"description": "已认领或改派的任务 / the tasks claimed or reassigned"})
    refused = fields.List(fields.Nested(RefusedTaskSchema), required=True,
                          metadata={"description": "逐项说明未处理的任务 / each task not done, with the reason"})


class NextTaskSchema(Schema):
    task = fields.Nested(TaskSchema, allow_none=True, required=True,
                         metadata={"description": "下一件同类任务，没有时为 null / the next task of the kind, or null"})


class SavedFilterSchema(Schema):
    id = fields.Integer(required=True)
    page = fields.String(required=True, metadata={"enum": list(PAGES)})
    name = fields.String(required=True)
    query = fields.String(required=True, metadata={
        "description": "该页面的查询字符串（已规范化）：inbox 对应 GET /tasks 的 scope 以外参数及 tab，cases 对应 GET /cases / "
                       "the page's query string, normalised: for inbox the web inbox's (tab=… is the API's scope), for "
                       "cases GET /cases's"})
    created_at = fields.DateTime(required=True)


class SavedFilterListSchema(Schema):
    items = fields.List(fields.Nested(SavedFilterSchema), required=True)


class SavedFilterCreateSchema(Schema):
    page = fields.String(required=True, validate=validate.OneOf(list(PAGES)),
                         metadata={"description": "inbox 待办 / cases 案件"})
    name = fields.String(required=True, validate=validate.Length(max=200),
                         metadata={"description": f"名称，1–{SAVED_FILTER_NAME_MAX} 字 / name, 1–{SAVED_FILTER_NAME_MAX} characters"})
    query = fields.String(required=True, validate=validate.Length(max=2 * SAVED_FILTER_QUERY_MAX), metadata={
        "description": "查询字符串，如 q=发改&overdue=1；只保留该页面的筛选参数 / a query string such as q=发改&overdue=1; "
                       "only the page's own filter parameters are kept"})


class SavedFilterQuery(Schema):
    page = fields.String(validate=validate.OneOf(list(PAGES)), metadata={"description": "inbox / cases"})


batch_claim_request = BatchClaimSchema()
batch_reassign_request = BatchReassignSchema()
batch_result_out = BatchResultSchema()
saved_filter_create = SavedFilterCreateSchema()
saved_filter_out = SavedFilterSchema()
saved_filters_out = SavedFilterSchema(many=True)
