"""The website server over real HTTP: pages filled in for the quick exit and Rasa, privacy headers, local assets."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest

from ops import supervisor
from ops.settings import Settings
from ops.supervisor import free_port
from web import server

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "web" / "static"


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    """The website alone on a free port, with Rasa's public URL and the exit URL set."""
    env = {
        **supervisor.environment(),
        "WEB_PORT": str(free_port()),
        "RASA_PORT": "5999",
        "QUICK_EXIT_URL": "https://example.org/weather?a=1&b=2",
    }
    processes = supervisor.start(["web"], env)
    yield f"http://127.0.0.1:{env['WEB_PORT']}"
    supervisor.stop(processes)


def get(url: str, host: str | None = None) -> Tuple[int, Dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def html_attribute(page: str, name: str) -> str:
    """The value of the first `name="..."` attribute in `page`, unescaped."""
    return html.unescape(re.search(rf'{name}="([^"]*)"', page).group(1))


def test_page_points_at_rasa_on_the_pages_host(web: str) -> None:
    status, headers, body = get(f"{web}/", host="localhost:8080")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert html_attribute(body.decode(), "data-rasa") == "http://localhost:5999"
    assert "{{" not in body.decode()


def test_quick_exit_is_a_real_link_before_any_script(web: str) -> None:
    page = get(f"{web}/")[2].decode()
    link = re.search(r'<a id="quick-exit"[^>]*>', page).group(0)
    assert html_attribute(link, "href") == "https://example.org/weather?a=1&b=2"
    assert html_attribute(page, "data-exit") == "https://example.org/weather?a=1&b=2"
    # The inline quick exit is the first script of the page, before the stylesheet and the chat's scripts.
    assert page.index("<script>") < page.index('<link rel="stylesheet"') < page.index("<script src=")


def test_every_page_has_the_inline_quick_exit_allowed_by_its_hash(web: str) -> None:
    for page in sorted(STATIC.glob("*.html")):
        status, headers, body = get(f"{web}/{page.name}?from=test")
        inline = re.findall(r"<script>(.*?)</script>", body.decode(), re.S)
        assert status == 200 and len(inline) == 1, page.name
        digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
        assert f"'sha256-{digest}'" in headers["Content-Security-Policy"], page.name
        assert "Escape" in inline[0] and "location.replace" in inline[0]


def test_templates_are_never_served_unfilled(web: str) -> None:
    for path in ["/vendor/../", "/./index.html", "/vendor/../neutral.html"]:
        status, _, body = get(f"{web}{path}")
        assert b"{{" not in body, path


def test_hostile_host_header_cannot_inject(web: str) -> None:
    _, headers, body = get(f"{web}/", host='evil"onload=1')
    assert html_attribute(body.decode(), "data-rasa") == "http://evil:5999"
    assert "onload" not in body.decode() and "onload" not in headers["Content-Security-Policy"]


def privacy_text(page: str) -> str:
    """The privacy section's text, tags and line breaks removed."""
    section = re.search(r'<section class="privacy".*?</section>', page, re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", "", section).split())


def test_privacy_text_states_the_retention_make_run_purges_with(web: str) -> None:
    """The page's figure is RETENTION_DAYS as scripts/serve.py hands it to the purge (its default when unset)."""
    days = supervisor.environment()["RETENTION_DAYS"]
    text = privacy_text(get(f"{web}/")[2].decode())
    assert f"Our server keeps your messages for {float(days):g} days after your last message" in text, text
    assert "gone when you close this tab" not in text


@pytest.mark.parametrize("value, words", [("30", "30 days"), ("1", "1 day"), ("7.5", "7.5 days")])
def test_retention_in_words(value: str, words: str) -> None:
    settings = Settings.load({"RETENTION_DAYS": value})
    assert server.retention_in_words(settings) == words
    assert f"<strong>{words}</strong>" in server.render("index.html", server.page_values("localhost", settings))


def test_retention_comes_from_the_settings_and_is_checked() -> None:
    assert server.retention_in_words(Settings.load(supervisor.environment())) == f"{Settings().retention_days:g} days"
    with pytest.raises(ValueError):
        Settings.load({"RETENTION_DAYS": "-1"})


def test_exit_url_must_be_http() -> None:
    with pytest.raises(ValueError):
        Settings.load({"QUICK_EXIT_URL": "javascript:alert(1)"})
    assert Settings.load({}).quick_exit_url.startswith("https://")


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
