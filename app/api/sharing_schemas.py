"""Marshmallow schemas of the sharing API (/api/v1/sharing, app/api/sharing.py): the outbox rows of
the feed to the credit platforms, their counts, and resending."""
from __future__ import annotations

from marshmallow import Schema, fields, validate, validates_schema, ValidationError
from flask_babel import lazy_gettext

from app.sharing.models import KINDS, PLATFORMS, STATUSES

INT_OR_NULL = {"type": ["integer", "null"]}


class SharingEventSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "出站记录 id（重发用）/ the outbox row's id (to resend)"})
    event_id = fields.String(required=True, metadata={
        "format": "uuid", "description": "事件编号，各平台相同，重发不变（Idempotency-Key）/ the event id, the same for "
                                         "every platform and on every resend (Idempotency-Key)"})
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    sequence = fields.Integer(required=True, metadata={"description": "本案件内的事件序号 / the event's number within its case"})
    case_id = fields.Integer(required=True)
    case_number = fields.Function(lambda e: e.case.number, required=True, metadata={"type": "string"})
    publication_id = fields.Integer(required=True)
    endpoint = fields.String(required=True, metadata={"enum": list(PLATFORMS)})
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(required=True)
    last_http_status = fields.Integer(allow_none=True, metadata={"description": "最近一次的 HTTP 状态 / the last HTTP status"})
    last_error = fields.String(allow_none=True, metadata={
        "description": "最近的错误：HTTP 状态与应答摘要，或连接错误 / the last error: HTTP status and answer excerpt, "
                       "or the connection error"})
    occurred_at = fields.DateTime(required=True)
    created_at = fields.DateTime(required=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    waiting_for = fields.Function(lambda e: getattr(e, "waiting_for", None), metadata={
        **INT_OR_NULL, "description": "等待确认的本案件前序事件序号 / the earlier event of the case still unacknowledged"})


def _counts_schema() -> dict:
    row = {"type": "object", "properties": {s: {"type": "integer"} for s in STATUSES}, "required": list(STATUSES)}
    return {"type": "object", "additionalProperties": row,
            "description": "每个平台（及 all 合计）各状态的条数 / rows per status for each platform and `all`"}


class SharingPageSchema(Schema):
    items = fields.List(fields.Nested(SharingEventSchema), required=True)
    total = fields.Integer(required=True)
    total_capped = fields.Boolean(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    counts = fields.Dict(required=True, metadata=_counts_schema())


class SharingQuery(Schema):
    page = fields.Integer(validate=validate.Range(min=1, max=2147483647), metadata={"description": "页码 / page, from 1"})
    per_page = fields.Integer(validate=validate.Range(min=1, max=100), metadata={"description": "每页条数 / rows a page"})
    status = fields.String(validate=validate.OneOf(list(STATUSES)))
    platform = fields.String(validate=validate.OneOf(list(PLATFORMS)), metadata={
        "description": "平台（national / creditchina / shanghai）/ the platform (the rows' `endpoint`)"})
    kind = fields.String(validate=validate.OneOf(list(KINDS)))
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "事件编号，或案号的一部分 / an event id, or part of a case number"})


class SharingResendSchema(Schema):
    failed = fields.Boolean(load_default=False, metadata={"description": "重发全部失败的事件 / every failed event"})
    platform = fields.String(validate=validate.OneOf(list(PLATFORMS)), metadata={
        "description": "与 failed 一起：只重发该平台 / with failed: only this platform"})
    event_id = fields.UUID(metadata={"description": "重发该事件的待发送或失败记录 / that event's pending or failed rows"})

    @validates_schema
    def one_of(self, data, **kwargs):
        if bool(data.get("failed")) == ("event_id" in data):
            raise ValidationError(str(lazy_gettext("请指定 failed: true 或 event_id（二选一）")), "failed")


class SharingResentSchema(Schema):
    resent = fields.Integer(required=True, metadata={"description": "重新排队的条数 / rows queued again"})
    items = fields.List(fields.Nested(SharingEventSchema), required=True)


sharing_events_out = SharingEventSchema(many=True)
sharing_event_out = SharingEventSchema()
sharing_resend_request = SharingResendSchema()
