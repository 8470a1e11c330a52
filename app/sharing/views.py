"""The reconciliation page of the sharing feed (/sharing, admins): counts per platform and status,
the outbox rows with filters and pagination, resend one row or every failed one (with a
confirmation; CSRF; audited). Thin: parse, call the service, show its answer."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.errors import DomainError
from app.core.extensions import db
from app.core.pagination import page_count
from app.core.views import back_with_error, page_arg, role_required, safe_next
from app.sharing import service
from app.sharing.models import KINDS, PLATFORMS, STATUSES

bp = Blueprint("sharing", __name__)
PER_PAGE = 20


def _arg(name: str, allowed: dict) -> str | None:
    value = request.args.get(name, "")
    return value if value in allowed else None


@bp.get("/sharing")
@role_required("admin")
def index():
    status, platform, kind = _arg("status", STATUSES), _arg("platform", PLATFORMS), _arg("kind", KINDS)
    q = request.args.get("q", "").strip()[:100]
    page = page_arg()
    items, total = service.list_events(current_user, status=status, endpoint=platform, kind=kind, q=q,
                                       page=page, per_page=PER_PAGE)
    return render_template("sharing/index.html", items=items, total=total, page=page,
                           pages=page_count(total, PER_PAGE), counts=service.counts(current_user),
                           status=status, platform=platform, kind=kind, q=q,
                           statuses=STATUSES, platforms=PLATFORMS, kinds=KINDS, resendable=service.RESENDABLE)


def _back():
    return redirect(safe_next(request.form.get("next"), url_for("sharing.index")))


@bp.post("/sharing/<int:row_id>/resend")
@role_required("admin")
def resend(row_id: int):
    try:
        row = service.resend(current_user, row_id)
    except DomainError as exc:
        db.session.rollback()
        return back_with_error(exc, url_for("sharing.index"))
    flash(_("已重新排队：事件 %(event)s 将在下次定时任务时发送", event=row.event_id), "success")
    return _back()


@bp.post("/sharing/resend-failed")
@role_required("admin")
def resend_failed():
    try:
        rows = service.resend_failed(current_user, request.form.get("platform") or None)
    except DomainError as exc:
        db.session.rollback()
        return back_with_error(exc, url_for("sharing.index"))
    flash(_("已重新排队 %(n)s 条失败的事件，将在下次定时任务时发送", n=len(rows)), "success")
    return _back()
