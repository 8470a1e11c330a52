"""Designer pages and the JSON endpoints the modeler calls. Thin: services do the work."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import engine, forms
from app.designer import service
from app.designer.process_tests import load_tests
from app.engine.helpers import HELPER_LABELS
from app.core.errors import DomainError, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.inputs import json_object, parse_int
from app.org.models import ROLES
from app.org.service import form_sources
from app.core.views import role_required, select_locale

bp = Blueprint("designer", __name__, url_prefix="/designer")
designer_only = role_required("designer")


def _error(exc: DomainError):
    return jsonify(ok=False, error={"code": exc.code, "message": exc.message, "fields": exc.fields}), exc.status


@bp.get("")
@designer_only
def index():
    items = [(d, service.versions(d), service.draft(d.key)) for d in service.definitions()]
    return render_template("designer/index.html", items=items)


@bp.get("/<key>")
@designer_only
def versions(key: str):
    definition = service.get_definition(key)
    return render_template("designer/versions.html", definition=definition, versions=service.versions(definition),
                           draft=service.draft(key), tests=load_tests(key))


def _modeler(key: str | None, title: str):
    definition = db.session.scalar(db.select(engine.ProcessDefinition).where(engine.ProcessDefinition.key == key)) if key else None
    config = {
        "processKey": key, "title": title,
        "xmlUrl": url_for("designer.xml", key=key or "new_process"),
        "draftUrl": url_for("designer.save_draft", key=key) if key else url_for("designer.save_new_draft"),
        "validateUrl": url_for("designer.validate"), "compileUrl": url_for("designer.compile_source"),
        "deployUrl": url_for("designer.deploy"),
        "versionsUrl": url_for("designer.versions", key=key) if definition else url_for("designer.index"),
        "roles": [{"code": code, "label": _(label)} for code, label in ROLES.items()],
        "forms": [{"key": f["key"], "title": f["title"]} for f in service.form_overview()],
        "actions": [{"name": a.name, "label": _(a.label), "params": list(a.params)} for a in engine.ACTIONS.values()],
        "helpers": [{"name": name, "label": _(HELPER_LABELS[name]) if name in HELPER_LABELS else ""}
                    for name in engine.HELPERS],
        # what the engine refuses, for the modeler's lint (frontend/designer/lint.js applies the placements)
        "refused": [row.as_config(_) for row in engine.REFUSED],
        "locale": select_locale(),  # the modeler's own texts (frontend/designer/translations.js)
    }
    return render_template("designer/modeler.html", definition=definition, config=config)


@bp.get("/<key>/modeler")
@designer_only
def modeler(key: str):
    return _modeler(key, service.get_definition(key).name)


@bp.get("/new")
@designer_only
def new():
    """A new process: blank, or (`?draft=<key>`) a process imported as a draft and not deployed yet."""
    key = request.args.get("draft")
    if key and service.draft(key) is not None:
        return _modeler(key, key)
    return _modeler(None, _("新流程"))


@bp.get("/api/<key>/xml")
@designer_only
def xml(key: str):
    return Response(service.xml_for(key, request.args.get("source", "draft")), mimetype="application/xml")


@bp.put("/api/<key>/draft")
@designer_only
def save_draft(key: str):
    try:
        row = service.save_draft(current_user, key, request.get_data())
    except DomainError as exc:
        return _error(exc)
    return jsonify(ok=True, key=row.key, saved_at=row.updated_at.isoformat())


@bp.put("/api/draft")
@designer_only
def save_new_draft():
    try:
        row = service.save_draft(current_user, None, request.get_data())
    except DomainError as exc:
        return _error(exc)
    return jsonify(ok=True, key=row.key, saved_at=row.updated_at.isoformat(),
                   modelerUrl=url_for("designer.modeler", key=row.key) if engine.latest_version(row.key) else None)


@bp.post("/api/validate")
@designer_only
def validate():
    problems = service.validate(request.get_data())
    return jsonify(ok=not problems, problems=service.problem_dicts(problems))


@bp.post("/api/compile")
@designer_only
def compile_source():
    try:
        body = json_object()
    except DomainError as exc:
        return _error(exc)
    source, mode = body.get("source"), body.get("mode", "expression")
    if not isinstance(source, str) or mode not in ("expression", "script"):
        return jsonify(ok=False, message=_("需要 source（文本）和 mode（expression 或 script）")), 400
    ok, message = service.compile_source(source, mode)
    return jsonify(ok=ok, message=message)


@bp.post("/api/deploy")
@designer_only
def deploy():
    try:
        body = json_object()
    except DomainError as exc:
        return _error(exc)
    if not isinstance(body.get("xml"), str):
        return jsonify(ok=False, error={"message": _("缺少 xml")}), 400
    try:
        version = service.deploy(current_user, body["xml"].encode("utf-8"), str(body.get("comment", "")))
    except engine.DeployRefused as exc:
        return jsonify(ok=False, problems=service.problem_dicts(exc.problems)), 422
    except DomainError as exc:
        return _error(exc)
    return jsonify(ok=True, version=version.version, summary=json.loads(version.change_summary_json),
                   versionsUrl=url_for("designer.versions", key=version.definition.key))


@bp.post("/upload")
@designer_only
def upload():
    file = request.files.get("file")
    if file is None or not file.filename.lower().endswith(".bpmn"):
        flash(_("请选择 .bpmn 文件"), "warning")
        return redirect(url_for("designer.index"))
    try:
        row = service.save_draft(current_user, None, file.read())
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("designer.index"))
    flash(_("已作为草稿导入：%(key)s", key=row.key), "success")
    if engine.latest_version(row.key):
        return redirect(url_for("designer.modeler", key=row.key))
    return redirect(url_for("designer.new") + f"?draft={row.key}")


@bp.get("/<key>/versions/<int:number>.bpmn")
@designer_only
def download(key: str, number: int):
    return Response(service.xml_for(key, str(number)), mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={key}-v{number}.bpmn"})


@bp.post("/<key>/migrate")
@designer_only
def migrate(key: str):
    try:
        source, target = parse_int(request.form.get("source"), "source"), parse_int(request.form.get("target"), "target")
    except DomainError:
        source = target = None
    if source is None or target is None:
        flash(_("请选择源版本和目标版本"), "warning")
        return redirect(url_for("designer.versions", key=key))
    if request.form.get("confirm") == "1":
        moved, refused = service.migrate(current_user, key, source, target)
        flash(_("已迁移 %(n)s 件案件到第 %(v)s 版；%(m)s 件不能迁移", n=len(moved), v=target, m=len(refused)), "success")
        return redirect(url_for("designer.versions", key=key))
    plan = service.migration_plan(key, source, target)
    return render_template("designer/migration.html", definition=service.get_definition(key), plan=plan,
                           source=source, target=target)


@bp.post("/<key>/tests")
@designer_only
def run_tests(key: str):
    try:
        results = service.run_process_tests(key)
    except NotFound:
        raise
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("designer.versions", key=key))
    return render_template("designer/test_results.html", definition=service.get_definition(key),
                           results=results or [])


@bp.get("/forms")
@designer_only
def form_list():
    return render_template("designer/forms.html", items=service.form_overview())


@bp.route("/forms/<key>", methods=["GET", "POST"])
@designer_only
def form_editor(key: str):
    status, errors = 200, []
    if request.method == "POST":
        text = request.form.get("schema", "")
        try:
            row = service.save_form(current_user, key, text, request.form.get("comment", ""))
        except ValidationFailed as exc:
            errors, status = exc.fields.get("schema", [exc.message]), 422
        else:
            flash(_("已保存表单 %(key)s 第 %(n)s 版", key=key, n=row.version) if row else _("内容没有变化"), "success")
            return redirect(url_for("designer.form_editor", key=key))
    else:
        try:
            text = json.dumps(forms.load_form(key), ensure_ascii=False, indent=2)
        except DomainError:
            text = json.dumps({"title": "", "type": "object", "properties": {}, "required": []}, ensure_ascii=False, indent=2)
    versions = forms.latest_versions([key]).get(key)
    return render_template("designer/form_editor.html", key=key, text=text, errors=errors, version=versions), status


@bp.post("/api/forms/preview")
@designer_only
def form_preview():
    """The form rendered exactly as the task page renders it (same macro), or its problems."""
    try:
        schema = service.parse_schema(request.form.get("schema", ""))
    except ValidationFailed as exc:
        return render_template("designer/_form_preview.html", problems=exc.fields["schema"]), 422
    problems = forms.schema_problems(schema)
    return render_template("designer/_form_preview.html", problems=problems, schema=schema,
                           sources=form_sources()), (422 if problems else 200)
