"""Rate limits of the pages anyone may call without signing in (the public portal and its API):
Flask-Limiter, counting per client address (behind `TRUSTED_PROXY_HOPS` proxies, the address from
X-Forwarded-For). Counters live in memory by default — per process, enough for one server — and in
Redis when `RATELIMIT_STORAGE_URI` (or `REDIS_URL`) names one, so several workers share them. A
client over the limit gets 429 with `Retry-After` (seconds). Sign-in throttling is separate
(`app.auth`: per user name and address, stored in the database)."""
from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(get_remote_address)


def public_limit() -> str:
    """The public pages' limit, e.g. "60 per minute" (`PUBLIC_RATE_LIMIT`)."""
    return current_app.config["PUBLIC_RATE_LIMIT"]


# One budget for the portal's pages and the public API together.
public_rate_limit = limiter.shared_limit(public_limit, scope="public")


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
