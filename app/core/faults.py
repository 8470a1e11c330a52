"""Fault injection for crash-safety tests. Off unless the deployment sets FAULT_INJECTION (only
the test suite's own gunicorn does); then a request carrying `X-Chengxin-Fault: <point>` makes
the worker process die at that point, as a killed worker would (no exception handling, no
rollback, no response)."""
from __future__ import annotations

import os

from flask import current_app, has_request_context, request


def crash_point(point: str) -> None:
    if not current_app.config.get("FAULT_INJECTION") or not has_request_context():
        return
    if request.headers.get("X-Chengxin-Fault") == point:
        os._exit(17)
