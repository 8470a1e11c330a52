"""API routes: thin — parse, call a service, serialise."""
from __future__ import annotations

from flask import g, jsonify, request, send_file

from app.api import bearer_token, bp, json_body, page_args, schemas
from app.api.openapi import UPLOAD, WRITE, documented
from app.auth import service as auth
from app.calendar.service import missing_years
from app.cases import attachments, case_file, decisions, notes
from app.cases import service as cases
from app.cases import timeline as timelines
from app.documents import bundle
from app.documents import service as documents
from app.errors import BadRequest
from app.org.service import with_choices
from app.tasks import service as tasks


@bp.post("/auth/token")
@documented("换取访问令牌 / Issue a bearer token", (201, schemas.TokenSchema), body=schemas.TokenRequestSchema,
            errors=(401, 429))
def issue_token():
    creds = schemas.token_request.load(json_body())
    token = auth.request_token(creds["username"], creds["password"], request.remote_addr)
    return jsonify(token=token, token_type="Bearer"), 201


@bp.post("/auth/logout")
@documented("注销当前令牌 / Revoke this token", (204, None), errors=WRITE)
def revoke_token():
    """Revoke the token this request presents (the user's other tokens stay valid)."""
    auth.revoke_token(bearer_token())
    return "", 204


@bp.get("/me")
@documented("当前用户 / The signed-in user", (200, schemas.MeSchema))
def me():
    warnings = [f"{y} 年工作日历尚未导入，涉及该年的期限无法计算" for y in missing_years()]
    return jsonify(user=schemas.user_out.dump(g.user), warnings=warnings)


@bp.post("/me/password")
@documented("修改自己的密码 / Change one's own password", (204, None), body=schemas.OwnPasswordSchema,
            errors=(422,) + WRITE)
def change_own_password():
    """`{current, new, confirm}` as on the account page (the password policy applies; a wrong
    `current` is throttled like a sign-in). Every web session and token of the user is revoked,
    this token too: sign in again for a new one. 422 naming `current`, `new` or `confirm`."""
    payload = schemas.own_password_request.load(json_body())
    auth.change_password(g.user, "", remote_addr=request.remote_addr, **payload)
    return "", 204


@bp.put("/me/language")
@documented("设置界面语言 / Set one's language", (200, schemas.MeSchema), body=schemas.LanguageSchema,
            errors=(422,) + WRITE)
def set_language():
    """The language of the user's pages, notifications and messages: `{lang}`, one of the
    configured languages (zh_CN, en); 422 naming `lang` otherwise."""
    payload = schemas.language_request.load(json_body())
    auth.set_language(g.user, payload["lang"])
    return me()


@bp.get("/processes")
@documented("可发起的流程及其表单 / Processes the user may start, with their forms", (200, schemas.ProcessListSchema))
def processes():
    """The processes the user may start: `{items: [{key, name, version, form_key, form_version,
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


@bp.post("/cases")
@documented("登记案件 / Register a case", (201, schemas.CaseCreatedSchema), body=schemas.CaseCreateSchema,
            errors=(403, 404, 422) + WRITE)
def create_case():
    payload = schemas.case_create.load(json_body())
    case = cases.register_case(g.user, payload["process"], payload["data"])
    body = schemas.case_out.dump(case)
    body["open_tasks"] = schemas.tasks_out.dump(cases.open_tasks(case))
    return jsonify(body), 201


@bp.get("/cases")
@documented("案件列表 / List cases", (200, schemas.CasePage), query=schemas.CaseQuery, errors=(422,))
def list_cases():
    page, per_page = page_args()
    items, total = cases.list_cases(g.user, status=request.args.get("status"), area=request.args.get("area"),
                                    subject=request.args.get("subject"), q=request.args.get("q"),
                                    page=page, per_page=per_page)
    return jsonify(items=schemas.cases_out.dump(items), total=int(total), total_capped=total.capped, page=page,
                   per_page=per_page)


@bp.get("/cases/<int:case_id>")
@documented("案件详情 / A case with its decisions, notes, timeline, tasks, attachments and documents",
            (200, schemas.CaseDetailSchema), query=schemas.CaseDetailQuery, errors=(422,))
def get_case(case_id: int):
    """The case file: `decisions` (who decided what, when, why, on which basis), internal `notes`,
    the `timeline` and `timeline_groups` (people's steps with the engine steps after them folded
    in), filtered by `?kind=` (human / decision / note / document / system; 422 for others)."""
    case = cases.get_case(g.user, case_id)
    return jsonify(_detail_dict(case, timelines.check_category(request.args.get("kind"))))


@bp.get("/cases/<int:case_id>/notes")
@documented("案件批注列表 / A case's internal notes", (200, schemas.NoteListSchema))
def list_notes(case_id: int):
    return jsonify(items=schemas.notes_out.dump(notes.for_case(cases.get_case(g.user, case_id))))


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
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("缺少文件", {"file": ["请以 multipart/form-data 的 file 字段上传文件"]})
    attachment, = cases.add_attachments(g.user, case_id, [(upload.filename or "", upload.read())])
    return jsonify(schemas.attachment_out.dump(attachment)), 201


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@documented("下载附件 / Download an attachment", (200, "*/*"))
def download_attachment(case_id: int, attachment_id: int):
    """An attachment's bytes with its stored content type, for whoever may see the case; 404
    `not_found` outside the user's scope or for an attachment not of the case."""
    attachment = cases.get_attachment(g.user, case_id, attachment_id)
    return send_file(attachments.path_for(attachment.sha256), mimetype=attachment.content_type,
                     as_attachment=True, download_name=attachment.filename)


@bp.get("/cases/<int:case_id>/documents/<int:document_id>.pdf")
@documented("下载文书 PDF / Download a document's PDF", (200, "application/pdf"), errors=WRITE)
def download_document(case_id: int, document_id: int):
    """An issued document's PDF (`application/pdf`), for whoever may see the case — the same check
    as the web page. 404 `not_found` for a case outside the user's scope or a document not of the
    case; 409 `conflict` while the PDF is still being rendered (retry shortly)."""
    path, name = documents.pdf_file(cases.get_case(g.user, case_id), document_id)
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.get("/cases/<int:case_id>/bundle.zip")
@documented("下载案件卷宗（全部文书与证据材料） / Download the case file: every document and evidence file",
            (200, "application/zip"))
def download_bundle(case_id: int):
    """A zip of every issued document's PDF (current and superseded versions,
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
    page, per_page = page_args()
    items, total = tasks.list_tasks(g.user, request.args.get("scope", "available"), page=page, per_page=per_page)
    return jsonify(items=schemas.tasks_out.dump(items), total=int(total), total_capped=total.capped, page=page,
                   per_page=per_page)


@bp.get("/tasks/<int:task_id>")
@documented("任务详情及表单 / A task with its form", (200, schemas.TaskDetailSchema), errors=(403,))
def get_task(task_id: int):
    task = tasks.get_task(g.user, task_id)
    return jsonify(schemas.task_detail_out.dump(task) | {"case_file": schemas.case_file_out.dump(case_file.for_task(task))})


@bp.post("/tasks/<int:task_id>/claim")
@documented("认领任务 / Claim a task", (200, schemas.TaskSchema), errors=(403,) + WRITE)
def claim_task(task_id: int):
    return jsonify(schemas.task_out.dump(tasks.claim(g.user, task_id)))


@bp.post("/tasks/<int:task_id>/release")
@documented("释放任务 / Release a task", (200, schemas.TaskSchema), errors=(403,) + WRITE)
def release_task(task_id: int):
    return jsonify(schemas.task_out.dump(tasks.release(g.user, task_id)))


@bp.post("/tasks/<int:task_id>/reassign")
@documented("改派任务 / Reassign a task", (200, schemas.TaskSchema), body=schemas.ReassignSchema, errors=(403, 422) + WRITE)
def reassign_task(task_id: int):
    payload = schemas.reassign_request.load(json_body())
    return jsonify(schemas.task_out.dump(tasks.reassign(g.user, task_id, payload["assignee_id"])))


@bp.post("/tasks/<int:task_id>/complete")
@documented("办理任务 / Complete a task", (200, schemas.CompletedSchema), body=schemas.CompleteSchema,
            errors=(403, 422) + WRITE)
def complete_task(task_id: int):
    payload = schemas.complete_request.load(json_body())
    task, case, created = tasks.complete(g.user, task_id, payload["data"])
    return jsonify(task=schemas.task_out.dump(task), case=schemas.case_out.dump(case),
                   next_tasks=schemas.tasks_out.dump(created))
