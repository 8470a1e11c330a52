"""Administration (系统管理): users, departments and the working-day calendar. Role `admin` only."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import views  # noqa: E402,F401
