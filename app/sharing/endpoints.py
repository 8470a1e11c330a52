"""The configured endpoints of the credit platforms (`SHARING_ENDPOINTS`, docs/sharing.md).

`SHARING_ENDPOINTS` is a JSON list (or, in a config class, a Python list) of objects
`{"name": "national" | "creditchina" | "shanghai", "url": "https://…", "token": "…"}`: one per
platform that receives the feed, each name at most once; `token` is optional (sent as
`Authorization: Bearer <token>`). Empty or unset: nothing is queued, nothing is shared."""
from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.sharing.models import PLATFORMS


@dataclass(frozen=True)
class Endpoint:
    name: str  # a PLATFORMS key
    url: str
    token: str = ""


def parse_endpoints(raw) -> dict[str, Endpoint]:
    """{name: Endpoint} from the setting's value (a JSON text, a list of dicts, or empty/None).
    ValueError naming the entry and the problem: bad JSON, not a list of objects, an unknown or
    repeated name, a URL that is not absolute http(s), unknown keys, a token that is not text."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"SHARING_ENDPOINTS is not JSON: {exc}") from None
    if not isinstance(raw, list):
        raise ValueError("SHARING_ENDPOINTS must be a JSON list of {name, url, token}")
    found: dict[str, Endpoint] = {}
    for n, entry in enumerate(raw, 1):
        if not isinstance(entry, dict):
            raise ValueError(f"SHARING_ENDPOINTS entry {n} is not an object")
        unknown = set(entry) - {"name", "url", "token"}
        if unknown:
            raise ValueError(f"SHARING_ENDPOINTS entry {n}: unknown keys {sorted(unknown)}")
        name, url, token = entry.get("name"), entry.get("url"), entry.get("token") or ""
        if name not in PLATFORMS:
            raise ValueError(f"SHARING_ENDPOINTS entry {n}: name must be one of {', '.join(PLATFORMS)} (got {name!r})")
        if name in found:
            raise ValueError(f"SHARING_ENDPOINTS entry {n}: {name} is configured twice")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"SHARING_ENDPOINTS entry {n} ({name}): url must be an absolute http(s) URL (got {url!r})")
        if not isinstance(token, str):
            raise ValueError(f"SHARING_ENDPOINTS entry {n} ({name}): token must be text")
        found[name] = Endpoint(name, url, token)
    return found


def configured(config) -> dict[str, Endpoint]:
    """The endpoints of an app's config (`current_app.config`)."""
    return parse_endpoints(config.get("SHARING_ENDPOINTS"))


def check_endpoints(config) -> None:
    """At start-up: RuntimeError with the problem when SHARING_ENDPOINTS is malformed, so a typo
    stops the app instead of silently sharing nothing."""
    try:
        configured(config)
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None
