"""API: the notification centre — a user's own notifications only (someone else's id is a 404)."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp, page_args, schemas
from app.api.openapi import WRITE, documented
from app.core.errors import ValidationFailed
from app.notifications import service


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
