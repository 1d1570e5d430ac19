"""Loopback HTTP receivers: a Standard Webhooks endpoint that verifies signatures with the
`standardwebhooks` package, and a Slack-like endpoint that answers as scripted."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: str = "ok"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Request:
    at: float
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next scripted reply (then 200 "ok"), and keeps them all.
    With a `secret`, a request whose signature does not verify is answered 401."""

    secret: str | None = None
    script: deque[Reply] = field(default_factory=deque)
    requests: list[Request] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def then(self, *replies: Reply) -> Receiver:
        self.script.extend(replies)
        return self

    def reply(self, headers: dict[str, str], body: bytes) -> Reply:
        if self.secret is not None:
            try:
                Webhook(self.secret).verify(body, headers)
            except WebhookVerificationError as exc:
                return Reply(401, f"bad signature: {exc}")
        with self._lock:
            return self.script.popleft() if self.script else Reply()

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = receiver.reply(headers, body)
                seen = Request(time.monotonic(), headers, body, answer.status)
                with receiver._lock:
                    receiver.requests.append(seen)
                payload = answer.body.encode()
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                return

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening; `start()` again comes back on the same port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def accepted(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def answered(self) -> list[int]:
        with self._lock:
            return [r.status for r in self.requests]
