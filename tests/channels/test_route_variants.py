"""Every path that reaches a channel handler goes through its checks: variants of each route are refused with a 4xx.

The routes are the Rasa server's own, enumerated from the sanic app that Rasa builds from credentials.yml (with
every channel on, patched as the server is); each is then called on the running server as it is (with a body that
fails the channel's check) and in variants: a trailing slash, double slashes, HEAD.
"""

from __future__ import annotations

import http.client
import json
from typing import Dict, List, Tuple

import pytest
from sanic import Sanic

from ops import supervisor
from ops.settings import ROOT
from tests.bot import Bot

UNCHECKED_BODY = json.dumps({"message": "x" * 5000}).encode()  # no sender, no signature, over the length cap
VALID_BODY = json.dumps({"sender": "variant-test", "message": "hello"}).encode()  # what REST and callback accept


def server_routes(channel_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> List[Tuple[str, frozenset]]:
    """(path, methods) of every route of the Rasa server with all channels on, but socket.io's engine (whose
    messages reach the bot as socket.io events, checked whatever the path)."""
    from rasa.core import run

    from plugins import patches

    for name, value in channel_env.items():
        monkeypatch.setenv(name, value)
    patches.apply()
    monkeypatch.setattr(Sanic, "test_mode", True)  # the server's app name may be taken in this process
    app = run.configure_app(run.create_http_input_channels(None, str(ROOT / "credentials.yml")), enable_api=False)
    return [("/" + route.path, frozenset(route.methods)) for route in app.router.routes if route.path != "socket.io"]


def variants(path: str) -> List[Tuple[str, str]]:
    """(method, path) variants of a route's path that must not reach its handler."""
    found = [("POST", path.rstrip("/") + "/") if not path.endswith("/") else ("POST", path.rstrip("/"))]
    found += [("POST", "/" + path), ("POST", path.replace("/", "//", 2)), ("HEAD", path)]
    return [variant for variant in found if variant[1] != path or variant[0] == "HEAD"]


def call(bot: Bot, method: str, path: str, body: bytes) -> int:
    """The status a running Rasa process (not the proxy in front) answers to the path exactly as given."""
    port = int(supervisor.rasa_urls(bot.env)[0].rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body, {"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_server_has_every_channel_route(channel_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    posted = {path for path, methods in server_routes(channel_env, monkeypatch) if "POST" in methods}
    assert {f"/webhooks/{name}/webhook" for name in ("rest", "telegram", "facebook", "twilio", "whatsapp", "callback")} <= posted


def test_each_handler_checks_what_reaches_it(
    channel_bot: Bot, channel_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for path, methods in server_routes(channel_env, monkeypatch):
        if "POST" in methods:
            assert 400 <= call(channel_bot, "POST", path, UNCHECKED_BODY) < 500, path


def test_every_variant_of_every_route_is_refused(
    channel_bot: Bot, channel_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answered = {}
    for path, _ in server_routes(channel_env, monkeypatch):
        for method, variant in variants(path):
            answered[f"{method} {variant}"] = call(channel_bot, method, variant, VALID_BODY)
    assert answered and all(400 <= status < 500 for status in answered.values()), answered


def test_the_trailing_slash_of_the_rest_webhook_is_refused(channel_bot: Bot) -> None:
    assert call(channel_bot, "POST", "/webhooks/rest/webhook", VALID_BODY) == 200
    assert 400 <= call(channel_bot, "POST", "/webhooks/rest/webhook/", VALID_BODY) < 500
    assert 400 <= call(channel_bot, "POST", "/webhooks/rest/webhook/", UNCHECKED_BODY) < 500
