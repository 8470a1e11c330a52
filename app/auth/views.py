"""Login, logout, the user's own password and the language switch (web)."""
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
from app.auth.passwords import PASSWORD_MAX, PASSWORD_MIN
from app.core.errors import AuthError, Throttled, ValidationFailed
from app.core.views import safe_next
from app.tasks.routing import CASE_ROLES

bp = Blueprint("auth", __name__)
SESSION_SECRET = "sid"  # the session cookie's key for this browser's WebSession secret


def load_user(user_id: str):
    """Flask-Login's user loader: the user only while this browser's web session is valid."""
    return service.user_for_session(user_id, session.get(SESSION_SECRET))


def home_url() -> str:
    """Where a user starts: the inbox for casework, else their own area."""
    if any(current_user.has_role(r) for r in CASE_ROLES):
        return url_for("tasks.inbox")
    if current_user.has_role("designer"):
        return url_for("designer.index")
    if current_user.has_role("admin"):
        return url_for("admin.users")
    return url_for("tasks.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    error, username, status = None, "", 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            error, status = _("请输入用户名和密码"), 400
        else:
            try:
                user, secret = service.log_in(username, password, request.remote_addr)
            except (AuthError, Throttled) as exc:
                error, status = exc.message, exc.status
            else:
                session.clear()  # nothing of an earlier visitor's session carries over
                login_user(user)
                session[SESSION_SECRET] = secret
                session.permanent = True
                flash(_("欢迎，%(name)s", name=user.full_name), "success")
                return redirect(safe_next(request.args.get("next"), home_url()))
    return render_template("auth/login.html", error=error, username=username), status


@bp.post("/logout")
@login_required
def logout():
    service.log_out(session.get(SESSION_SECRET, ""))
    logout_user()
    session.clear()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            service.change_password(current_user, session.get(SESSION_SECRET, ""),
                                    current=request.form.get("current", ""), new=request.form.get("new", ""),
                                    confirm=request.form.get("confirm", ""), remote_addr=request.remote_addr)
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("密码已修改；您在其他浏览器和 API 令牌上的登录均已失效"), "success")
            return redirect(home_url())
    return render_template("auth/change_password.html", errors=errors, password_min=PASSWORD_MIN,
                           password_max=PASSWORD_MAX), (422 if errors else 200)


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            service.set_locale(current_user, lang)
    return redirect(safe_next(request.form.get("next"), url_for("tasks.inbox")))


@bp.get("/")
def index():
    return redirect(home_url() if current_user.is_authenticated else url_for("auth.login"))
