"""Mail helpers for tests: a real SMTP server on 127.0.0.1 (stdlib sockets, no STARTTLS, no AUTH)
that records what it receives, app.config mail values set for one test, and a port nobody listens
on."""
from __future__ import annotations

import re
import socket
import threading


class MailConfig:
    """Set app.config mail values for a test and restore them afterwards."""

    def __init__(self, app, **values):
        self.app, self.values, self.saved = app, values, {}

    def __enter__(self):
        for key, value in self.values.items():
            self.saved[key] = self.app.config[key]
            self.app.config[key] = value
        return self

    def __exit__(self, *exc):
        self.app.config.update(self.saved)


class SmtpSink:
    """A minimal real SMTP server on 127.0.0.1 (no STARTTLS, no AUTH): records every message;
    refuses the recipients in `reject` with 550."""

    def __init__(self, reject=()):
        self.reject = {a.lower() for a in reject}
        self.messages: list[dict] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                try:
                    self._session(conn)
                except OSError:
                    pass

    def _session(self, conn):
        conn.settimeout(5)
        reader = conn.makefile("rb")

        def reply(text):
            conn.sendall(text.encode() + b"\r\n")

        reply("220 sink ESMTP")
        sender, rcpts = None, []
        while True:
            raw = reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                reply("250 sink")
            elif verb == "MAIL":
                sender, rcpts = re.search(r"<(.*?)>", line).group(1), []
                reply("250 OK")
            elif verb == "RCPT":
                address = re.search(r"<(.*?)>", line).group(1)
                if address.lower() in self.reject:
                    reply("550 5.1.1 no such user")
                else:
                    rcpts.append(address)
                    reply("250 OK")
            elif verb == "DATA":
                reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    data = reader.readline()
                    if data in (b".\r\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.messages.append({"from": sender, "to": rcpts, "data": b"".join(lines)})
                reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                reply("250 OK")
            elif verb == "QUIT":
                reply("221 bye")
                return
            else:
                reply("502 not implemented")


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
