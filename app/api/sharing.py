"""API: the sharing feed to the credit platforms — the outbox rows with their counts, and resending
(admins; other users 403). The same service as the reconciliation page (/sharing)."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp, json_body, page_args
from app.api import sharing_schemas as schemas
from app.api.openapi import WRITE, documented
from app.sharing import service


@bp.get("/sharing/events")
@documented("信用共享事件列表 / The sharing outbox", (200, schemas.SharingPageSchema), query=schemas.SharingQuery,
            errors=(403, 422))
def list_sharing_events():
    """共享事件（每个事件每个平台一条），最新的在前，附各平台各状态的条数；可按 status、platform、kind、
    q（事件编号或案号）筛选。仅管理员。

    Outbox rows (one per event and platform), newest first, with `counts` per platform and status.
    Filters: `status` (pending / sending / acknowledged / failed), `platform` (national / creditchina /
    shanghai), `kind` (publish / update / withdraw), `q` (an event id, or part of a case number).
    Admins only (403 otherwise)."""
    page, per_page = page_args()
    args = {name: request.args.get(name, "").strip() or None for name in ("status", "platform", "kind", "q")}
    args["endpoint"] = args.pop("platform")
    items, total = service.list_events(g.user, page=page, per_page=per_page, **args)
    return jsonify(items=schemas.sharing_events_out.dump(items), total=int(total), total_capped=total.capped,
                   page=page, per_page=per_page, counts=service.counts(g.user))


@bp.post("/sharing/events/<int:row_id>/resend")
@documented("重发一条共享事件 / Resend one outbox row", (200, schemas.SharingEventSchema), errors=(403,) + WRITE)
def resend_sharing_event(row_id: int):
    """将一条待发送或失败的记录重新排队（尝试次数清零，立即到期，事件编号不变），由下一次定时任务发送；
    已确认或正在发送的记录 409。写入审计日志。仅管理员。

    Queue a pending or failed row again (attempts from 0, due now, the same event id) for the next
    tick; 409 for a row acknowledged or being sent. Audited (`sharing.resent`). Admins only."""
    return jsonify(schemas.sharing_event_out.dump(service.resend(g.user, row_id)))


@bp.post("/sharing/resend")
@documented("批量重发共享事件 / Resend failed events, or one event", (200, schemas.SharingResentSchema),
            body=schemas.SharingResendSchema, errors=(403, 404) + WRITE)
def resend_sharing():
    """`{failed: true}`（可加 `platform`）：全部失败的记录重新排队；`{event_id}`：该事件各平台待发送或
    失败的记录重新排队（已确认的不动）。二者择一。写入审计日志。仅管理员。

    `{failed: true}` (optionally with `platform`): every failed row queued again; `{event_id}`: that
    event's pending or failed rows on every platform (acknowledged ones stay). One of the two.
    Audited. Admins only; 404 for an unknown event id."""
    service.check_admin(g.user)
    payload = schemas.sharing_resend_request.load(json_body())
    if payload.get("failed"):
        rows = service.resend_failed(g.user, payload.get("platform"))
    else:
        rows = service.resend_event(g.user, str(payload["event_id"]))
    return jsonify(resent=len(rows), items=schemas.sharing_events_out.dump(rows))
