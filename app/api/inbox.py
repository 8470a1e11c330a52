"""API: the inbox beyond one task — claim several, reassign several (supervisors), the next task of
a kind after one is done, and saved filters. The same services as the inbox page (/tasks)."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp, json_body
from app.api import inbox_schemas as schemas
from app.api.openapi import WRITE, documented
from app.api.schemas import task_out
from app.tasks import saved_filters
from app.tasks import service as tasks


def _batch_answer(result: tasks.BatchResult):
    return jsonify(schemas.batch_result_out.dump(result))


@bp.post("/tasks/claim")
@documented("认领多项任务 / Claim several tasks", (200, schemas.BatchResultSchema), body=schemas.BatchClaimSchema,
            errors=(422,) + WRITE)
def claim_tasks():
    """一次认领多项任务（一个事务）：`{task_ids}`（1–100 个）。可认领的全部认领；不存在、不在范围内、已办结或已由他人
    认领的逐项列入 `refused` 并说明原因，其余照常认领。返回 `{done, refused}`；列表有误时 422 指明 `task_ids`。

    Claim several tasks in one transaction: `{task_ids}` (1–100). Every task the user may claim is
    claimed; each one missing, outside the user's scope, ended or held by someone else is listed in
    `refused` with the reason while the others go ahead. `{done, refused}`; 422 naming `task_ids`
    for a bad list."""
    payload = schemas.batch_claim_request.load(json_body())
    return _batch_answer(tasks.claim_many(g.user, payload["task_ids"]))


@bp.post("/tasks/reassign")
@documented("批量改派任务 / Reassign several tasks", (200, schemas.BatchResultSchema), body=schemas.BatchReassignSchema,
            errors=(403, 422) + WRITE)
def reassign_tasks():
    """督导员将多项任务改派给同一人（一个事务）：`{task_ids, assignee_id}`。该人员不能办理的、已结束的、不在督导范围内的
    逐项列入 `refused`；非督导员 403；人员不存在或已停用时 422 指明 `assignee_id`。返回 `{done, refused}`。

    A supervisor hands several tasks to one person in one transaction: `{task_ids, assignee_id}`.
    Tasks the person may not act on, ended ones and ones outside the supervisor's district are
    listed in `refused` with the reason; 403 for anyone but a supervisor; 422 naming `assignee_id`
    for a missing or deactivated user, `task_ids` for a bad list. `{done, refused}`."""
    payload = schemas.batch_reassign_request.load(json_body())
    return _batch_answer(tasks.reassign_many(g.user, payload["task_ids"], payload["assignee_id"]))


@bp.get("/tasks/<int:task_id>/next")
@documented("下一件同类任务 / The next task of the same kind", (200, schemas.NextTaskSchema), errors=(403,))
def next_task(task_id: int):
    """办理完一项任务后可接着办理的下一件同类任务（同一流程环节和表单）：先是本人已认领的，再是范围内未认领的，期限早的
    在前；案件阻塞或暂停的除外。没有时 `task` 为 null；参照任务不在范围内时 404，能看案件但无权办理该任务时 403。与网页
    提交后的“下一件同类任务”相同。

    After a task, the next one of the same kind (the same model step and form) the user can take up:
    ones they hold first, then unclaimed ones in their scope, earliest deadline first; none of a
    blocked or suspended case. `task` is null when there is none; 404 when the reference task is
    outside the user's scope, 403 when the user sees its case but may not act on it. As the web
    offers after a submission."""
    following = tasks.next_of_kind(g.user, tasks.get_task(g.user, task_id))
    return jsonify(task=task_out.dump(following) if following else None)


@bp.get("/saved-filters")
@documented("我的筛选 / My saved filters", (200, schemas.SavedFilterListSchema), query=schemas.SavedFilterQuery,
            errors=(422,))
def list_saved_filters():
    """本人保存的筛选（按页面、名称排序），可按 `page`（inbox / cases）筛选。

    The user's own saved filters (by page and name), of one `page` (inbox / cases) when given."""
    page = request.args.get("page", "").strip() or None
    return jsonify(items=schemas.saved_filters_out.dump(saved_filters.list_for(g.user, page)))


@bp.post("/saved-filters")
@documented("保存筛选 / Save a filter", (201, schemas.SavedFilterSchema), body=schemas.SavedFilterCreateSchema,
            errors=(422,) + WRITE)
def create_saved_filter():
    """以名称保存一个页面的筛选：`{page, name, query}`；只保留该页面的筛选参数。名称重复、为空或过长，没有筛选条件，
    或每页超过 30 个时 422 指明字段。

    Save a page's filters under a name: `{page, name, query}`; only the page's own filter parameters
    are kept. 422 naming `name` (blank, too long, taken, or 30 saved already) or `query` (no filter
    in it, too long)."""
    saved = saved_filters.save(g.user, **schemas.saved_filter_create.load(json_body()))
    return jsonify(schemas.saved_filter_out.dump(saved)), 201


@bp.delete("/saved-filters/<int:filter_id>")
@documented("删除筛选 / Delete a saved filter", (204, None), errors=WRITE)
def delete_saved_filter(filter_id: int):
    """删除本人保存的一个筛选；他人的或不存在的 404。

    Delete one of the user's saved filters; 404 for anyone else's or a missing one."""
    saved_filters.delete(g.user, filter_id)
    return "", 204
