"""Serves the website demo page (web/static) on WEB_PORT, with /healthz.

The HTML pages are filled in on the way out, so they work before any script has loaded: the quick exit is a real
link to QUICK_EXIT_URL, web/quick_exit.js is inlined at the top of every page (allowed by its hash in the
Content-Security-Policy), and the privacy text states RETENTION_DAYS, the setting `make run` purges stored
conversations with. Rasa's socket.io address (RASA_PUBLIC_URL, else this host on RASA_PORT) is given to chat.js
on the <html> element. Every answer forbids caching and referrers, so the visit leaves as little behind as the
browser allows.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict
from urllib.parse import urlsplit

from ops.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
QUICK_EXIT_SCRIPT = (Path(__file__).resolve().parent / "quick_exit.js").read_text()
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(QUICK_EXIT_SCRIPT.encode()).digest()).decode()
SETTINGS = Settings.load()
HOSTNAME = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)")
PAGE = re.compile(r"^/([a-z0-9-]+\.html)?$")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def rasa_url(host_header: str, settings: Settings) -> str:
    """Rasa's public base URL: RASA_PUBLIC_URL, else the host the page came from on RASA_PORT."""
    if settings.rasa_public_url:
        return settings.rasa_public_url.rstrip("/")
    match = HOSTNAME.match(host_header or "")
    hostname = match.group(1) if match else "localhost"
    return f"http://{hostname}:{settings.rasa_port}"


def retention_in_words(settings: Settings) -> str:
    """RETENTION_DAYS, the setting make run's purge reads, in words: "90 days"."""
    return f"{settings.retention_days:g} day" + ("" if settings.retention_days == 1 else "s")


def page_values(host_header: str, settings: Settings) -> Dict[str, str]:
    """What the pages are filled in with (HTML-escaped, except the trusted inline script)."""
    values = {
        "exit_url": settings.quick_exit_url,
        "rasa_url": rasa_url(host_header, settings),
        "retention": retention_in_words(settings),
    }
    escaped = {name: html.escape(value, quote=True) for name, value in values.items()}
    return {**escaped, "quick_exit_script": QUICK_EXIT_SCRIPT}


def render(name: str, values: Dict[str, str]) -> str:
    """A page of web/static with its {{placeholders}} filled in; an unknown placeholder is an error."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], (STATIC / name).read_text())


def security_policy(rasa: str) -> str:
    """Content-Security-Policy: only this site's own files and the inline quick exit, and connections to Rasa."""
    socket = re.sub(r"^http", "ws", rasa)
    return (
        f"default-src 'self'; script-src 'self' '{SCRIPT_HASH}'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self' {rasa} {socket}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class Handler(SimpleHTTPRequestHandler):
    """Pages, static files and a health check; no request logging (nothing about visitors is kept)."""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        """Answers /healthz and the pages, else serves a static file."""
        path = urlsplit(self.path).path
        page = PAGE.match(path)
        if path == "/healthz":
            self.reply(b"ok", "text/plain")
        elif path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
        elif page and (STATIC / (page.group(1) or "index.html")).is_file():
            values = page_values(self.headers.get("Host", ""), SETTINGS)
            self.reply(render(page.group(1) or "index.html", values).encode(), "text/html")
        elif os.path.isdir(self.translate_path(path)) or self.translate_path(path).endswith(".html"):
            self.send_error(404)  # a page only ever filled in, never as its template
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
        self.send_header("Content-Security-Policy", security_policy(rasa_url(self.headers.get("Host", ""), SETTINGS)))
        super().end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """No directory listings."""
        self.send_error(404)
        return None

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keeps visitors' requests out of the logs."""


def main() -> None:
    """Checks every page once, then serves on WEB_PORT until interrupted."""
    for page in STATIC.glob("*.html"):
        render(page.name, page_values("localhost", SETTINGS))
    server = ThreadingHTTPServer(("0.0.0.0", SETTINGS.web_port), partial(Handler, directory=str(STATIC)))
    server.serve_forever()


if __name__ == "__main__":
    main()
