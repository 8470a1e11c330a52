"""API: the development clock (app/admin/devclock.py), admins only; 404 where it is off."""
from __future__ import annotations

from flask import g, jsonify

from app.admin import devclock
from app.api import bp, json_body, schemas
from app.api.openapi import WRITE, documented
from app.clock import DevelopmentClockStatus
from app.errors import BadRequest, Forbidden, NotFound


def _out(status: DevelopmentClockStatus):
    return jsonify(enabled=status.enabled, now=status.now.isoformat(), real=status.real.isoformat(),
                   offset_seconds=status.offset.total_seconds())


def _admin() -> None:
    if not g.user.has_role("admin"):
        raise Forbidden("只有系统管理员可以使用开发时钟")
    if not devclock.enabled():
        raise NotFound("开发时钟只在开发环境中可用")


@bp.get("/admin/dev-clock")
@documented("开发时钟 / Development clock", (200, schemas.DevClockSchema), errors=(403, 404))
def dev_clock():
    """Product time and its offset from real time. Admins only (403); 404 where the
    development clock is off (production)."""
    _admin()
    return _out(devclock.status())


@bp.post("/admin/dev-clock")
@documented("设置开发时钟 / Set the development clock", (200, schemas.DevClockSchema),
            body=schemas.DevClockRequestSchema, errors=(403, 404, 422) + WRITE)
def set_dev_clock():
    """Set product time (`when`), move it forward (`advance_days`) or back to real time
    (`reset: true`) — exactly one. 422 naming the field when it is not valid."""
    _admin()
    payload = schemas.dev_clock_request.load(json_body())
    given = [k for k in ("when", "advance_days", "reset") if payload.get(k) not in (None, False)]
    if len(given) != 1:
        raise BadRequest("请只给出 when、advance_days、reset 中的一项", {"when": ["请只给出 when、advance_days、reset 中的一项"]})
    if given == ["when"]:
        return _out(devclock.set_time(g.user, payload["when"]))
    if given == ["advance_days"]:
        return _out(devclock.advance(g.user, payload["advance_days"]))
    return _out(devclock.reset(g.user))
