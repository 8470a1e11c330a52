"""Documents on the case page, the case file as one zip, and the public verification page (no login)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.cases.service import get_case
from app.documents import bundle, service
from app.core.errors import DomainError, NotFound
from app.core.views import back_with_error, role_required, send_download

bp = Blueprint("documents", __name__)


@bp.get("/cases/<int:case_id>/documents/<int:document_id>.pdf")
@login_required
def download(case_id: int, document_id: int):
    path, name, fallback = service.pdf_file(get_case(current_user, case_id), document_id)
    return send_download(path, name, fallback, mimetype="application/pdf", as_attachment=False)


@bp.get("/cases/<int:case_id>/bundle.zip")
@login_required
def case_bundle(case_id: int):
    """Every document PDF and evidence file of the case with a manifest, as one zip (documents/bundle.py)."""
    case = get_case(current_user, case_id)
    return send_file(bundle.write_zip(case), mimetype="application/zip", as_attachment=True,
                     download_name=bundle.download_name(case))


@bp.post("/cases/<int:case_id>/documents/report")
@role_required(*service.ISSUING_ROLES)
def report(case_id: int):
    case = get_case(current_user, case_id)
    document = service.issue_report(current_user, case)
    flash(_("已生成案件办理情况报告 %(number)s", number=document.number), "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#documents")


@bp.post("/cases/<int:case_id>/documents/<int:document_id>/correct")
@role_required(*service.ISSUING_ROLES)
def correct(case_id: int, document_id: int):
    case = get_case(current_user, case_id)
    try:
        document = service.correct_in_case(current_user, case, document_id, request.form.get("reason", ""))
    except NotFound:
        raise  # a document not of the case: the 404 page, not a message on the case page
    except DomainError as exc:
        return back_with_error(exc, url_for("cases.show", case_id=case.id))
    flash(_("已出具更正版本：%(number)s 第 %(v)s 版", number=document.number, v=document.version), "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#documents")


@bp.get("/verify")
@bp.get("/verify/<code>")
def verify(code: str | None = None):
    code = code or request.args.get("code", "")
    document = service.verify(code) if code else None
    status = 200 if document or not code else 404
    current = service.current_version(document) if document else None
    return render_template("documents/verify.html", code=code, document=document,
                           current=current if current is not None and current.id != document.id else None), status
