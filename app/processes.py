"""Deploying process definitions from files (CLI, start-up sync; the designer later)."""
from __future__ import annotations

import json
from pathlib import Path

from flask import current_app

from app import engine, forms
from app.audit import service as audit
from app.core.extensions import db
from app.org.models import ROLES, User
from app.core.transaction import unit_of_work
from app.rules.service import deploy_rules_dir


def deploy_bytes(data: bytes, filename: str, *, author_id: int | None = None, comment: str = ""):
    """Validate and deploy (one transaction). The new version records the form versions it uses
    and what changed against the previous version."""
    with unit_of_work():
        forms.sync_form_files()
        version, created = engine.deploy(data, filename, roles=ROLES, forms=forms.form_keys(),
                                         author_id=author_id, comment=comment)
        if created:
            meta = json.loads(version.task_meta_json)
            used = {t["form"] for t in meta["tasks"].values() if t.get("form")} | ({meta["start_form"]} - {None})
            version.forms_json = json.dumps(forms.latest_versions(used), ensure_ascii=False)
            previous = engine.previous_version(version)
            version.change_summary_json = json.dumps(
                engine.change_summary(previous.bpmn_xml if previous else None, version.bpmn_xml), ensure_ascii=False)
            author = db.session.get(User, author_id) if author_id else None
            audit.record(author, "process.deployed", f"部署流程 {version.definition.name}（{version.definition.key}）第 {version.version} 版"
                         + (f"：{comment}" if comment else ""), {"process": version.definition.key, "version": version.version})
    return version, created


def deploy_path(path: str | Path, **kwargs):
    path = Path(path)
    return deploy_bytes(path.read_bytes(), path.name, **kwargs)


def deploy_workflows_dir() -> list[tuple[str, int, bool]]:
    """Deploy every `workflows/rules/*.dmn` and then every `workflows/*.bpmn` whose content changed
    (new version) — idempotent. Tables first: a business rule task names a deployed decision."""
    result = [(f"rules/{key}", number, created) for key, number, created in deploy_rules_dir()]
    for path in sorted(Path(current_app.config["WORKFLOWS_DIR"]).glob("*.bpmn")):
        version, created = deploy_path(path, comment="workflows/ 目录同步")
        result.append((version.definition.key, version.version, created))
    return result
