"""API: process deployment for designers — the checks and the deployment of the web modeler
(app/designer/service.py), with a bearer token."""
from __future__ import annotations

import json

from flask import g, jsonify

from app.api import bp, json_body, schemas
from app.api.openapi import WRITE, documented
from app.designer import service
from app.errors import Forbidden


def _require_designer() -> None:
    if not g.user.has_role("designer"):
        raise Forbidden("只有流程设计员可以校验和部署流程")


@bp.post("/designer/validate")
@documented("校验流程定义 / Validate a BPMN process", (200, schemas.ValidationResultSchema),
            body=schemas.ValidateRequestSchema, errors=(403,))
def validate_process():
    """Check a BPMN document as deployment would, without deploying. Body `{"xml": "<bpmn…>"}`;
    answers `{ok, problems: [{element_id, element_name, message}]}` (200 either way). Designers
    only (403); 400 naming `xml` when it is missing."""
    _require_designer()
    payload = schemas.validate_request.load(json_body())
    problems = service.validate(payload["xml"].encode("utf-8"))
    return jsonify(ok=not problems, problems=service.problem_dicts(problems))


@bp.post("/designer/deploy")
@documented("部署流程 / Deploy a BPMN process", (201, schemas.DeployedSchema), body=schemas.DeployRequestSchema,
            errors=(403, 422) + WRITE)
def deploy_process():
    """Deploy a BPMN document as the newest version of its process (the process id in the file is
    the key). Body `{"xml": "<bpmn…>", "comment": "版本说明"}`; 201 `{key, version, summary}`.
    Designers only (403); 400 naming a missing field; 422 `validation_failed` naming `comment`
    (empty) or `bpmn` (unsafe XML, unchanged content), or `process_error` with every problem in
    `fields.bpmn`."""
    _require_designer()
    payload = schemas.deploy_request.load(json_body())
    version = service.deploy(g.user, payload["xml"].encode("utf-8"), payload["comment"])
    return jsonify(key=version.definition.key, version=version.version,
                   summary=json.loads(version.change_summary_json)), 201
