"""Serves the website demo page (web/static) on WEB_PORT (default 8080), with /healthz and /config.js.

/config.js tells the page where Rasa's socket.io endpoint is (RASA_PUBLIC_URL, else this host on RASA_PORT)
and where the quick exit goes (QUICK_EXIT_URL). Every answer forbids caching and referrers, so the visit
leaves as little behind as the browser allows.
"""

from __future__ import annotations

import json
import os
import re
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"
HOSTNAME = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)")


def rasa_url(host_header: str, env: Dict[str, str]) -> str:
    """Rasa's public base URL: RASA_PUBLIC_URL, else the host the page came from on RASA_PORT."""
    if env.get("RASA_PUBLIC_URL"):
        return env["RASA_PUBLIC_URL"].rstrip("/")
    match = HOSTNAME.match(host_header or "")
    hostname = match.group(1) if match else "localhost"
    return f"http://{hostname}:{env.get('RASA_PORT', '5005')}"


def page_config(host_header: str, env: Dict[str, str]) -> Dict[str, str]:
    """What the page needs to know: Rasa's URL and the quick-exit destination."""
    return {"rasaUrl": rasa_url(host_header, env), "exitUrl": env.get("QUICK_EXIT_URL") or DEFAULT_EXIT_URL}


def security_policy(rasa: str) -> str:
    """Content-Security-Policy: only this site's own files, and connections to Rasa."""
    socket = re.sub(r"^http", "ws", rasa)
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src 'self' {rasa} {socket}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class Handler(SimpleHTTPRequestHandler):
    """Static files, /config.js and a health check; no request logging (nothing about visitors is kept)."""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        """Answers /healthz and /config.js, else serves a static file."""
        if self.path == "/healthz":
            self.reply(b"ok", "text/plain")
        elif self.path == "/config.js":
            config = json.dumps(page_config(self.headers.get("Host", ""), dict(os.environ)))
            self.reply(f"window.CHAT_CONFIG = {config};\n".encode(), "text/javascript")
        else:
            super().do_GET()

    def reply(self, body: bytes, content_type: str) -> None:
        """Sends a small generated answer."""
        self.send_response(200)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        """Adds the privacy and security headers to every answer."""
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", security_policy(rasa_url(self.headers.get("Host", ""), dict(os.environ))))
        super().end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """No directory listings."""
        self.send_error(404)
        return None

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keeps visitors' requests out of the logs."""


def main() -> None:
    """Serves until interrupted."""
    port = int(os.environ.get("WEB_PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), partial(Handler, directory=str(STATIC)))
    server.serve_forever()


if __name__ == "__main__":
    main()
