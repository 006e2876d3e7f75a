"""A local stand-in for the providers' APIs (Telegram, Graph API, Twilio, a callback receiver) that records calls."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Tuple


def parse_fields(content_type: str, body: bytes) -> Dict[str, Any]:
    """The fields of a JSON, form-encoded or multipart request body."""
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        return {part.get_param("name", header="content-disposition"): part.get_content().strip() for part in message.iter_parts()}
    return {key: values[0] for key, values in urllib.parse.parse_qs(body.decode()).items()}


class Provider:
    """An HTTP server on 127.0.0.1 that answers like the providers and keeps every request it got."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.calls: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def _handler(self) -> type:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fields = parse_fields(self.headers.get("Content-Type", ""), body)
                with provider.lock:
                    provider.calls.append({"path": urllib.parse.urlsplit(self.path).path, "fields": fields})
                status, reply = provider.answer(self.path, fields)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    @staticmethod
    def answer(path: str, fields: Dict[str, Any]) -> Tuple[int, Any]:
        """What the real API would answer."""
        if path.startswith("/telegram/") and path.endswith("/sendMessage"):
            chat = {"id": int(fields["chat_id"]), "type": "private"}
            return 200, {"ok": True, "result": {"message_id": 1, "date": 0, "chat": chat, "text": fields["text"]}}
        if path.startswith("/telegram/"):
            return 200, {"ok": True, "result": True}
        if path.startswith("/twilio/"):
            return 201, {
                "sid": "SM" + "0" * 32,
                "body": fields.get("Body"),
                "to": fields.get("To"),
                "from": fields.get("From"),
                "status": "queued",
            }
        if path.startswith("/graph/"):
            return 200, {"recipient_id": fields.get("recipient", {}).get("id"), "message_id": "m_1"}
        return 200, {}

    def start(self) -> "Provider":
        """Starts serving in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stops the server."""
        self.server.shutdown()
        self.server.server_close()

    def sent(self, prefix: str, **match: Any) -> List[Dict[str, Any]]:
        """The recorded calls under `prefix` whose fields contain `match`."""
        with self.lock:
            calls = list(self.calls)
        return [
            call
            for call in calls
            if call["path"].startswith(prefix) and all(call["fields"].get(key) == value for key, value in match.items())
        ]

    def wait_for(self, prefix: str, count: int, timeout: float = 30, **match: Any) -> List[Dict[str, Any]]:
        """Waits until at least `count` matching calls arrived; returns them."""
        deadline = time.monotonic() + timeout
        while len(self.sent(prefix, **match)) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.sent(prefix, **match)
