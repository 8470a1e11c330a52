"""Notification centre pages: the list, mark one / all as read, and the unread count in the header.
A user only ever sees their own notifications (someone else's id is a 404)."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.notifications import service
from app.notifications.models import NOTIFICATION_KINDS
from app.org.models import MAIL_PREFERENCES
from app.core.pagination import page_count
from app.core.views import page_arg, safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 20
log = logging.getLogger(__name__)


@bp.app_context_processor
def notification_counts():
    """`notification_unread` for the bell in the header (only for logged-in users)."""
    if not current_user.is_authenticated:
        return {}
    try:
        return {"notification_unread": service.unread_count(current_user)}
    except SQLAlchemyError:  # e.g. rendering the error page of a failed transaction: no badge then
        log.warning("unread notification count unavailable", exc_info=True)
        return {"notification_unread": None}


def link_for(note) -> str | None:
    if note.task_id is not None:
        return url_for("tasks.show", task_id=note.task_id)
    if note.case_id is not None:
        return url_for("cases.show", case_id=note.case_id)
    return None


@bp.get("")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    page = page_arg()
    items, total = service.list_for(current_user, page=page, per_page=PER_PAGE, unread_only=unread_only)
    return render_template("notifications/index.html", items=items, total=total, page=page,
                           pages=page_count(total, PER_PAGE), unread_only=unread_only,
                           KINDS=NOTIFICATION_KINDS, link_for=link_for)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark as read, then open the linked task or case — or go back to `next` when given
    (the "mark as read" button of the list; htmx swaps the row from that page)."""
    note = service.mark_read(current_user, notification_id)
    default = url_for("notifications.index")
    if request.form.get("next"):
        return redirect(safe_next(request.form.get("next"), default))
    return redirect(link_for(note) or default)


@bp.post("/read-all")
@login_required
def read_all():
    count = service.mark_all_read(current_user)
    if count:
        flash(_("已将 %(n)s 条通知标为已读", n=count), "success")
    return redirect(safe_next(request.form.get("next"), url_for("notifications.index")))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """The user's own choice: in-app only, an e-mail for each notification, or a daily digest."""
    errors: dict[str, list[str]] = {}
    chosen = current_user.mail_preference if current_user.email else "in_app"
    if request.method == "POST":
        chosen = request.form.get("mail_preference", "")
        try:
            service.set_mail_preference(current_user, chosen)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            flash(_("已保存通知方式：%(choice)s", choice=_(MAIL_PREFERENCES[chosen])), "success")
            return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", PREFERENCES=MAIL_PREFERENCES, chosen=chosen,
                           errors=errors), (422 if errors else 200)
