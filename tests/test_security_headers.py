"""Security headers (issue 12, finding 7) on every kind of response: pages, the JSON API, static
files, error pages, the health check. The Content-Security-Policy allows no inline script, no eval
and no inline style; no page may be framed. HSTS and the secure session cookie come with
SESSION_COOKIE_SECURE=1 (behind HTTPS), and only then."""
from __future__ import annotations

import pytest

from app import create_app
from app.config import TestConfig
from app.core.extensions import db
from tests.support import Api
from tests.web_support import login

RESPONSES = ["/login", "/tasks", "/no-such-page", "/static/js/app.js", "/healthz", "/api/v1/cases", "/api/v1/no-such"]


def _directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("url", RESPONSES)
def test_every_response_carries_the_headers(client, url):
    response = client.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    csp = _directives(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]  # no unsafe-inline, no unsafe-eval
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert "Strict-Transport-Security" not in response.headers


def test_api_json_is_never_sniffed(app):
    with app.app_context():
        response = Api(app.test_client()).as_("reviewer").get("/tasks")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_without_secure_cookies_there_is_no_hsts_and_no_https_redirect(client):
    response = client.get("/login", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers
    assert client.get("/login").status_code == 200  # plain HTTP is served, not redirected
    cookie = login(client, "reviewer").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.fixture()
def secure_app(app):
    """The same database, configured as behind HTTPS (SESSION_COOKIE_SECURE=1)."""
    class SecureConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        SESSION_COOKIE_SECURE = True

    secure = create_app(SecureConfig)
    yield secure
    with secure.app_context():
        db.engine.dispose()


def test_with_secure_cookies_https_gets_hsts_and_the_cookie_is_secure(secure_app):
    client = secure_app.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    behind_proxy = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in behind_proxy.headers
    assert "Strict-Transport-Security" not in client.get("/login").headers  # meaningless over plain HTTP
    client.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"  # as the reverse proxy says
    response = login(client, "reviewer")
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert client.get("/tasks").status_code == 200  # the session works


@pytest.mark.parametrize("url", ["/healthz", "/static/css/app.css", "/static/js/app.js", "/api/v1/nonexistent",
                                 "/api/v1/tasks"])
def test_anonymous_requests_get_no_session_cookie(client, url):
    """Nothing to remember, nothing to sign: a static file, /healthz or the API answer without a
    session cookie (a cookie on static files also stops shared caches from keeping them)."""
    response = client.get(url)
    assert "Set-Cookie" not in response.headers, (url, response.headers.get("Set-Cookie"))


def test_a_signed_in_session_still_expires_after_inactivity(client):
    login(client, "reviewer")
    cookie = client.get("/tasks").headers["Set-Cookie"]
    assert "Expires=" in cookie  # a permanent session: renewed by each request, gone 30 minutes after the last
