"""JSON API v1: bearer-token authentication, JSON errors `{"error": {code, message, fields}}`."""
from __future__ import annotations

import logging

from flask import Blueprint, g, jsonify, request
from flask_babel import refresh
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from app.api.messages import schema_messages
from app.auth.service import user_for_token
from app.errors import AuthError, BadRequest, Busy, DomainError
from app.extensions import db
from app.inputs import DB_INT_MAX, json_object as json_body, parse_int

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)
PUBLIC_ENDPOINTS = {"api.issue_token"}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify(error={"code": code, "message": message, "fields": fields or {}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="chengxin"'
    if status == 503:
        response.headers["Retry-After"] = str(Busy.retry_after_seconds)
    return response


def bearer_token() -> str:
    """The token of the `Authorization: Bearer …` header ("" without one)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = bearer_token()
    user = user_for_token(token) if token else None
    if user is None:
        raise AuthError("需要有效的访问令牌（Authorization: Bearer …）")
    g.user = user
    refresh()  # messages from here on in the user's language (a check before may have fixed the default)
    return None


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()
    return error_response(exc.status, exc.code, exc.message, exc.fields)


@bp.errorhandler(ValidationError)
def schema_error(exc: ValidationError):
    """A JSON body that parses but breaks the route's marshmallow schema: 422 `validation_failed`
    naming each field, like a service's ValidationFailed (a body that is not JSON at all stays a
    400 from json_body)."""
    db.session.rollback()
    fields = {name: schema_messages(messages) for name, messages in exc.normalized_messages().items()}
    return error_response(422, "validation_failed", "请求内容未通过校验，请按 fields 逐项修改", fields)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    db.session.rollback()
    return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)


@bp.errorhandler(Exception)
def unexpected(exc: Exception):
    db.session.rollback()
    log.exception("unhandled API error")
    return error_response(500, "internal_error", "服务器内部错误，已记录，请稍后重试")


def page_args(default_per_page: int = 20, maximum: int = 100) -> tuple[int, int]:
    """(page, per_page) from the query; BadRequest (400) naming each bad one."""
    errors, values = {}, {}
    for name, default, top in (("page", 1, DB_INT_MAX), ("per_page", default_per_page, maximum)):
        try:
            values[name] = parse_int(request.args.get(name), name, minimum=1, maximum=top) or default
        except BadRequest as exc:
            errors.update(exc.fields)
    if errors:
        raise BadRequest("分页参数有误", errors)
    return values["page"], values["per_page"]


from app.api import (admin, calendar, complaints, designer, devclock, documents, incidents,  # noqa: E402,F401
                     notifications, openapi, org, views)
