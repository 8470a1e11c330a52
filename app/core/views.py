"""What every server-rendered view uses, whichever domain it belongs to: the user's language,
role checks, safe redirects, a domain refusal flashed on the page it came from, local times, the
`?page=` argument. Flask and flask-login only; no domain."""
from __future__ import annotations

import re
from datetime import datetime
from functools import wraps
from pathlib import PurePath
from urllib.parse import quote, unquote, urlsplit

from flask import abort, current_app, flash, g, has_request_context, redirect, request, send_file, session
from flask_babel import format_datetime
from flask_login import current_user, login_required

from app.core.clock import LOCAL_TZ
from app.core.errors import DomainError
from app.core.inputs import parse_int

_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


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


def back_with_error(exc: DomainError, default: str):
    flash(exc.message, "danger")
    return redirect(safe_next(request.referrer and urlsplit(request.referrer).path, default))


def local_dt(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(value.astimezone(LOCAL_TZ), fmt) if value else ""


def file_size(size: int | None) -> str:
    """A file's size as people read it: "512 B", "1.5 KB", "3.2 MB" (1 KB = 1024 bytes); a small
    file is not "0.0 KB"."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
_PLAIN_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


def ascii_name(name: str, stem: str) -> str:
    """`name` when it is a plain ASCII file name, else `stem` with `name`'s extension ("银行回单.pdf",
    "attachment-7" → "attachment-7.pdf"): the fallback name of a download (send_download)."""
    if _PLAIN_NAME.match(name or ""):
        return name
    suffix = PurePath(name or "").suffix
    return stem + (suffix.lower() if _PLAIN_SUFFIX.match(suffix) else "")


def send_download(path, name: str, fallback: str, *, mimetype: str, as_attachment: bool = True):
    """`send_file` of a stored file under its (Chinese) `name`, with `fallback` (plain ASCII, see
    ascii_name) as the file name for clients that cannot read the UTF-8 one (RFC 6266 `filename`
    beside `filename*`): Werkzeug's own fallback drops every non-ASCII character, turning
    "沪信〔2026〕4号.pdf" into "20264.pdf"."""
    response = send_file(path, mimetype=mimetype, as_attachment=as_attachment, download_name=fallback)
    if name != fallback:
        kind = "attachment" if as_attachment else "inline"
        response.headers["Content-Disposition"] = (
            f'{kind}; filename="{fallback}"; filename*=UTF-8\'\'{quote(name, safe="")}')
    return response


def page_arg() -> int:
    """`?page=`: 1 when absent; BadRequest (400) naming `page` unless an integer 1..2^31-1."""
    return parse_int(request.args.get("page"), "page", minimum=1) or 1
