"""Serves the website demo page (web/static) on WEB_PORT (default 8080), with /healthz for readiness."""

from __future__ import annotations

import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


class Handler(SimpleHTTPRequestHandler):
    """Static files plus a health check; no request logging (nothing about visitors is kept)."""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        """Answers /healthz, else serves a static file."""
        if self.path == "/healthz":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keeps visitors' requests out of the logs."""


def main() -> None:
    """Serves until interrupted."""
    port = int(os.environ.get("WEB_PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), partial(Handler, directory=str(STATIC)))
    server.serve_forever()


if __name__ == "__main__":
    main()
