"""Shared pieces of the server-rendered pages: language, login and session timeout, error pages,
template filters. Views stay thin; they call the same services as the API."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    g,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, lazy_gettext
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.clock import LOCAL_TZ, clock
from app import forms
from app.cases import attachments
from app.core.errors import Busy, DomainError
from app.core.extensions import babel, db, login_manager
from app.core.i18n import tr
from app.core.inputs import parse_int
from app.core.security import init_security_headers
from app.core.transaction import too_long

log = logging.getLogger(__name__)

_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
STATUS_STYLES = {
    "draft": "secondary", "in_review": "info", "returned": "warning", "notified": "primary",
    "under_objection": "warning", "confirmed": "dark", "published": "danger", "repaired": "success",
    "revoked": "success", "exempted": "success", "expired": "secondary",
    "warning_issued": "warning", "explaining": "primary", "planning": "primary", "tracking": "info",
    "verifying": "info", "closed": "success", "escalated": "danger", "cancelled": "secondary",
}


def select_locale() -> str:
    if not has_request_context():  # CLI, timers, worker threads: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    # The API's bearer-token user (g.user) or the signed-in web user: their chosen language.
    user = g.get("user") or (current_user if current_user.is_authenticated else None)
    if user is not None and user.locale in current_app.config["LANGUAGES"]:
        return user.locale
    return session.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]


def role_required(*roles: str):
    """A page for these roles only: anyone else gets 403 (after login)."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.has_role(r) for r in roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def safe_next(target: str | None, default: str) -> str:
    """Where to go back to after a form: `target` if it is a path on this site, else `default`.
    Every redirect to a requested place goes through here (no open redirect through next= or the
    referrer). Refused, raw or percent-decoded: a scheme or host, `//` and `/\\` (browsers read
    both as another host), any backslash, control character or lone surrogate."""
    if not target or len(target) > 2000:
        return default
    for form in (target, unquote(target)):
        parts = urlsplit(form)
        if (parts.scheme or parts.netloc or not form.startswith("/") or form.startswith("//")
                or "\\" in form or _CONTROL.search(form)):
            return default
    return target


def home_url() -> str:
    """Where a user starts: the inbox for casework, else their own area."""
    from app.tasks.routing import CASE_ROLES

    if any(current_user.has_role(r) for r in CASE_ROLES):
        return url_for("tasks.inbox")
    if current_user.has_role("designer"):
        return url_for("designer.index")
    if current_user.has_role("admin"):
        return url_for("admin.users")
    return url_for("tasks.inbox")


def back_with_error(exc: DomainError, default: str):
    flash(exc.message, "danger")
    return redirect(safe_next(request.referrer and urlsplit(request.referrer).path, default))


def local_dt(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(value.astimezone(LOCAL_TZ), fmt) if value else ""


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
        from app.calendar.service import missing_years
        from app.cases.models import CASE_STATUSES, KEY_AREAS, SOURCE_TYPES, TIERS
        from app.org.models import ROLES
        from app.engine.models import ACTIVE_STATUSES
        from app.tasks.models import TASK_HOLDS
        from app.tasks.routing import CASE_ROLES

        warnings = []
        does_casework = current_user.is_authenticated and any(r in CASE_ROLES for r in current_user.roles)
        if does_casework or (current_user.is_authenticated and current_user.has_role("admin")):
            warnings = [_("%(year)s 年工作日历尚未导入，涉及该年的期限无法计算，请管理员导入。", year=y)
                        for y in missing_years()]
        return {"dev_clock": clock.development_status(app.config["DEV_CLOCK"]), "ROLES": ROLES, "RECORD_STATUSES": CASE_STATUSES, "STATUS_STYLES": STATUS_STYLES,
                "SOURCE_TYPES": SOURCE_TYPES, "TIERS": TIERS, "TASK_HOLDS": TASK_HOLDS, "ACTIVE_STATUSES": ACTIVE_STATUSES, "KEY_AREAS": KEY_AREAS,
                "calendar_warnings": warnings, "does_casework": does_casework, "url_with": url_with, "LANGUAGES": app.config["LANGUAGES"], "current_locale": select_locale()}

    app.jinja_env.globals["tr"] = tr  # data in the user's language, escaped like any value
    app.jinja_env.globals["date_input_bounds"] = forms.date_input_bounds
    app.jinja_env.globals["attachment_step"] = attachments.step_label  # 补充材料 outside a task
    app.jinja_env.filters["local_dt"] = local_dt
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
        from app.api import http_error_response

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
        from app.api import error_response

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


def page_arg() -> int:
    """`?page=`: 1 when absent; BadRequest (400) naming `page` unless an integer 1..2^31-1."""
    return parse_int(request.args.get("page"), "page", minimum=1) or 1


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (for filters and pagination)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for k, v in changes.items():
        if v is None:
            args.pop(k, None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)
