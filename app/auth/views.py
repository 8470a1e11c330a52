"""Login, logout and the language switch (web)."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import service
from app.errors import AuthError, Throttled
from app.extensions import db
from app.web import home_url, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    error, username = None, ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            error = _("请输入用户名和密码")
        else:
            try:
                user = service.authenticate(username, password, request.remote_addr)
            except (AuthError, Throttled) as exc:
                error = exc.message
            else:
                session.clear()
                login_user(user)
                session.permanent = True
                flash(_("欢迎，%(name)s", name=user.full_name), "success")
                return redirect(safe_next(request.args.get("next"), home_url()))
    return render_template("auth/login.html", error=error, username=username), (200 if not error else 401)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("tasks.inbox")))


@bp.get("/")
def index():
    return redirect(home_url() if current_user.is_authenticated else url_for("auth.login"))
