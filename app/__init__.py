"""诚信 Chengxin — BPMN-driven case management for government integrity."""
from __future__ import annotations

import logging
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import models  # noqa: F401  (register every table with the metadata)
from app.admin import bp as admin_bp
from app.api import bp as api_bp
from app.auth import views as auth_views
from app.cases import actions as case_actions
from app.cases.views import bp as cases_bp
from app.cli import register_cli
from app.complaints.views import bp as complaints_bp
from app.config import DEV_CLOCK_FILE, Config, check_public_base_url, config_for_environment, instance_secret_key
from app.core import sqlite
from app.core.clock import clock
from app.core.extensions import csrf, db, login_manager, migrate
from app.core.health import bp as health_bp
from app.core.inputs import init_inputs
from app.core.rate_limits import init_rate_limits
from app.core.session import SessionInterface
from app.designer.views import bp as designer_bp
from app.documents import actions as document_actions
from app.documents.views import bp as documents_bp
from app.engine import register_decision_hook
from app.incidents.views import bp as incidents_bp
from app.notifications import actions as notification_actions
from app.notifications.views import bp as notifications_bp
from app.publication import actions as publication_actions
from app.publication.views import bp as publication_bp
from app.rules.service import decide_for_engine
from app.rules.views import bp as rules_bp
from app.sharing.endpoints import check_endpoints
from app.sharing.receivers import connect_receivers as connect_sharing
from app.sharing.views import bp as sharing_bp
from app.sanctions import actions as sanction_actions
from app.sanctions.views import bp as sanctions_bp
from app.rules.service import keys as decision_keys
from app.supervision import actions as supervision_actions
from app.supervision.views import bp as supervision_bp
from app.tasks import actions as task_actions
from app.tasks.views import bp as tasks_bp
from app.web import init_web


def create_app(config_class: type[Config] | None = None, instance_path: str | None = None) -> Flask:
    """The application. `instance_path`: the instance folder (default `instance/` beside `app/`)."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object(config_class or config_for_environment())
    app.session_interface = SessionInterface()  # static files leave the session cookie alone
    check_public_base_url(app.config)
    check_endpoints(app.config)  # a malformed SHARING_ENDPOINTS stops the start, naming the entry
    init_inputs(app)  # URL int converter, JSON limits, unstorable-text check: before any blueprint
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SECRET_KEY"]:  # never a constant, publicly known key
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if app.config["TRUSTED_PROXY_HOPS"]:  # login throttling needs the client's own address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXY_HOPS"])
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    clock.use_development_offset(os.path.join(app.instance_path, DEV_CLOCK_FILE) if app.config["DEV_CLOCK"] else None)
    logging.basicConfig(level=logging.INFO)
    # Libraries that talk at INFO: Spiff one line per task state change, weasyprint every step of
    # every PDF, fontTools every font it subsets. Their warnings (e.g. weasyprint's slow-subsetting
    # one) still show.
    for noisy in ("spiff", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    db.init_app(app)
    with app.app_context():
        sqlite.configure(db.engine, synchronous=app.config["SQLITE_SYNCHRONOUS"],
                         busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    init_rate_limits(app)

    for register_actions in (case_actions.register_actions, task_actions.register_actions,
                             notification_actions.register_actions, document_actions.register_actions,
                             supervision_actions.register_actions, publication_actions.register_actions,
                             sanction_actions.register_actions):
        register_actions()
    connect_sharing()
    register_decision_hook(decide_for_engine, decision_keys)
    init_web(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # bearer tokens, never cookies: no CSRF exposure
    for bp in (auth_views.bp, tasks_bp, cases_bp, admin_bp, complaints_bp, notifications_bp, supervision_bp, designer_bp, documents_bp,
               incidents_bp, rules_bp, publication_bp, sharing_bp, sanctions_bp):
        app.register_blueprint(bp)
    register_cli(app)
    login_manager.user_loader(auth_views.load_user)
    return app
