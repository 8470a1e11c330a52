"""Deploying process definitions from files (CLI, start-up sync; the designer later)."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from app import engine, forms
from app.org.models import ROLES
from app.transaction import unit_of_work


def deploy_bytes(data: bytes, filename: str, *, author_id: int | None = None, comment: str = ""):
    with unit_of_work():
        version, created = engine.deploy(data, filename, roles=ROLES, forms=forms.form_keys(),
                                         author_id=author_id, comment=comment)
    return version, created


def deploy_path(path: str | Path, **kwargs):
    path = Path(path)
    return deploy_bytes(path.read_bytes(), path.name, **kwargs)


def deploy_workflows_dir() -> list[tuple[str, int, bool]]:
    """Deploy every `workflows/*.bpmn` whose content changed (new version) — idempotent."""
    result = []
    for path in sorted(Path(current_app.config["WORKFLOWS_DIR"]).glob("*.bpmn")):
        version, created = deploy_path(path, comment="workflows/ 目录同步")
        result.append((version.definition.key, version.version, created))
    return result
