"""API: incidents (failed steps that block a case) and the operations on them and on a case —
admins, and supervisors over the case's district (404 outside scope, 403 for other roles)."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp, json_body, page_args, schemas
from app.api.openapi import WRITE, documented
from app.incidents import service


@bp.get("/incidents")
@documented("异常列表 / List incidents", (200, schemas.IncidentPageSchema), query=schemas.IncidentQuery,
            errors=(403, 422))
def list_incidents():
    """用户范围内的异常，最近失败的在前；`status`：open（默认）、resolved 或 all，其他值 422。

    Incidents in the user's scope, latest failure first: `{items: [{id, case_id, case_number,
    element, element_name, error, first_failed_at, last_failed_at, failure_count, status,
    resolution, resolved_by, resolved_at, reason}], total, total_capped, page, per_page}`.
    `status`: open (default), resolved or all; 422 naming `status` otherwise."""
    page, per_page = page_args()
    status = request.args.get("status", "").strip() or "open"
    items, total = service.list_incidents(g.user, None if status == "all" else status, page=page, per_page=per_page)
    return jsonify(items=schemas.incidents_out.dump(items), total=int(total), total_capped=total.capped, page=page,
                   per_page=per_page)


@bp.get("/incidents/<int:incident_id>")
@documented("异常详情 / An incident", (200, schemas.IncidentSchema), errors=(403,))
def get_incident(incident_id: int):
    """一个异常：出错的元素、错误、失败次数和处理结果；范围外 404。

    One incident: the failed element, the error, the failure count and how it was resolved; 404 outside
    the user's scope."""
    return jsonify(schemas.incident_out.dump(service.get_incident(g.user, incident_id)))


@bp.post("/incidents/<int:incident_id>/retry")
@documented("重试出错的环节 / Retry the failed step", (200, schemas.IncidentSchema), body=schemas.ReasonSchema,
            errors=(403, 422) + WRITE)
def retry_incident(incident_id: int):
    """原因修复后重新运行出错的环节：`{reason}` 必填（≤ 2000 字）；成功则异常标记为已重试，再次失败时返
    回引擎的错误（409 或 422）。

    Run the failed step again after its cause was fixed: the incident, resolved (`retried`).
    If it fails again the incident stays open (count and error updated) and the answer is the
    engine's error: 409 (e.g. `calendar_not_loaded`) or 422 `process_error`."""
    payload = schemas.reason_request.load(json_body())
    return jsonify(schemas.incident_out.dump(service.retry(g.user, incident_id, payload.get("reason"))))


@bp.post("/incidents/<int:incident_id>/skip")
@documented("跳过出错的环节 / Skip the failed element", (200, schemas.SkipPlanSchema), body=schemas.SkipRequestSchema,
            errors=(403, 422) + WRITE)
def skip_incident(incident_id: int):
    """不运行出错的元素而将其标记完成并继续：`{reason}` 必填（≤ 2000 字）；`dry_run: true` 只试运行。

    Mark the failed element complete without running it and step on. `dry_run: true` runs the
    same in a transaction that is rolled back: nothing is saved, the answer says what would be
    skipped and which tasks would open. 409 when the step now runs (retry instead)."""
    payload = schemas.skip_request.load(json_body())
    plan = service.skip(g.user, incident_id, payload.get("reason"), dry_run=payload["dry_run"])
    incident = service.get_incident(g.user, incident_id)
    return jsonify(dry_run=payload["dry_run"], skipped=plan.skipped, next_tasks=plan.next_tasks,
                   finished=plan.finished, incident=schemas.incident_out.dump(incident))


@bp.get("/cases/<int:case_id>/moves")
@documented("令牌可移动的位置 / Where a case's token may move", (200, schemas.TokenPositionsSchema), errors=(403,))
def case_moves(case_id: int):
    """案件的令牌在哪些环节等待、各自可移动到的同一流程（子流程）中的用户任务，或不能移动的原因。

    Where the case's tokens wait and, for each, the user tasks of the same (sub-)process it may be
    moved to, or why it may not move (parallel branches running): `{items: [{at: {bpmn_id, name},
    failed, targets: [{bpmn_id, name}], refusal}]}`. Empty for a suspended or ended case."""
    return jsonify(items=schemas.token_positions_out.dump(service.move_options(g.user, case_id)))


@bp.post("/cases/<int:case_id>/move")
@documented("移动令牌到其他环节 / Move a case's token to another task", (200, schemas.MovePlanSchema),
            body=schemas.MoveRequestSchema, errors=(403, 422) + WRITE)
def move_case(case_id: int):
    """把案件从当前等待的用户任务移动到同一流程（子流程）中的另一个用户任务：`{source, target, reason}`，
    原因必填（≤ 2000 字）；`dry_run: true` 只试运行，不保存。

    Camunda's modification: the task left is cancelled with its timers, the target opens as if the
    flow had reached it now. `dry_run: true` runs the same in a transaction that is rolled back.
    409 when the case does not wait at `source`, `target` is not a user task of the same
    (sub-)process, branches run in parallel, or the case is suspended or ended."""
    payload = schemas.move_request.load(json_body())
    plan = service.move(g.user, case_id, payload["source"], payload["target"], payload.get("reason"),
                        dry_run=payload["dry_run"])
    return jsonify(dry_run=payload["dry_run"], left=plan.left, reached=plan.reached, closed=plan.closed,
                   opened=plan.opened, finished=plan.finished)


def _case_operation(operation, case_id: int):
    payload = schemas.reason_request.load(json_body())
    return jsonify(schemas.case_out.dump(operation(g.user, case_id, payload.get("reason"))))


@bp.post("/cases/<int:case_id>/suspend")
@documented("暂停案件 / Suspend a case", (200, schemas.CaseSchema), body=schemas.ReasonSchema, errors=(403, 422) + WRITE)
def suspend_case(case_id: int):
    """暂停案件：`{reason}` 必填（≤ 2000 字）；定时器等待，任务不能办理。返回案件。

    Timers wait (due ones fire at the first tick after resuming); tasks cannot be completed."""
    return _case_operation(service.suspend, case_id)


@bp.post("/cases/<int:case_id>/resume")
@documented("恢复案件 / Resume a case", (200, schemas.CaseSchema), body=schemas.ReasonSchema, errors=(403, 422) + WRITE)
def resume_case(case_id: int):
    """恢复已暂停的案件：`{reason}` 必填（≤ 2000 字）；暂停期间到期的定时器在恢复后的第一次 tick 触发。
    返回案件。

    Resume a suspended case: `{reason}` required (≤ 2000 characters); timers due meanwhile fire at the
    first tick after. The case."""
    return _case_operation(service.resume, case_id)


@bp.post("/cases/<int:case_id>/cancel")
@documented("撤案 / Cancel a case opened in error", (200, schemas.CaseSchema), body=schemas.ReasonSchema,
            errors=(403, 422) + WRITE)
def cancel_case(case_id: int):
    """撤销误立的案件：`{reason}` 必填（≤ 2000 字）；流程终止，未办任务关闭。返回案件。

    Its open tasks are cancelled, its timers end, the case closes with status `cancelled` (已撤案)."""
    return _case_operation(service.cancel, case_id)
