"""A real, tiny HTTP SMS gateway on 127.0.0.1 (http.server in a thread) for the tests.

It records every request (path, headers, parsed body) and answers from a script of
responses: `gateway.script(500, 200)` makes the first POST fail and the next succeed;
`gateway.delay = 3` makes it answer late (a timeout on the client's side).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    fields: dict[str, Any] = field(default_factory=dict)


class Gateway:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.responses: deque[int] = deque()
        self.delay = 0.0
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/json"):
                    fields = json.loads(body)
                else:
                    fields = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
                with gateway.lock:
                    gateway.received.append(Received(self.path, dict(self.headers.items()), body, fields))
                    status = gateway.responses.popleft() if gateway.responses else 200
                if gateway.delay:
                    time.sleep(gateway.delay)
                payload = json.dumps({"ok": 200 <= status < 300}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout) and closed the connection
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="sms-gateway", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/sms/send?api_key=k3y-in-the-url"

    def script(self, *statuses: int) -> None:
        with self.lock:
            self.responses.extend(statuses)

    def start(self) -> Gateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serving(settings, *, token: str = "") -> Iterator[Gateway]:
    """A started gateway configured as the SMS backend (pytest-django's `settings`), stopped after."""
    server = Gateway().start()
    settings.NOTIFY_SMS_BACKEND = "notifications.backends.HttpGatewaySmsBackend"
    settings.NOTIFY_SMS_URL = server.url
    settings.NOTIFY_SMS_TIMEOUT = 2
    if token:
        settings.NOTIFY_SMS_TOKEN = token
    try:
        yield server
    finally:
        server.stop()
