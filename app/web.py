"""The server-rendered site as a whole (top floor): language, login and session timeout, security
headers, error pages, template globals and filters. The helpers each view uses are in
`app.core.views`. Views stay thin; they call the same services as the API."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from app import forms
from app.api import error_response, http_error_response
from app.calendar.service import missing_years
from app.cases import attachments
from app.cases.models import CASE_RELATIONS, CASE_STATUSES, KEY_AREAS, PUNISHMENT_LEVELS, SOURCE_TYPES, TIERS
from app.core.clock import LOCAL_TZ, clock
from app.core.errors import Busy, DomainError
from app.core.extensions import babel, db, login_manager
from app.core.i18n import tr
from app.core.security import init_security_headers
from app.core.transaction import too_long
from app.core.views import file_size, local_dt, select_locale
from app.engine.models import ACTIVE_STATUSES
from app.org.models import ROLES
from app.tasks.models import TASK_HOLDS
from app.tasks.routing import CASE_ROLES

log = logging.getLogger(__name__)

STATUS_STYLES = {
    "draft": "secondary", "in_review": "info", "returned": "warning", "notified": "primary",
    "under_objection": "warning", "confirmed": "dark", "published": "danger", "repaired": "success",
    "revoked": "success", "exempted": "success", "expired": "secondary",
    "warning_issued": "warning", "explaining": "primary", "planning": "primary", "tracking": "info",
    "verifying": "info", "escalation_pending": "warning", "closed": "success", "escalated": "danger",
    "cancelled": "secondary",
}


def deadline_day(due: datetime | None) -> str:
    """A deadline falls due when its last day ends (00:00 of the next day): show that last day."""
    return (due - timedelta(seconds=1)).astimezone(LOCAL_TZ).date().isoformat() if due else ""


def due_state(due: datetime | None) -> str:
    """'overdue', 'soon' (within 2 days) or ''."""
    if due is None:
        return ""
    now = clock.now()
    if due <= now:
        return "overdue"
    return "soon" if due - now <= timedelta(days=2) else ""


def init_web(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    init_security_headers(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("请先登录")
    login_manager.login_message_category = "warning"

    @app.before_request
    def keep_session_alive():
        # expires PERMANENT_SESSION_LIFETIME after the last request. Only a session that holds
        # something (a login, a form's CSRF token, a language) is kept: an anonymous request for a
        # static file, /healthz or the bearer-token API gets no cookie to sign, send and cache.
        if session and request.blueprint != "api" and not request.path.startswith("/api/"):
            session.permanent = True

    @app.context_processor
    def template_helpers():
        warnings = []
        does_casework = current_user.is_authenticated and any(r in CASE_ROLES for r in current_user.roles)
        if does_casework or (current_user.is_authenticated and current_user.has_role("admin")):
            warnings = [_("%(year)s 年工作日历尚未导入，涉及该年的期限无法计算，请管理员导入。", year=y)
                        for y in missing_years()]
        return {"dev_clock": clock.development_status(app.config["DEV_CLOCK"]), "ROLES": ROLES, "RECORD_STATUSES": CASE_STATUSES, "STATUS_STYLES": STATUS_STYLES,
                "SOURCE_TYPES": SOURCE_TYPES, "PUNISHMENT_LEVELS": PUNISHMENT_LEVELS, "TIERS": TIERS, "CASE_RELATIONS": CASE_RELATIONS, "TASK_HOLDS": TASK_HOLDS, "ACTIVE_STATUSES": ACTIVE_STATUSES, "KEY_AREAS": KEY_AREAS,
                "calendar_warnings": warnings, "does_casework": does_casework, "url_with": url_with, "LANGUAGES": app.config["LANGUAGES"], "current_locale": select_locale()}

    app.jinja_env.globals["tr"] = tr  # data in the user's language, escaped like any value
    app.jinja_env.globals["date_input_bounds"] = forms.date_input_bounds
    app.jinja_env.globals["form_requirements"] = forms.conditions.requirements
    app.jinja_env.globals["attachment_step"] = attachments.step_label  # 补充材料 outside a task
    app.jinja_env.filters["local_dt"] = local_dt
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["due_state"] = due_state
    app.jinja_env.filters["deadline_day"] = deadline_day

    for code in (400, 403, 404, 405, 409, 413, 415, 429, 500):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(DomainError, _domain_error_page)
    app.register_error_handler(DataError, _data_error_page)


def _titles() -> dict[int, str]:
    return {400: _("请求有误"), 401: _("需要登录"), 403: _("没有权限"), 404: _("页面不存在"), 405: _("不支持的操作"),
            409: _("操作冲突"), 413: _("文件过大"), 422: _("填写有误"), 429: _("操作过于频繁"), 500: _("服务器内部错误"), 503: _("系统繁忙")}


def _render_error(code: int, message: str):
    headers = {"Retry-After": str(Busy.retry_after_seconds)} if code == 503 else {}
    return render_template("errors/error.html", code=code, title=_titles().get(code, _("无法完成操作")),
                           message=message), code, headers


def _error_page(exc):
    code = getattr(exc, "code", 500) or 500
    if request.path.startswith("/api/"):  # a path no API rule matched: the API's JSON answer
        return http_error_response(exc if isinstance(exc, HTTPException) else InternalServerError())
    messages = {403: _("您没有访问此页面或执行此操作的权限。"), 404: _("您要找的内容不存在，或不在您的办理范围内。"),
                405: _("此页面不支持这种操作。"), 413: _("上传的文件超过大小上限。"),
                500: _("系统出现错误，已记录。请稍后重试或联系管理员。")}
    body, status, headers = _render_error(code, messages.get(code, getattr(exc, "description", "")))
    if isinstance(exc, MethodNotAllowed):
        headers["Allow"] = ", ".join(sorted(set(exc.valid_methods or ()) - {"OPTIONS"}))
    return body, status, headers


def _domain_error_page(exc: DomainError):
    if request.path.startswith("/api/"):  # raised before the API blueprint's handlers apply
        return error_response(exc.status, exc.code, exc.message, exc.fields)
    return _render_error(exc.status, exc.message)


def _data_error_page(exc: DataError):
    """A value the database refused outside a unit of work (which has its own net): too long →
    the 422 of an input check; anything else stays a 500."""
    db.session.rollback()
    refusal = too_long(exc)
    if refusal is None:
        log.exception("database refused a value", exc_info=exc)
        return _error_page(InternalServerError())
    return _domain_error_page(refusal)


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (for filters and pagination)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for k, v in changes.items():
        if v is None:
            args.pop(k, None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)
