"""API: the designer's work (流程设计) with a bearer token — checks and deployment, drafts, the
versions of a process, instance migration, the form editor and process tests — through the same
services as the web modeler and pages (app/designer/service.py). Designers only (403 for others)."""
from __future__ import annotations

import json

from flask import Response, g, jsonify

from app import forms
from app.api import bp, json_body, schemas
from app.api.openapi import WRITE, documented
from app.designer import service
from app.core.errors import Forbidden

DESIGN_WRITE = (403, 422) + WRITE


def _require_designer() -> None:
    if not g.user.has_role("designer"):
        raise Forbidden("只有流程设计员可以使用流程设计功能")


@bp.post("/designer/validate")
@documented("校验流程定义 / Validate a BPMN process", (200, schemas.ValidationResultSchema),
            body=schemas.ValidateRequestSchema, errors=(403,))
def validate_process():
    """按部署的检查校验 BPMN 文档，但不部署；总是 200 `{ok, problems}`。仅流程设计员（403）。

    Check a BPMN document as deployment would, without deploying. Body `{"xml": "<bpmn…>"}`;
    answers `{ok, problems: [{element_id, element_name, message}]}` (200 either way). Designers
    only (403); 422 naming `xml` when it is missing."""
    _require_designer()
    payload = schemas.validate_request.load(json_body())
    problems = service.validate(payload["xml"].encode("utf-8"))
    return jsonify(ok=not problems, problems=service.problem_dicts(problems))


@bp.post("/designer/deploy")
@documented("部署流程 / Deploy a BPMN process", (201, schemas.DeployedSchema), body=schemas.DeployRequestSchema,
            errors=DESIGN_WRITE)
def deploy_process():
    """Deploy a BPMN document as the newest version of its process (the process id in the file is
    the key); its draft is discarded. Body `{"xml": "<bpmn…>", "comment": "版本说明"}`; 201 `{key,
    version, summary}`. Designers only (403); 422 naming a missing field, `validation_failed`
    naming `comment` (empty) or `bpmn` (unsafe XML, unchanged content), or `process_error` with
    every problem in `fields.bpmn`."""
    _require_designer()
    payload = schemas.deploy_request.load(json_body())
    version = service.deploy(g.user, payload["xml"].encode("utf-8"), payload["comment"])
    return jsonify(key=version.definition.key, version=version.version,
                   summary=json.loads(version.change_summary_json)), 201


@bp.post("/designer/compile")
@documented("检查表达式或脚本 / Check an expression or script", (200, schemas.CompileResultSchema),
            body=schemas.CompileRequestSchema, errors=(403,))
def compile_source():
    """建模器在设计员输入时检查：`source` 能否作为条件表达式或脚本在沙箱中编译；总是 200 `{ok, message}`。

    What the modeler asks as a designer types: does `source` compile in the sandbox as a
    condition `expression` or a `script`? `{ok, message}` (200 either way)."""
    _require_designer()
    payload = schemas.compile_request.load(json_body())
    ok, message = service.compile_source(payload["source"], payload["mode"])
    return jsonify(ok=ok, message=message)


# ---------------------------------------------------------------- drafts

@bp.get("/designer/drafts")
@documented("草稿列表 / List drafts", (200, schemas.DraftListSchema), errors=(403,))
def list_drafts():
    """所有已保存的草稿。

    Every saved draft: `{items: [{key, updated_at, updated_by}]}`."""
    _require_designer()
    return jsonify(items=schemas.drafts_out.dump(service.drafts()))


@bp.post("/designer/drafts")
@documented("保存草稿（新流程或导入的文件） / Save a draft of any process", (200, schemas.DraftSchema),
            body=schemas.DraftRequestSchema, errors=DESIGN_WRITE)
def save_new_draft():
    """将 BPMN 文档保存为其所含流程的草稿（新流程或导入的文件）：检查 XML 安全、格式正确、只有一个流程、
    流程 id 合法（与部署同一检查）；否则 422 指明 `bpmn`。

    Save a BPMN document as the draft of the process it contains (a new process, or an
    uploaded `.bpmn` file): checked for safe, well-formed XML with one process, not for
    deployability. 422 naming `bpmn` otherwise."""
    _require_designer()
    payload = schemas.draft_request.load(json_body())
    return jsonify(schemas.draft_out.dump(service.save_draft(g.user, None, payload["xml"].encode("utf-8"))))


@bp.get("/designer/drafts/<key>")
@documented("草稿内容 / A draft with its XML", (200, schemas.DraftDetailSchema), errors=(403,))
def get_draft(key: str):
    """流程 `key` 的草稿及其 XML；没有草稿时 404。

    The draft of process `key` with its XML; 404 without a draft."""
    _require_designer()
    return jsonify(schemas.draft_detail_out.dump(service.get_draft(key)))


@bp.put("/designer/drafts/<key>")
@documented("保存草稿 / Save the draft of a process", (200, schemas.DraftSchema), body=schemas.DraftRequestSchema,
            errors=DESIGN_WRITE)
def save_draft(key: str):
    """保存流程 `key` 的草稿（建模器自动保存）；XML 不安全、格式错误或流程 id 不是 `key` 时 422
    指明 `bpmn`。

    Save work in progress on process `key` (the modeler's autosave); 422 naming `bpmn` when
    the XML is unsafe or malformed, or its process id is not `key`."""
    _require_designer()
    payload = schemas.draft_request.load(json_body())
    return jsonify(schemas.draft_out.dump(service.save_draft(g.user, key, payload["xml"].encode("utf-8"))))


@bp.delete("/designer/drafts/<key>")
@documented("删除草稿 / Discard a draft", (204, None), errors=(403,) + WRITE)
def delete_draft(key: str):
    """删除流程 `key` 的草稿，已部署的版本保留；没有草稿时 404。

    Discard the draft of process `key`; its deployed versions stay. 404 without a draft."""
    _require_designer()
    service.delete_draft(key)
    return "", 204


# ---------------------------------------------------------------- versions and migration

@bp.get("/designer/processes/<key>/versions/<int:number>.bpmn")
@documented("下载已部署版本的 BPMN / Download a deployed version's BPMN", (200, "application/xml"), errors=(403,))
def download_version(key: str, number: int):
    """流程 `key` 第 `number` 版部署时的 BPMN XML（与网页 /designer/<key>/versions/<n>.bpmn 相同）；流程或版本不存在时 404。

    The BPMN XML of version `number` of process `key` as deployed (what the web's
    /designer/<key>/versions/<n>.bpmn downloads). Designers only (403); 404 for an unknown process
    or version."""
    _require_designer()
    return Response(service.xml_for(key, str(number)), mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={key}-v{number}.bpmn"})


@bp.get("/designer/processes/<key>")
@documented("流程的版本 / A process with its versions", (200, schemas.ProcessVersionsSchema), errors=(403,))
def process_versions(key: str):
    """流程的各版本（新的在前）：部署人、说明、运行中和全部案件数、变更摘要。

    The versions of a process, newest first, each with who deployed it, its note, its running
    and total cases and its change summary — the numbers migration takes."""
    _require_designer()
    definition = service.get_definition(key)
    return jsonify(key=definition.key, name=definition.name,
                   versions=schemas.versions_out.dump(service.versions(definition)))


@bp.post("/designer/processes/<key>/migration-plan")
@documented("迁移试运行 / Dry run of an instance migration", (200, schemas.MigrationPlanSchema),
            body=schemas.MigrationRequestSchema, errors=(403,))
def migration_plan(key: str):
    """试运行迁移：哪些运行中的案件能从 `source` 迁到 `target`，不能的原因；不做任何修改。

    Which running cases of version `source` can move to version `target` (every waiting step
    must exist in the target) and why not; nothing changes. 404 for an unknown process or version."""
    _require_designer()
    payload = schemas.migration_request.load(json_body())
    plan = service.migration_plan(key, payload["source"], payload["target"])
    return jsonify(items=schemas.migration_items_out.dump(
        [{"case_id": case.id, "case_number": case.number, "possible": step.possible, "waiting": step.waiting,
          "waiting_names": step.waiting_names, "added": step.added, "reasons": step.reasons} for case, step in plan]))


@bp.post("/designer/processes/<key>/migrate")
@documented("迁移运行中的案件 / Migrate running cases", (200, schemas.MigratedSchema),
            body=schemas.MigrationRequestSchema, errors=(403,) + WRITE)
def migrate_instances(key: str):
    """将 `source` 版本中可迁移的运行中案件迁到 `target` 版本（一个事务）。

    Move every movable running case of version `source` to version `target` in one
    transaction, each with a timeline entry: `{moved: [case numbers], refused: [case numbers]}`."""
    _require_designer()
    payload = schemas.migration_request.load(json_body())
    moved, refused = service.migrate(g.user, key, payload["source"], payload["target"])
    return jsonify(moved=moved, refused=refused)


@bp.post("/designer/processes/<key>/tests")
@documented("运行流程测试 / Run a process's tests", (200, schemas.TestRunSchema), errors=(403, 422))
def run_process_tests(key: str):
    """运行 workflows/tests/<key>.json 中的流程测试（每个用例在回滚的事务中）。

    Run workflows/tests/<key>.json (each case in a transaction that is rolled back):
    `{passed, items: [{name, passed, failures, steps_run, duration_ms}]}`; `items` is empty for a
    process without tests."""
    _require_designer()
    results = service.run_process_tests(key) or []
    return jsonify(passed=all(r.passed for r in results), items=schemas.test_results_out.dump(results))


# ---------------------------------------------------------------- forms

@bp.get("/designer/forms")
@documented("表单列表 / List forms", (200, schemas.FormListSchema), errors=(403,))
def list_forms():
    """每个表单的最新版本：`{items: [{key, version, title}]}`。

    Every form with its newest version: `{items: [{key, version, title}]}`."""
    _require_designer()
    return jsonify(items=schemas.forms_out.dump(service.form_overview()))


@bp.get("/designer/forms/<key>")
@documented("表单定义 / A form's newest schema", (200, schemas.FormDetailSchema), errors=(403,))
def get_form(key: str):
    """表单 `key` 的最新定义（JSON Schema）及其版本；不存在时 404。

    Form `key`'s newest schema (JSON Schema) and version; 404 for an unknown form."""
    _require_designer()
    schema = forms.load_form(key)
    return jsonify(key=key, version=forms.latest_versions([key])[key], schema=schema)


@bp.put("/designer/forms/<key>")
@documented("保存表单 / Save a form as its next version", (200, schemas.FormSavedSchema),
            body=schemas.FormSaveRequestSchema, errors=DESIGN_WRITE)
def save_form(key: str):
    """将 `{schema, comment}` 保存为表单 `key` 的下一版本；运行中的案件保留原版本。422 逐项指明 `schema`
     或 `key`。

    Save `{schema, comment}` as the next version of form `key` (a new key creates the form);
    running cases keep the version they were deployed with. `changed: false` when the schema is
    the newest version already. 422 naming `schema` with each problem, or `key`."""
    _require_designer()
    payload = schemas.form_save_request.load(json_body())
    row = service.save_form_schema(g.user, key, payload["schema"], payload["comment"])
    return jsonify(key=key, version=row.version if row else forms.latest_versions([key])[key], changed=row is not None)


@bp.post("/designer/forms/check")
@documented("检查表单定义 / Check a form schema", (200, schemas.FormCheckSchema), body=schemas.FormCheckRequestSchema,
            errors=(403,))
def check_form():
    """检查表单定义，如编辑器预览所列问题；总是 200 `{ok, problems}`。

    The problems of a form schema, as the editor's preview lists them: `{ok, problems}` (200
    either way)."""
    _require_designer()
    payload = schemas.form_check_request.load(json_body())
    problems = forms.schema_problems(payload["schema"])
    return jsonify(ok=not problems, problems=problems)
