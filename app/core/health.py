"""Endpoints for machines and browsers, without login: the health check and the site icon."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.core.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/favicon.ico")
def favicon():
    """The site icon at the address every browser asks for (also pages that are not ours: PDFs)."""
    return current_app.send_static_file("favicon.ico")
