"""Helpers for server-rendered pages in Flask-client tests: log in, read the CSRF token."""
from __future__ import annotations

import re

PASSWORD = "Demo@2026"


def csrf_token(client, url: str = "/login") -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def post(client, url: str, data: dict | None = None, page: str = "/tasks", **kwargs):
    """POST a form the way the browser does: with the CSRF token of a page the user has open."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, page)}, **kwargs)
