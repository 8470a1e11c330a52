"""API: the notification centre — a user's own notifications only (someone else's id is a 404) —,
the user's notification settings (mail preference), and the mail outbox for admins."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from app.api import bp, json_body, mail_schemas, page_args, schemas
from app.api.openapi import WRITE, documented
from app.core.errors import ValidationFailed
from app.notifications import outbox, service
from app.org.models import MAIL_PREFERENCES


@bp.get("/notifications")
@documented("通知列表 / List notifications", (200, schemas.NotificationPageSchema), query=schemas.NotificationQuery)
def list_notifications():
    """用户的通知，新的在前；`unread=1` 只列未读；参数有误时 422。

    The user's notifications, newest first: `{items: [{id, kind, kind_label, title, body,
    case_id, task_id, created_at, read_at}], total, total_capped, page, per_page, unread}`.
    Query: `unread=1` for unread ones only, `page`, `per_page`; 422 naming a bad one."""
    unread = request.args.get("unread", "").strip()
    if unread not in ("", "0", "1"):
        raise ValidationFailed("查询参数有误", {"unread": ["应为 0 或 1"]})
    page, per_page = page_args()
    items, total = service.list_for(g.user, page=page, per_page=per_page, unread_only=unread == "1")
    return jsonify(items=schemas.notifications_out.dump(items), total=int(total), total_capped=total.capped,
                   page=page, per_page=per_page, unread=service.unread_count(g.user))


@bp.get("/notifications/unread-count")
@documented("未读通知数 / Unread notification count", (200, schemas.UnreadSchema))
def unread_notifications():
    """未读通知数 `{unread: n}`（网页铃铛上的数字）。

    `{unread: n}` — the number on the web's bell."""
    return jsonify(unread=service.unread_count(g.user))


@bp.post("/notifications/<int:notification_id>/read")
@documented("标记通知已读 / Mark a notification read", (200, schemas.NotificationSchema), errors=WRITE)
def read_notification(notification_id: int):
    """将用户的一条通知标记为已读（重复无害）；不是该用户的通知时 404。

    Mark one of the user's notifications read (again is harmless); the notification. 404
    `not_found` for an id that is not the user's."""
    return jsonify(schemas.notification_out.dump(service.mark_read(g.user, notification_id)))


@bp.post("/notifications/read-all")
@documented("全部标记已读 / Mark all notifications read", (200, schemas.MarkedSchema), errors=WRITE)
def read_all_notifications():
    """将用户的全部未读通知标记为已读：`{marked: n}`。

    Mark every unread notification of the user read: `{marked: n}`."""
    return jsonify(marked=service.mark_all_read(g.user))


# --- the user's notification settings ---------------------------------------------------------

def _settings(user) -> dict:
    codes = MAIL_PREFERENCES if user.email else ("in_app",)
    return {"email": user.email, "mail_preference": user.mail_preference if user.email else "in_app",
            "choices": [{"code": code, "label": _(MAIL_PREFERENCES[code])} for code in codes]}


@bp.get("/me/notification-settings")
@documented("通知设置 / Notification settings", (200, mail_schemas.NotificationSettingsSchema))
def notification_settings():
    """用户的电子邮箱（由系统管理员维护）和通知方式：仅站内、每条发邮件或每日汇总。

    The user's e-mail address (kept by the admins) and how notifications reach them: in-app
    only, an e-mail each, or a daily digest (one mail a day listing the day's notifications,
    Asia/Shanghai day)."""
    return jsonify(_settings(g.user))


@bp.put("/me/notification-settings")
@documented("修改通知方式 / Choose how notifications reach one", (200, mail_schemas.NotificationSettingsSchema),
            body=mail_schemas.NotificationSettingsRequestSchema, errors=(422,) + WRITE)
def set_notification_settings():
    """`{mail_preference}`：in_app、email 或 digest；未知值，或没有电子邮箱却选择邮件时 422 指明。

    `{mail_preference}`: in_app, email or digest; 422 naming `mail_preference` for another value,
    or for mail when the user has no address."""
    payload = mail_schemas.settings_request.load(json_body())
    return jsonify(_settings(service.set_mail_preference(g.user, payload["mail_preference"])))


# --- the mail outbox (admins) -------------------------------------------------------------------

@bp.get("/mail/outbox")
@documented("邮件发件箱 / The mail outbox", (200, mail_schemas.MailPageSchema), query=mail_schemas.MailQuery,
            errors=(403, 422))
def list_mail():
    """发件箱中的邮件，最新的在前，附各状态封数和是否配置了邮件服务器；可按 status、kind、q（收件人或主题）
    筛选。仅管理员（403）。

    Outbox rows, newest first, with `counts` per status and `configured` (a mail server is set).
    Filters: `status` (pending / sent / failed / unconfigured), `kind` (notification / digest), `q`
    (part of the address or subject). Admins only (403 otherwise)."""
    outbox.check_admin(g.user)
    page, per_page = page_args()
    args = {name: request.args.get(name, "").strip() or None for name in ("status", "kind", "q")}
    items, total = outbox.list_mail(g.user, page=page, per_page=per_page, **args)
    return jsonify(items=mail_schemas.mails_out.dump(items), total=int(total), total_capped=total.capped,
                   page=page, per_page=per_page, counts=outbox.mail_counts(g.user), configured=outbox.mail_configured())


@bp.post("/mail/outbox/<int:row_id>/resend")
@documented("重发一封邮件 / Resend one mail", (200, mail_schemas.MailSchema), errors=(403,) + WRITE)
def resend_mail(row_id: int):
    """将一封待发送、失败或未发送（未配置服务器）的邮件重新排队（尝试次数清零，立即到期）；已发送的 409。
    写入审计日志。仅管理员。

    Queue a pending, failed or unconfigured mail again (attempts from 0, due now) for the next
    tick; 409 for a sent one. Audited (`mail.resent`). Admins only."""
    return jsonify(mail_schemas.mail_out.dump(outbox.resend_mail(g.user, row_id)))


@bp.post("/mail/outbox/resend-failed")
@documented("重发失败的邮件 / Resend every failed mail", (200, mail_schemas.MailResentSchema), errors=(403,) + WRITE)
def resend_failed_mail():
    """将全部失败和未发送（未配置服务器）的邮件重新排队。写入审计日志。仅管理员。

    Queue every failed and unconfigured mail again. Audited. Admins only."""
    rows = outbox.resend_failed_mail(g.user)
    return jsonify(resent=len(rows), items=mail_schemas.mails_out.dump(rows))
