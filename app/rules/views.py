"""Rules pages (决策规则): the list of decision tables, a table's version history with the approver's
publication form, and the dmn-js editor with the JSON endpoints it calls (save the draft, check it,
compare it with the version in force, run its decision tests). Designers and rule approvers see
them; designers save drafts, approvers publish (403 otherwise). Thin: app/rules/service.py and
app/rules/editing.py do the work."""
from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.clock import clock
from app.core.errors import DomainError, ValidationFailed
from app.core.inputs import parse_int
from app.rules import editing, service
from app.rules.models import DRAFT
from app.core.views import role_required, select_locale

bp = Blueprint("rules", __name__, url_prefix="/rules")
rule_pages = role_required(service.DESIGNER, service.APPROVER)
designer_only = role_required(service.DESIGNER)
approver_only = role_required(service.APPROVER)


def _error(exc: DomainError, problems: list[dict] | None = None):
    body = {"ok": False, "error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
    if problems is not None:
        body["problems"] = problems
    return jsonify(body), exc.status


@bp.get("")
@rule_pages
def index():
    return render_template("rules/index.html", items=service.list_decisions(), today=clock.today())


def _history(key: str, *, form: dict | None = None, errors: dict | None = None, status: int = 200):
    versions = service.versions(key)
    in_force = editing.in_force_today(key)
    today = clock.today()
    drafts = {v.id: service.change_summary(v.id) for v in versions if v.status == DRAFT}
    # The approver decides with the decision tests' verdict on the draft in front of them.
    tests = {v.id: service.run_decision_tests(key, xml=v.xml) for v in versions if v.status == DRAFT}
    return render_template("rules/history.html", key=key, name=versions[0].definition.name, versions=versions,
                           states={v.id: editing.version_state(v, in_force, today) for v in versions},
                           summaries=drafts, tests=tests, today=today,
                           can_publish=current_user.has_role(service.APPROVER),
                           can_edit=current_user.has_role(service.DESIGNER),
                           form=form or {}, errors=errors or {}), status


@bp.get("/<key>")
@rule_pages
def history(key: str):
    return _history(key)


@bp.get("/<key>/edit")
@rule_pages
def editor(key: str):
    number = parse_int(request.args.get("version"), "version", minimum=1)
    version = editing.editable_version(key, number)
    can_save = current_user.has_role(service.DESIGNER)
    config = {
        "key": key, "title": version.definition.name,
        "xmlUrl": url_for("rules.download", key=key, number=version.version),
        "validateUrl": url_for("rules.validate"),
        "summaryUrl": url_for("rules.change_summary", key=key),
        "testsUrl": url_for("rules.run_tests", key=key),
        "locale": select_locale(),
    }
    if can_save:
        config["draftUrl"] = url_for("rules.save_draft", key=key)
    return render_template("rules/editor.html", decision=version.definition, version=version, config=config,
                           can_save=can_save)


@bp.get("/<key>/versions/<int:number>.dmn")
@rule_pages
def download(key: str, number: int):
    version = editing.version_of(key, number)
    return Response(version.xml, mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={key}-v{number}.dmn"})


@bp.put("/api/<key>/draft")
@designer_only
def save_draft(key: str):
    xml = request.get_data()
    try:
        version = service.save_draft(current_user, key, xml, comment=request.args.get("comment", ""))
    except ValidationFailed as exc:
        return _error(exc, editing.draft_problems(exc, xml))
    except DomainError as exc:
        return _error(exc)
    return jsonify(ok=True, key=key, version=version.version,
                   editUrl=url_for("rules.editor", key=key, version=version.version))


@bp.post("/api/validate")
@rule_pages
def validate():
    problems = editing.problem_dicts(service.validate(request.get_data()))
    return jsonify(ok=not problems, problems=problems)


@bp.post("/api/<key>/summary")
@rule_pages
def change_summary(key: str):
    xml = request.get_data(as_text=True)
    try:
        summary = service.change_summary(key=key, xml=xml)
    except ValidationFailed as exc:
        return _error(exc, editing.problem_dicts(service.validate(xml)))
    except DomainError as exc:
        return _error(exc)
    return jsonify(ok=True, **summary)


@bp.post("/api/<key>/tests")
@rule_pages
def run_tests(key: str):
    xml = request.get_data(as_text=True)
    try:
        results = service.run_decision_tests(key, xml=xml)
    except ValidationFailed as exc:
        return _error(exc, editing.problem_dicts(service.validate(xml)))
    except DomainError as exc:
        return _error(exc)
    return jsonify(ok=True, passed=all(r.passed for r in results), items=[editing.decision_test_dict(r) for r in results])


@bp.post("/<key>/versions/<int:number>/publish")
@approver_only
def publish(key: str, number: int):
    version = editing.version_of(key, number)
    form = {"number": number, "effective_from": request.form.get("effective_from", ""), "note": request.form.get("note", "")}
    try:
        values = editing.publish_form(form["effective_from"], form["note"])
        service.publish(current_user, version.id, effective_from=values.effective_from, note=values.note)
    except DomainError as exc:
        if not exc.fields:
            flash(exc.message, "danger")
        return _history(key, form=form, errors=exc.fields, status=exc.status)
    flash(_("已发布第 %(n)s 版，%(date)s 起施行", n=number, date=values.effective_from.isoformat()), "success")
    return redirect(url_for("rules.history", key=key))
