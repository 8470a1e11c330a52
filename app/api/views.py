"""API routes: thin — parse, call a service, serialise."""
from __future__ import annotations

import json

from flask import g, jsonify, request, send_file

from app.api import bearer_token, bp, json_body, page_args, schemas
from app.api.openapi import BINARY, UPLOAD, WRITE, documented
from app.auth import service as auth
from app.calendar.service import missing_years
from app.cases import attachments, case_file, decisions, notes
from app.sanctions import service as sanctions
from app.cases import events as case_events
from app.cases import service as cases
from app.cases import timeline as timelines
from app.documents import bundle
from app.documents import service as documents
from app.core.errors import BadRequest
from app.core.i18n import N_
from app.core.inputs import json_syntax_reason, load_json
from app.core.views import ascii_name, send_download
from app.org.service import with_choices
from app.tasks import service as tasks


@bp.post("/auth/token")
@documented("换取访问令牌 / Issue a bearer token", (201, schemas.TokenSchema), body=schemas.TokenRequestSchema,
            errors=(401, 429))
def issue_token():
    """换取访问令牌：`{username, password}` → 201 `{token, token_type: "Bearer", expires_in}`；令牌自签发起
    有效 `expires_in` 秒（API_TOKEN_HOURS，默认 12 小时），之后须重新换取。失败 401；同一地址或用户名
    失败过多时 429，`Retry-After` 给出等待秒数。

    Exchange `{username, password}` for a bearer token: 201 `{token, token_type, expires_in}`; the
    token is valid `expires_in` seconds from issue (API_TOKEN_HOURS, 12 h by default). 401 for wrong
    credentials; 429 with `Retry-After` (seconds) after too many failures."""
    creds = schemas.token_request.load(json_body())
    token = auth.request_token(creds["username"], creds["password"], request.remote_addr)
    return jsonify(token=token, token_type="Bearer", expires_in=auth.token_lifetime_seconds()), 201


@bp.post("/auth/logout")
@documented("注销当前令牌 / Revoke this token", (204, None), errors=WRITE)
def revoke_token():
    """注销本请求所带的令牌（该用户的其他令牌仍有效）。

    Revoke the token this request presents (the user's other tokens stay valid)."""
    auth.revoke_token(bearer_token())
    return "", 204


@bp.get("/me")
@documented("当前用户 / The signed-in user", (200, schemas.MeSchema))
def me():
    """当前用户及提醒（例如某年工作日历尚未导入）：`{user, warnings}`。

    The signed-in user and warnings (e.g. a year's working-day calendar not imported yet): `{user,
    warnings}`."""
    warnings = [f"{y} 年工作日历尚未导入，涉及该年的期限无法计算" for y in missing_years()]
    return jsonify(user=schemas.user_out.dump(g.user), warnings=warnings)


@bp.post("/me/password")
@documented("修改自己的密码 / Change one's own password", (204, None), body=schemas.OwnPasswordSchema,
            errors=(422,) + WRITE)
def change_own_password():
    """修改自己的密码：`{current, new, confirm}`（≤ 128 位，适用密码策略）；之后该用户的所有会话和令牌
    （含本令牌）失效。

    `{current, new, confirm}` as on the account page (the password policy applies; a wrong
    `current` is throttled like a sign-in). Every web session and token of the user is revoked,
    this token too: sign in again for a new one. 422 naming `current`, `new` or `confirm`."""
    payload = schemas.own_password_request.load(json_body())
    auth.change_password(g.user, "", remote_addr=request.remote_addr, **payload)
    return "", 204


@bp.put("/me/language")
@documented("设置界面语言 / Set one's language", (200, schemas.MeSchema), body=schemas.LanguageSchema,
            errors=(422,) + WRITE)
def set_language():
    """设置用户页面、通知和消息的语言：`{lang}`（zh_CN 或 en），其他值 422。

    The language of the user's pages, notifications and messages: `{lang}`, one of the
    configured languages (zh_CN, en); 422 naming `lang` otherwise."""
    payload = schemas.language_request.load(json_body())
    auth.set_language(g.user, payload["lang"])
    return me()


@bp.get("/processes")
@documented("可发起的流程及其表单 / Processes the user may start, with their forms", (200, schemas.ProcessListSchema))
def processes():
    """用户可发起的流程及其开始表单（JSON Schema，选项随附），客户端据此即可填写开始表单。

    The processes the user may start: `{items: [{key, name, version, form_key, form_version,
    form}]}`, each `form` a JSON Schema whose `x-source` fields carry their choices
    (`oneOf: [{const, title}]`), so a client fills the start form from this answer alone."""
    return jsonify(items=[{**process, "form": with_choices(process["form"], g.user)}
                          for process in cases.startable_processes(g.user)])


def _detail_dict(case, kind: str | None = None) -> dict:
    body = schemas.case_out.dump(case)
    body["facts"] = case.facts
    body["registration_dates"] = schemas.case_file_values_out.dump(case_file.registration_dates(case))
    events = cases.timeline(case)
    groups = timelines.grouped(events, kind)
    body["timeline"] = schemas.timeline_out.dump(events if kind is None else [g.event for g in groups])
    body["timeline_groups"] = schemas.timeline_groups_out.dump(groups)
    body["decisions"] = schemas.decisions_out.dump(decisions.for_case(case))
    body["honours_restrictions"] = schemas.honours_restrictions_out.dump(sanctions.for_case(case))
    body["linked_cases"] = schemas.linked_cases_out.dump(
        [{"relation": relation, "case_id": other.id, "number": other.number, "title": other.title,
          "status": other.record_status} for relation, other in cases.linked_cases(g.user, case)])
    body["notes"] = schemas.notes_out.dump(notes.for_case(case))
    body["open_tasks"] = schemas.tasks_out.dump(cases.open_tasks(case))
    body["attachments"] = schemas.attachments_out.dump(cases.list_attachments(case))
    issued = documents.for_case(case)
    successors = documents.successors(issued)
    body["documents"] = schemas.documents_out.dump(issued)
    for entry in body["documents"]:  # the version status needs the case's other versions
        entry["version_status"] = "superseded" if entry["id"] in successors else "current"
        entry["superseded_by"] = _successor_dict(successors.get(entry["id"]))
    return body


def _successor_dict(document) -> dict | None:
    if document is None:
        return None
    return {"id": document.id, "number": document.number, "version": document.version,
            "issued_at": document.issued_at.isoformat()}


# A case registered with the files of its start form (as the web's start page sends them).
CASE_UPLOAD = {
    "application/json": {"schema": schemas.CaseCreateSchema},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["process"],
        "properties": {"process": {"type": "string", "description": "流程 key / the process key"},
                       "data": {"type": "string", "description": "开始表单的值，JSON 对象文本 / the start form's values: "
                                                                 "a JSON object as text"}},
        "additionalProperties": {"type": "array", "items": BINARY,
                                 "description": "开始表单文件字段（x-widget: file）的文件，可多个 / files of a file "
                                                "field of the start form, one part each"}}},
}


def _multipart_case() -> tuple[dict, dict[str, list[tuple[str, bytes]]]]:
    """`{process, data}` and the uploaded files of a multipart registration: the `data` part is a
    JSON object as text (400 naming `data` when it is not JSON); every file part belongs to a file
    field of the start form (checked by the service)."""
    raw = request.form.get("data", "").strip() or "{}"
    try:
        data = load_json(raw)
    except ValueError as exc:
        reason = json_syntax_reason(exc) if isinstance(exc, json.JSONDecodeError) else str(exc)[:200]
        raise BadRequest(f"data 不是有效的 JSON：{reason}", {"data": [reason]}) from None
    uploads = {name: [(f.filename or "", f.read()) for f in request.files.getlist(name)] for name in request.files}
    return {"process": request.form.get("process"), "data": data}, uploads


@bp.post("/cases")
@documented("登记案件 / Register a case", (201, schemas.CaseCreatedSchema), body=CASE_UPLOAD,
            errors=(403, 404, 422) + WRITE)
def create_case():
    """以可发起的流程登记案件：`{process, data}`，data 按该流程的开始表单校验；201 返回案件及其待办
    （open_tasks）。开始表单有文件字段（如证据材料 evidence）时可改用 multipart/form-data：`process`、`data`
    （JSON 对象文本）和以文件字段命名的文件部分，与网页登记相同。表单字段有误时 422 逐项指明。

    Register a case with a process the user may start: `{process, data}`, `data` checked against the
    process's start form; 201 the case with its `open_tasks`. With files for the start form's file
    fields (e.g. `evidence`), send multipart/form-data as the web page does: `process`, `data` (the
    JSON object as text) and one part per file named after its field. 422 naming each bad form
    field (a file part naming no file field of the form included)."""
    if request.mimetype == "multipart/form-data":
        raw, uploads = _multipart_case()
        payload = schemas.case_create.load(raw)
    else:
        payload, uploads = schemas.case_create.load(json_body()), None
    case = cases.register_case(g.user, payload["process"], payload["data"], uploads)
    body = schemas.case_out.dump(case)
    body["open_tasks"] = schemas.tasks_out.dump(cases.open_tasks(case))
    return jsonify(body), 201


@bp.get("/cases")
@documented("案件列表 / List cases", (200, schemas.CasePage), query=schemas.CaseQuery, errors=(422,))
def list_cases():
    """用户办理范围内的案件，新的在前。筛选：`status`（案件状态）、`area`（16 个重点领域之一）、
    `subject`（对象名称包含）、`q`（案号或标题包含）、`page`、`per_page`；参数有误时 422 指明参数，空值视为未给
    出。

    Cases in the user's scope, newest first. Filters: `status`, `area` (one of the 16 key areas),
    `subject` (name contains), `q` (number or title contains), `page`, `per_page`; 422 naming a bad
    parameter, an empty one counts as absent."""
    page, per_page = page_args()
    args = {name: request.args.get(name, "").strip() or None for name in ("status", "area", "subject", "q")}
    items, total = cases.list_cases(g.user, **args,
                                    page=page, per_page=per_page)
    return jsonify(items=schemas.cases_out.dump(items), total=int(total), total_capped=total.capped, page=page,
                   per_page=per_page)


@bp.get("/cases/<int:case_id>")
@documented("案件详情 / A case with its decisions, notes, timeline, tasks, attachments and documents",
            (200, schemas.CaseDetailSchema), query=schemas.CaseDetailQuery, errors=(422,))
def get_case(case_id: int):
    """案件卷宗：决定、内部批注、办理记录（可按 `kind` 筛选，其他值 422）。

    The case file: `decisions` (who decided what, when, why, on which basis), internal `notes`,
    the `timeline` and `timeline_groups` (people's steps with the engine steps after them folded
    in), filtered by `?kind=` (human / decision / note / document / system; 422 for others)."""
    case = cases.get_case(g.user, case_id)
    return jsonify(_detail_dict(case, timelines.check_category(request.args.get("kind"))))


@bp.get("/cases/<int:case_id>/notes")
@documented("案件批注列表 / A case's internal notes", (200, schemas.NoteListSchema))
def list_notes(case_id: int):
    """案件的内部批注：`{items: [...]}`。

    A case's internal notes: `{items: [...]}`."""
    return jsonify(items=schemas.notes_out.dump(notes.for_case(cases.get_case(g.user, case_id))))


@bp.post("/cases/<int:case_id>/events")
@documented("向案件送达消息 / Send a message to a case", (200, schemas.CaseSchema), body=schemas.CaseEventSchema,
            errors=(403, 422) + WRITE)
def send_case_event(case_id: int):
    """向运行中的案件送达外部消息：`{message, data}`。`source_revoked`：来源决定被复议或诉讼撤销（条例第37条），
    记录立即撤回公开并在3个工作日内删除；记录单位的录入员、审核员（范围内）、管理员可送达。`objection`：异议期后或公开期间
    提出异议（第36条），被记录单位的经办人可送达。data 按消息的表单校验（422 逐项指明）；案件当前不等待该消息时 409；
    范围外 404，角色不符 403。返回案件。

    Deliver an outside message to a running case: `{message, data}`. `source_revoked` (Art. 37): the
    record is withdrawn from publication at once and deleted within 3 working days — the recording
    unit's recorders, reviewers in scope, admins. `objection` (Art. 36): an objection after the
    window or while published — the subject unit's handlers. `data` is checked against the
    message's form (422 per field); 409 when the case does not wait for the message now; 404
    outside scope, 403 for another role. The case."""
    payload = schemas.case_event_request.load(json_body())
    case = case_events.send_to_case(g.user, case_id, payload["message"], payload["data"], via=N_("接口"))
    return jsonify(schemas.case_out.dump(case))


@bp.post("/events")
@documented("按关联键送达消息 / Send a message by correlation key", (200, schemas.CaseListSchema),
            body=schemas.CorrelatedEventSchema, errors=(403, 404, 422) + WRITE)
def send_correlated_event():
    """按来源文书编号关联：`{message, document_number, data}` 送达范围内所有以该文书登记、正在等待该消息的
    记录（如法院撤销一份处罚决定，以该决定登记的记录都删除）；没有时 404。返回 `{items}`：收到消息的案件。

    Correlate by the source document number: `{message, document_number, data}` goes to every
    record in the user's scope registered with that document and waiting for the message (a court
    revoking one penalty deletes every record based on it); 404 when none. `{items}`: the cases
    that received it."""
    payload = schemas.correlated_event_request.load(json_body())
    cases_ = case_events.send_by_key(g.user, payload["message"], payload["document_number"], payload["data"],
                                     via=N_("接口（按来源文书编号）"))
    return jsonify(items=schemas.cases_out.dump(cases_))


@bp.post("/cases/<int:case_id>/notes")
@documented("添加批注 / Add an internal note", (201, schemas.NoteSchema), body=schemas.NoteCreateSchema,
            errors=(422,) + WRITE)
def add_note(case_id: int):
    """A note (批注) for staff who may see the case: text stripped, 1–2000 characters (422 `text`
    otherwise); 404 outside the user's scope. Never shown on public pages or in documents."""
    payload = schemas.note_create.load(json_body())
    return jsonify(schemas.note_out.dump(notes.add_note(g.user, case_id, payload["text"]))), 201


@bp.post("/cases/<int:case_id>/attachments")
@documented("上传附件 / Upload an attachment", (201, schemas.AttachmentSchema), body=UPLOAD, errors=(403, 413, 422) + WRITE)
def upload_attachment(case_id: int):
    """为案件上传一个证据材料（multipart，字段 `file`）；201 返回附件。文件类型或大小不符时 422 指明
    `file`。

    Upload an evidence file to a case (multipart, field `file`); 201 the attachment. 422 naming `file`
    for a type or size not accepted."""
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("缺少文件", {"file": ["请以 multipart/form-data 的 file 字段上传文件"]})
    attachment, = cases.add_attachments(g.user, case_id, [(upload.filename or "", upload.read())])
    return jsonify(schemas.attachment_out.dump(attachment)), 201


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@documented("下载附件 / Download an attachment", (200, "*/*"))
def download_attachment(case_id: int, attachment_id: int):
    """附件的原始字节及其存储的内容类型，能查看该案件的用户可下载；范围外或不属该案件时 404。

    An attachment's bytes with its stored content type, for whoever may see the case; 404
    `not_found` outside the user's scope or for an attachment not of the case."""
    attachment = cases.get_attachment(g.user, case_id, attachment_id)
    return send_download(attachments.path_for(attachment.sha256), attachment.filename,
                         ascii_name(attachment.filename, f"attachment-{attachment.id}"), mimetype=attachment.content_type)


@bp.get("/cases/<int:case_id>/documents/<int:document_id>.pdf")
@documented("下载文书 PDF / Download a document's PDF", (200, "application/pdf"), errors=WRITE)
def download_document(case_id: int, document_id: int):
    """已出具文书的 PDF；范围外或不属该案件时 404；PDF 尚在生成时 409（稍后重试）。

    An issued document's PDF (`application/pdf`), for whoever may see the case — the same check
    as the web page. 404 `not_found` for a case outside the user's scope or a document not of the
    case; 409 `conflict` while the PDF is still being rendered (retry shortly)."""
    path, name, fallback = documents.pdf_file(cases.get_case(g.user, case_id), document_id)
    return send_download(path, name, fallback, mimetype="application/pdf")


@bp.get("/cases/<int:case_id>/bundle.zip")
@documented("下载案件卷宗（全部文书与证据材料） / Download the case file: every document and evidence file",
            (200, "application/zip"))
def download_bundle(case_id: int):
    """案件卷宗 zip：全部文书 PDF、证据材料和 manifest.csv；尚在生成的文书列为 pending、无文件。

    A zip of every issued document's PDF (current and superseded versions,
    `documents/<number>-v<version>.pdf`), every evidence file (`attachments/<step>-<file name>`) and
    `manifest.csv` (file, kind, title, number, version, status, step, person, at, sha256, size).
    Documents whose PDF is still being rendered are listed with status `pending` and no file.
    404 `not_found` for a case outside the user's scope."""
    case = cases.get_case(g.user, case_id)
    return send_file(bundle.write_zip(case), mimetype="application/zip", as_attachment=True,
                     download_name=bundle.download_name(case))


@bp.get("/tasks")
@documented("待办列表 / List tasks", (200, schemas.TaskPage), query=schemas.TaskQuery, errors=(403, 422))
def list_tasks():
    """用户的待办。`scope`：available（默认：本人可办理的，含可认领的）、mine（已认领）、completed（已办
    结）、supervised（督导员：全部待办，否则 403）；`page`、`per_page`；参数有误时 422。

    The user's tasks. `scope`: available (the default: tasks the user may work on, claimable ones
    included), mine (claimed), completed (done), supervised (supervisors: every open task, else 403);
    `page`, `per_page`; 422 naming a bad parameter."""
    page, per_page = page_args()
    scope = request.args.get("scope", "").strip() or "available"
    items, total = tasks.list_tasks(g.user, scope, page=page, per_page=per_page)
    return jsonify(items=schemas.tasks_out.dump(items), total=int(total), total_capped=total.capped, page=page,
                   per_page=per_page)


@bp.get("/tasks/<int:task_id>")
@documented("任务详情及表单 / A task with its form", (200, schemas.TaskDetailSchema), errors=(403,))
def get_task(task_id: int):
    """任务详情及其表单（JSON Schema，选项随附）；范围外 404。

    A task with its form (JSON Schema with its choices); 404 outside the user's scope."""
    task = tasks.get_task(g.user, task_id)
    return jsonify(schemas.task_detail_out.dump(task) | {"case_file": schemas.case_file_out.dump(case_file.for_task(task))})


@bp.post("/tasks/<int:task_id>/claim")
@documented("认领任务 / Claim a task", (200, schemas.TaskSchema), errors=(403,) + WRITE)
def claim_task(task_id: int):
    """认领任务，之后由本人办理；返回任务。

    Claim a task to work on it; the task."""
    return jsonify(schemas.task_out.dump(tasks.claim(g.user, task_id)))


@bp.post("/tasks/<int:task_id>/release")
@documented("释放任务 / Release a task", (200, schemas.TaskSchema), errors=(403,) + WRITE)
def release_task(task_id: int):
    """释放已认领的任务，其他人可再认领；返回任务。

    Release a claimed task so others may claim it; the task."""
    return jsonify(schemas.task_out.dump(tasks.release(g.user, task_id)))


@bp.post("/tasks/<int:task_id>/reassign")
@documented("改派任务 / Reassign a task", (200, schemas.TaskSchema), body=schemas.ReassignSchema, errors=(403, 422) + WRITE)
def reassign_task(task_id: int):
    """督导员将任务改派给他人：`{assignee_id}`（见 /tasks/<id>/assignees）；返回任务，有误时 422 指明
    `assignee_id`。

    A supervisor reassigns a task: `{assignee_id}` (see /tasks/<id>/assignees); the task, or 422 naming
    `assignee_id`."""
    payload = schemas.reassign_request.load(json_body())
    return jsonify(schemas.task_out.dump(tasks.reassign(g.user, task_id, payload["assignee_id"])))


@bp.post("/tasks/<int:task_id>/complete")
@documented("办理任务 / Complete a task", (200, schemas.CompletedSchema), body=schemas.CompleteSchema,
            errors=(403, 422) + WRITE)
def complete_task(task_id: int):
    """办理任务：`{data}` 按任务表单校验后提交，流程前进到下一步；返回案件及新开启的待办。表单字段有误时
     422 逐项指明；并发修改时 409。

    Complete a task: `{data}` is checked against the task's form and submitted, and the process moves
    on; the case with the tasks that opened. 422 naming each bad form field; 409 on a concurrent change."""
    payload = schemas.complete_request.load(json_body())
    task, case, created = tasks.complete(g.user, task_id, payload["data"])
    return jsonify(task=schemas.task_out.dump(task), case=schemas.case_out.dump(case),
                   next_tasks=schemas.tasks_out.dump(created))
