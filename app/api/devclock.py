"""API: the development clock (app/admin/devclock.py), admins only; 404 where it is off."""
from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _

from app.admin import devclock
from app.api import bp, json_body, schemas
from app.api.openapi import WRITE, documented
from app.core.clock import DevelopmentClockStatus
from app.core.errors import Forbidden, NotFound, ValidationFailed


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
    """产品时间及其与真实时间的差。仅系统管理员（403）；开发时钟关闭（生产环境）时 404。

    Product time and its offset from real time. Admins only (403); 404 where the
    development clock is off (production)."""
    _admin()
    return _out(devclock.status())


@bp.post("/admin/dev-clock")
@documented("设置开发时钟 / Set the development clock", (200, schemas.DevClockSchema),
            body=schemas.DevClockRequestSchema, errors=(403, 404, 422) + WRITE)
def set_dev_clock():
    """Set product time (`when`), move it forward (`advance_days`) or back to real time
    (`reset: true`) — exactly one. 422 naming the field when it is not valid (`advance_days`
    must be a JSON integer: 1.5 or "2" are refused), or naming every field given when more than
    one is (each one when none is).

    设置产品时间（`when`）、向后拨（`advance_days`，JSON 整数）或恢复真实时间（`reset: true`），三者只能给一项；
    不合法时 422 指明字段，同时给出多项时 422 指明每一项。"""
    _admin()
    payload = schemas.dev_clock_request.load(json_body())
    choices = ("when", "advance_days", "reset")
    given = [k for k in choices if payload.get(k) not in (None, False)]
    if len(given) != 1:  # none, or a clash: name every field in question
        message = _("请只给出 when、advance_days、reset 中的一项")
        raise ValidationFailed(message, {k: [message] for k in (given or choices)})
    if given == ["when"]:
        return _out(devclock.set_time(g.user, payload["when"]))
    if given == ["advance_days"]:
        return _out(devclock.advance(g.user, payload["advance_days"]))
    return _out(devclock.reset(g.user))
