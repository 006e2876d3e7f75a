"""The website server over real HTTP: generated config, privacy headers, local assets only."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest

from scripts import serve
from tests.bot import free_port

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "web" / "static"


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    """The website alone on a free port, with Rasa's public URL and the exit URL set."""
    env = {**serve.environment(), "WEB_PORT": str(free_port()), "RASA_PORT": "5999",
           "QUICK_EXIT_URL": "https://example.org/weather"}
    processes = serve.start(["web"], env)
    yield f"http://127.0.0.1:{env['WEB_PORT']}"
    serve.stop(processes)


def get(url: str, host: str | None = None) -> Tuple[int, Dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_config_points_at_rasa_on_the_pages_host(web: str) -> None:
    status, headers, body = get(f"{web}/config.js", host="localhost:8080")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    config = json.loads(re.fullmatch(r"window\.CHAT_CONFIG = (.*);\n", body.decode()).group(1))
    assert config == {"rasaUrl": "http://localhost:5999", "exitUrl": "https://example.org/weather"}


def test_hostile_host_header_cannot_inject(web: str) -> None:
    _, headers, body = get(f"{web}/config.js", host='evil"onload=1')
    assert '"rasaUrl": "http://evil:5999"' in body.decode()
    assert "onload" not in headers["Content-Security-Policy"]


def test_privacy_headers_and_no_cookies(web: str) -> None:
    status, headers, body = get(f"{web}/")
    assert status == 200 and b"Leave this site" in body
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_no_directory_listing(web: str) -> None:
    assert get(f"{web}/vendor/")[0] == 404


def test_assets_are_local_and_vendored_client_matches_package() -> None:
    for page in STATIC.glob("*.html"):
        assert not re.search(r"(src|href)=\"(https?:)?//(?!www\.derbyshire\.police\.uk)", page.read_text()), page
    vendored = (STATIC / "vendor" / "socket.io.min.js").read_text()[:200]
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]["socket.io-client"].lstrip("^~")
    assert f"v{wanted}" in vendored, vendored
