"""Marshmallow schemas of the mail API (app/api/notifications.py): a user's notification settings
and the admins' mail outbox (/api/v1/mail/outbox)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.inputs import DB_INT_MAX
from app.notifications.models import MAIL_KINDS, MAIL_STATUSES
from app.notifications.outbox import Q_MAX
from app.org.models import MAIL_PREFERENCES


class ChoiceSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class NotificationSettingsSchema(Schema):
    email = fields.String(allow_none=True, required=True, metadata={
        "description": "电子邮箱（由系统管理员维护）/ the e-mail address (kept by the admins)"})
    mail_preference = fields.String(required=True, metadata={"enum": list(MAIL_PREFERENCES)})
    choices = fields.List(fields.Nested(ChoiceSchema), required=True, metadata={
        "description": "可选的通知方式（没有邮箱时只有 in_app）/ the choices (only in_app without an address)"})


class NotificationSettingsRequestSchema(Schema):
    mail_preference = fields.String(required=True, validate=validate.Length(max=20), metadata={
        "description": "in_app（仅站内）、email（每条发邮件）或 digest（每日汇总）/ in-app only, e-mail each, daily digest"})


class MailSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(MAIL_KINDS)})
    to_address = fields.String(required=True)
    subject = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(MAIL_STATUSES)})
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True, required=True, metadata={
        "description": "最近的错误（SMTP 应答或连接错误；未配置时的说明）/ the last error"})
    next_attempt_at = fields.DateTime(required=True)
    created_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(allow_none=True, required=True)
    notification_id = fields.Integer(allow_none=True, required=True)
    user_id = fields.Integer(allow_none=True, required=True)
    digest_day = fields.Date(allow_none=True, required=True, metadata={"description": "每日汇总的日期 / the digest's day"})


class MailPageSchema(Schema):
    items = fields.List(fields.Nested(MailSchema), required=True)
    total = fields.Integer(required=True)
    total_capped = fields.Boolean(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "各状态的封数 / mails per status"})
    configured = fields.Boolean(required=True, metadata={
        "description": "是否配置了邮件服务器（MAIL_SERVER）/ whether a mail server is configured"})


class MailQuery(Schema):
    page = fields.Integer(validate=validate.Range(min=1, max=DB_INT_MAX), metadata={"description": "页码 / page, from 1"})
    per_page = fields.Integer(validate=validate.Range(min=1, max=100), metadata={"description": "每页条数 / rows a page"})
    status = fields.String(validate=validate.OneOf(list(MAIL_STATUSES)))
    kind = fields.String(validate=validate.OneOf(list(MAIL_KINDS)))
    q = fields.String(validate=validate.Length(max=Q_MAX),
                      metadata={"description": "收件人或主题的一部分 / part of the address or subject"})


class MailResentSchema(Schema):
    resent = fields.Integer(required=True, metadata={"description": "重新排队的封数 / mails queued again"})
    items = fields.List(fields.Nested(MailSchema), required=True)


mails_out = MailSchema(many=True)
mail_out = MailSchema()
settings_request = NotificationSettingsRequestSchema()
