"""A real credit-platform receiver for the sharing tests: an http.server on a free local port in a
thread, recording every request (path, headers, JSON body) and answering as the test says — by
default 201, optionally 409 for an event id it already accepted (the platforms' idempotency).
And the publication signal sent as the publication domain sends it (the contract of
app/publication/signals.py), with a record dict of the documented shape."""
from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.core.clock import clock
from app.core.transaction import unit_of_work
from app.publication.signals import publication_changed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """`requests`: every request received, in order: {"path", "headers" (lower-case keys), "body"}.
    `answer(request) -> int | (int, str)`: the status (and body) to answer; default 201.
    `dedupe`: answer 409 to an Idempotency-Key already accepted (2xx) on the same path."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.requests: list[dict] = []
        self.accepted: dict[str, list[dict]] = {}  # path → bodies answered 2xx
        self.answer: Callable[[dict], int | tuple[int, str]] = lambda request: 201
        self.dedupe = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                           "body": json.loads(raw.decode("utf-8"))}
                with receiver._lock:
                    receiver.requests.append(request)
                    key = request["headers"].get("idempotency-key")
                    seen = any(b["event_id"] == key for b in receiver.accepted.get(self.path, []))
                    if receiver.dedupe and seen:
                        status, text = 409, '{"error": "duplicate event"}'
                    else:
                        answer = receiver.answer(request)
                        status, text = answer if isinstance(answer, tuple) else (answer, '{"ok": true}')
                        if 200 <= status < 300:
                            receiver.accepted.setdefault(self.path, []).append(request["body"])
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def received(self, path: str) -> list[tuple[str, str]]:
        """(kind, event_id) of every request to `path`, in order."""
        return [(r["body"]["kind"], r["body"]["event_id"]) for r in self.requests if r["path"] == path]


def record(number: str = "ZX-2026-000001", **overrides) -> dict:
    """The public view of a record as the publication domain sends it (already masked)."""
    return {"number": number, "subject_name": "上海市发展和改革委员会", "subject_type": "department",
            "title": "拖欠中标企业合同款", "source_type": "administrative_penalty",
            "source_document_number": "沪财监〔2026〕17号", "key_area": "政府采购", "tier": "general",
            "facts": "未按合同约定拨付合同款，联系人电话 138****5678。", "recording_unit": "上海市公共信用信息服务中心",
            "decided_on": "2026-09-14", "start": "2026-09-14", "planned_end": "2027-09-14", "actual_end": None,
            "end_reason": None, **overrides}


def announce(case_id: int, event: str, publication_id: int = 1, **record_overrides) -> None:
    """Send `publication_changed` as the publication domain does: in a unit of work of its own."""
    with unit_of_work():
        publication_changed.send(None, event=event, case_id=case_id, publication_id=publication_id,
                                 record=record(**record_overrides), occurred_at=clock.now())
