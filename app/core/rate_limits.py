"""Rate limits of the pages anyone may call without signing in (the public portal and its API):
Flask-Limiter, counting per client network (`client_network`: an IPv4 address, an IPv6 /64; behind
`TRUSTED_PROXY_HOPS` proxies, the address from X-Forwarded-For). Counters live in memory by default — per process, enough for one server — and in
Redis when `RATELIMIT_STORAGE_URI` (or `REDIS_URL`) names one, so several workers share them. A
client over the limit gets 429 with `Retry-After` (seconds). Sign-in throttling is separate
(`app.auth`: per user name and address, stored in the database)."""
from __future__ import annotations

import ipaddress

from flask import Flask, current_app, request
from flask_limiter import Limiter


def client_network(remote_addr: str | None) -> str:
    """What a client is counted as (rate limits, sign-in throttling): an IPv4 address, or the /64
    network of an IPv6 one (one machine holds a whole /64 and can rotate through it; an IPv4-mapped
    address is that IPv4 address); anything else as given (lone surrogates and NUL replaced, 64 chars)."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        text = (remote_addr or "-").encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
        return text[:64]
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:  # ::ffff:203.0.113.9 is that IPv4 address
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def _request_client() -> str:
    return client_network(request.remote_addr)


limiter = Limiter(_request_client)


def public_limit() -> str:
    """The public pages' limit, e.g. "60 per minute" (`PUBLIC_RATE_LIMIT`)."""
    return current_app.config["PUBLIC_RATE_LIMIT"]


# One budget for the portal's pages and the public API together.
public_rate_limit = limiter.shared_limit(public_limit, scope="public")


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
