"""A small reverse proxy in front of the Rasa replicas: REST by sender, sticky per socket.io session.

REST webhook messages go to their sender's replica (a hash of `sender`), so each replica keeps serving the
conversations it holds in memory; other requests go round-robin; a request whose connection is refused is
retried on the next live replica (it never reached Rasa, so nothing is processed twice). socket.io
(/socket.io/, long-polling and the websocket upgrade) is sticky: the engine.io session id from the handshake is
pinned to the replica that issued it. Replicas are health-checked every second; dead ones are skipped until
they answer again. Conversations themselves live in the tracker store and are locked in the lock store
(PostgreSQL and Redis in production, one SQLite file in `make run`), so any replica can continue any of them.

    BALANCER_PORT=5005 BALANCER_UPSTREAMS="http://127.0.0.1:5006 http://127.0.0.1:5007" python -m ops.balancer
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional

import aiohttp
from aiohttp import web

logger = logging.getLogger("balancer")

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}  # Host is passed on: a replica builds its own URLs from it (Twilio signs the public URL)
WEBSOCKET_HANDSHAKE = {"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept"}
ENGINE_IO_SID = re.compile(rb'"sid"\s*:\s*"([^"]+)"')
HEALTH_PATH = "/webhooks/rest/"
REST_WEBHOOK = "/webhooks/rest/webhook"
MAX_SESSIONS = 100_000


@dataclass
class Replica:
    """One Rasa replica and whether it answered its last health check."""

    index: int
    url: str
    alive: bool = True


def rest_sender(body: bytes) -> Optional[str]:
    """The `sender` of a REST webhook body, if it has one (the replica checks the rest)."""
    try:
        sender = json.loads(body).get("sender")
    except (ValueError, AttributeError):
        return None
    return str(sender) if isinstance(sender, (str, int)) else None


def forwarded_headers(headers: "aiohttp.typedefs.LooseHeaders", drop: set[str]) -> Dict[str, str]:
    """The headers to pass on, without hop-by-hop ones."""
    return {key: value for key, value in headers.items() if key.lower() not in drop}


class Balancer:
    """Chooses replicas, proxies requests and keeps the health of each replica."""

    def __init__(self, upstreams: List[str], check_interval: float = 1.0) -> None:
        self.replicas = [Replica(index, url.rstrip("/")) for index, url in enumerate(upstreams)]
        self.check_interval = check_interval
        self.sessions: "OrderedDict[str, Replica]" = OrderedDict()
        self.turn = 0
        self.client: Optional[aiohttp.ClientSession] = None

    def candidates(self, sid: Optional[str], sender: Optional[str] = None) -> List[Replica]:
        """Replicas to try in order: the session's own; else, from the sender's replica (REST) or the next one
        round-robin, the live ones, dead ones last."""
        pinned = self.sessions.get(sid) if sid else None
        if pinned is not None:
            return [pinned]
        if sender is not None:
            first = zlib.crc32(sender.encode("utf-8", "replace")) % len(self.replicas)
        else:
            self.turn = first = (self.turn + 1) % len(self.replicas)
        rotated = self.replicas[first:] + self.replicas[:first]
        return [r for r in rotated if r.alive] + [r for r in rotated if not r.alive]

    def pin(self, sid: str, replica: Replica) -> None:
        """Remembers which replica owns an engine.io session (the oldest are forgotten first)."""
        self.sessions[sid] = replica
        while len(self.sessions) > MAX_SESSIONS:
            self.sessions.popitem(last=False)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Proxies one request (or websocket) to a replica."""
        if request.path == "/_balancer/health":
            alive = [r.index for r in self.replicas if r.alive]
            return web.json_response({"replicas": len(self.replicas), "alive": alive}, status=200 if alive else 503)
        sid = request.query.get("sid") if request.path.startswith("/socket.io/") else None
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.proxy_websocket(request, sid)
        return await self.proxy_http(request, sid)

    async def proxy_http(self, request: web.Request, sid: Optional[str]) -> web.StreamResponse:
        """Forwards a plain HTTP request; retries on the next replica when a connection is refused."""
        body = await request.read()
        headers = forwarded_headers(request.headers, HOP_BY_HOP)
        headers["X-Forwarded-For"] = request.remote or ""
        sender = rest_sender(body) if request.path == REST_WEBHOOK else None
        for replica in self.candidates(sid, sender):
            try:
                async with self.client.request(
                    request.method,
                    replica.url + request.path_qs,
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                ) as upstream:
                    payload = await upstream.read()
                    status, reply_headers = upstream.status, forwarded_headers(upstream.headers, HOP_BY_HOP)
            except aiohttp.ClientConnectorError:
                self.mark(replica, alive=False)
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError):  # reached Rasa, so not retried elsewhere
                return web.json_response({"error": "the Rasa replica failed to answer"}, status=502)
            if request.path.startswith("/socket.io/") and sid is None and status == 200:
                found = ENGINE_IO_SID.search(payload)
                if found:
                    self.pin(found.group(1).decode(), replica)
            reply_headers["X-Replica"] = str(replica.index)
            return web.Response(status=status, body=payload, headers=reply_headers)
        return web.json_response({"error": "no Rasa replica is reachable"}, status=503)

    async def proxy_websocket(self, request: web.Request, sid: Optional[str]) -> web.StreamResponse:
        """Connects a websocket through to a replica and pumps messages both ways."""
        headers = forwarded_headers(request.headers, HOP_BY_HOP | WEBSOCKET_HANDSHAKE)
        upstream = None
        for replica in self.candidates(sid):
            url = (replica.url + request.path_qs).replace("http", "ws", 1)
            try:
                upstream = await self.client.ws_connect(url, headers=headers, autoping=True)
                break
            except aiohttp.ClientConnectorError:
                self.mark(replica, alive=False)
            except aiohttp.WSServerHandshakeError as error:
                return web.Response(status=error.status or 502)
        if upstream is None:
            return web.Response(status=503)
        downstream = web.WebSocketResponse(autoping=True)
        await downstream.prepare(request)
        pumps = [asyncio.create_task(pump(downstream, upstream)), asyncio.create_task(pump(upstream, downstream))]
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for task in pumps:
            task.cancel()
        await upstream.close()
        await downstream.close()
        return downstream

    def mark(self, replica: Replica, alive: bool) -> None:
        """Records a replica's health, logging changes."""
        if replica.alive != alive:
            logger.warning("replica %d (%s) is %s", replica.index, replica.url, "back" if alive else "DOWN")
        replica.alive = alive

    async def check_health(self) -> None:
        """Polls every replica's REST channel forever."""
        timeout = aiohttp.ClientTimeout(total=2)
        while True:
            for replica in self.replicas:
                try:
                    async with self.client.get(replica.url + HEALTH_PATH, timeout=timeout) as reply:
                        self.mark(replica, reply.status == 200)
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    self.mark(replica, alive=False)
            await asyncio.sleep(self.check_interval)

    async def startup(self, _app: web.Application) -> None:
        """Opens the client session and starts the health checks."""
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=3, sock_read=120)
        self.client = aiohttp.ClientSession(timeout=timeout, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar())
        self.health_task = asyncio.create_task(self.check_health())

    async def cleanup(self, _app: web.Application) -> None:
        """Stops the health checks and closes the client session."""
        self.health_task.cancel()
        await self.client.close()


async def pump(
    source: "web.WebSocketResponse | aiohttp.ClientWebSocketResponse",
    sink: "web.WebSocketResponse | aiohttp.ClientWebSocketResponse",
) -> None:
    """Copies websocket messages from source to sink until either closes."""
    async for message in source:
        if message.type == aiohttp.WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await sink.send_bytes(message.data)
        else:
            break


def application(upstreams: List[str]) -> web.Application:
    """The balancer as an aiohttp application."""
    balancer = Balancer(upstreams)
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", balancer.handle)
    app.on_startup.append(balancer.startup)
    app.on_cleanup.append(balancer.cleanup)
    return app


def main() -> None:
    """Serves on BALANCER_PORT in front of BALANCER_UPSTREAMS (space-separated base URLs)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s balancer %(levelname)s %(message)s")
    upstreams = os.environ["BALANCER_UPSTREAMS"].split()
    port = int(os.environ.get("BALANCER_PORT", "5005"))
    web.run_app(application(upstreams), host=os.environ.get("BALANCER_HOST", "0.0.0.0"), port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
