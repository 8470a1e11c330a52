"""Domain errors. Services raise these; the API and the web layer map them to HTTP answers
(JSON `{"error": {"code", "message", "fields"}}` for the API)."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"
    # A failed engine step names the element it failed at (id and the designer's name), if known.
    element_id: str | None = None
    element_name: str | None = None

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class AuthError(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class ValidationFailed(DomainError):
    status, code = 422, "validation_failed"


class Throttled(DomainError):
    """Too many attempts: HTTP 429 with Retry-After (`retry_after_seconds`, the rest of the window
    at most)."""

    status, code = 429, "too_many_attempts"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, *, retry_after_seconds: int = 60):
        super().__init__(message, fields)
        self.retry_after_seconds = retry_after_seconds


class Busy(DomainError):
    """The database stayed locked by another writer past its busy timeout (SQLite): nothing was
    saved; the same request can simply be sent again (HTTP 503 with Retry-After)."""

    status, code = 503, "busy"
    retry_after_seconds = 5


class ProcessError(DomainError):
    """A process definition cannot be deployed or a step of a case failed in the engine."""

    status, code = 422, "process_error"
