"""JSON API v1: bearer-token authentication, JSON errors `{"error": {code, message, fields}}`."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import refresh
from marshmallow import EXCLUDE, ValidationError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from app.api.messages import schema_messages
from app.auth.service import user_for_token
from app.core.errors import AuthError, BadRequest, Busy, DomainError, ValidationFailed
from app.core.extensions import db
from app.core.i18n import N_
from app.core.inputs import DB_INT_MAX, json_object as json_body, parse_int
from app.core.transaction import too_long

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)
PUBLIC_ENDPOINTS = {"api.issue_token"}


# werkzeug's own (English) answers in the API's words; an abort() with its own description keeps it.
HTTP_MESSAGES = {
    400: N_("请求有误"),
    404: N_("请求的地址不存在，或对象不在您的权限范围内"),
    405: N_("此地址不支持 %(method)s 请求，支持：%(allowed)s"),
    413: N_("请求体过大：上限为 %(limit)s 字节"),
    415: N_("不支持的请求体类型"),
    429: N_("尝试次数过多，请稍后再试"),
    500: N_("服务器内部错误，已记录，请稍后重试"),
}


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None):
    response = jsonify(error={"code": code, "message": message, "fields": fields or {}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="chengxin"'
    if status == 503:
        response.headers["Retry-After"] = str(Busy.retry_after_seconds)
    response.headers.update(headers or {})
    return response


def _no_method_matches(exc: MethodNotAllowed) -> bool:
    """werkzeug answers 405 when a path variable's converter refused the value (an id beyond
    DB_INT_MAX) and a rule of the same shape has another method — yet no method would match."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in exc.valid_methods or ():
        try:
            adapter.match(request.path, method=method)
        except HTTPException:
            continue
        return False
    return True


def http_error_response(exc: HTTPException):
    """Any HTTP error under /api as `{"error": {code, message, fields}}` in the user's language:
    werkzeug's stock English replaced, a 405 with its `Allow` header (or 404 when no method of the
    path exists), a 413 naming the limit."""
    if isinstance(exc, MethodNotAllowed) and request.url_rule is None and _no_method_matches(exc):
        exc = NotFound()
    status = exc.code or 500
    headers = {}
    if isinstance(exc, MethodNotAllowed):
        allowed = sorted(set(exc.valid_methods or ()) - {"OPTIONS"})
        headers["Allow"] = ", ".join(allowed)
    stock = exc.description == type(exc).description
    if status in HTTP_MESSAGES and (stock or not exc.description):
        message = _(HTTP_MESSAGES[status], method=request.method, allowed=headers.get("Allow", ""),
                    limit=current_app.config.get("MAX_CONTENT_LENGTH"))
    else:
        message = exc.description or exc.name
    code = "payload_too_large" if status == 413 else exc.name.lower().replace(" ", "_")  # as the complaints import's
    return error_response(status, code, message, headers=headers)


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


@bp.before_request
def check_query():
    """Query parameters against the route's documented query schema (app/api/schemas.py), so the
    contract and the server agree: a bad value is 422 `validation_failed` naming the parameter
    (ValidationError → schema_error); an empty one (`page=`) counts as absent, an unknown one is
    ignored. The routes then read the values with app.core.inputs' parsers (query_value)."""
    view = current_app.view_functions.get(request.endpoint)
    schema = getattr(getattr(view, "openapi", None), "query", None)
    if schema is None:
        return None
    given = {name: value for name, value in request.args.items() if value.strip()}
    schema(unknown=EXCLUDE).load(given)
    return None


@bp.after_request
def no_body_no_type(response):
    """A 204 has no body, so no Content-Type (Flask would say text/html)."""
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    return response


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()
    retry = getattr(exc, "retry_after_seconds", None)
    return error_response(exc.status, exc.code, exc.message, exc.fields,
                          headers={"Retry-After": str(retry)} if retry else None)


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
    return http_error_response(exc)


@bp.errorhandler(DataError)
def data_error(exc: DataError):
    """A value the database refused outside a unit of work: too long → 422, else a 500."""
    db.session.rollback()
    refusal = too_long(exc)
    if refusal is None:
        return unexpected(exc)
    return error_response(refusal.status, refusal.code, refusal.message, refusal.fields)


@bp.errorhandler(Exception)
def unexpected(exc: Exception):
    db.session.rollback()
    log.exception("unhandled API error")
    return error_response(500, "internal_error", _(HTTP_MESSAGES[500]))


def query_value(parse, name: str, **kwargs):
    """Query parameter `name` through one of app.core.inputs' parsers (parse_int, parse_date): None when
    absent or empty; ValidationFailed (422) naming it when bad, like every query check of the API."""
    try:
        return parse(request.args.get(name), name, **kwargs)
    except BadRequest as exc:
        raise ValidationFailed(exc.message, exc.fields) from None


def page_args(default_per_page: int = 20, maximum: int = 100) -> tuple[int, int]:
    """(page, per_page) from the query (empty = the default); ValidationFailed (422) naming each bad one."""
    errors, values = {}, {}
    for name, default, top in (("page", 1, DB_INT_MAX), ("per_page", default_per_page, maximum)):
        try:
            values[name] = query_value(parse_int, name, minimum=1, maximum=top) or default
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed("分页参数有误", errors)
    return values["page"], values["per_page"]


from app.api import (admin, calendar, complaints, designer, devclock, documents, inbox, incidents,  # noqa: E402,F401
                     notifications, openapi, org, publication, rules, sharing, supervision, views)
