"""HTTP security headers on every response (pages, the JSON API, static files, errors), set by
flask-talisman.

The Content-Security-Policy allows scripts and styles only from our own origin: no inline
`<script>`, no `on…=` attributes, no `eval`, no inline `<style>`/`style=`. Page scripts live in
app/static/js, and htmx is configured (base.html) not to inject its indicator style nor to evaluate
attribute code. So a script that reaches a page through data still cannot run. No page may be
framed (clickjacking). HSTS and the secure session cookie follow `SESSION_COOKIE_SECURE`: set it
to 1 behind HTTPS; HTTPS itself (and the redirect to it) is the reverse proxy's job."""
from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # Bootstrap's icons are data: SVGs in its CSS
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {"camera": "()", "microphone": "()", "geolocation": "()"}


def init_security_headers(app: Flask) -> Talisman:
    """Add the headers to every response of `app` (one Talisman per app: it keeps its options).
    Reads `SESSION_COOKIE_SECURE` (bool) and `SESSION_COOKIE_SAMESITE`; with the former, HTTPS
    responses (or `X-Forwarded-Proto: https` from the proxy) carry HSTS for 365 days."""
    secure = bool(app.config["SESSION_COOKIE_SECURE"])
    talisman = Talisman(
        app,
        force_https=False,
        strict_transport_security=secure,
        strict_transport_security_max_age=365 * 24 * 3600,
        session_cookie_secure=secure,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        x_content_type_options=True,
    )
    app.extensions["talisman"] = talisman
    return talisman
