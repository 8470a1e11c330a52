"""The signed-cookie session, minus one race: a static file never (re)writes the session cookie.

A page's stylesheets and scripts are still loading when the user follows a link; with a permanent
session every response refreshes the cookie, so a static file's late response would put back the
cookie as it was before the link's response — and lose what that response stored (the flash
"请先登录" after a redirect to the sign-in page). Static files neither read nor change the session.
"""
from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session; responses of the `static` endpoint carry no Set-Cookie."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint == "static":
            return False
        return super().should_set_cookie(app, session)
