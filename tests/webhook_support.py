"""A real webhook receiver on a loopback port for the webhook tests: it verifies every request
with the Standard Webhooks reference library and answers with the statuses it is told."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

#: A Standard Webhooks secret: whsec_ and 24 random bytes in base64.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    verified: Any  # the payload when the signature verified, else the error

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """``answers``: statuses to give, in order (then 204); ``received``: every request."""

    secret: str = SECRET
    answers: deque[int] = field(default_factory=deque)
    received: list[Delivery] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {key.lower(): value for key, value in self.headers.items()}
                try:
                    verified: Any = Webhook(receiver.secret).verify(body, headers)
                except WebhookVerificationError as exc:
                    verified = exc
                receiver.received.append(Delivery(headers, body, verified))
                status = receiver.answers.popleft() if receiver.answers else 204
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def of_type(self, event: str) -> list[Delivery]:
        return [d for d in self.received if d.payload["type"] == event]
