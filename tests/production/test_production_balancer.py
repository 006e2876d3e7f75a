"""The balancer's websocket proxying and session pinning, against two real (small) aiohttp upstream servers.

Rasa's own socket.io websocket transport fails on Python 3.11 (sanic 21.12), so the stack tests use long-polling;
this checks the websocket path of ops/balancer.py on its own.
"""

from __future__ import annotations

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

from ops.balancer import application


def upstream(name: str) -> web.Application:
    """A replica stand-in: a handshake answering with a session id, and a websocket echoing with its name."""

    async def socket_io(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(text=f'0{{"sid":"{name}-session","upgrades":["websocket"]}}')
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                await socket.send_str(f"{name}:{message.data}:{request.query.get('sid', '')}")
        return socket

    app = web.Application()
    app.router.add_get("/socket.io/", socket_io)
    app.router.add_get("/webhooks/rest/", lambda _: web.json_response({"status": "ok"}))
    return app


async def test_websockets_are_proxied_to_the_replica_that_issued_the_session() -> None:
    replicas = [TestServer(upstream("a")), TestServer(upstream("b"))]
    for server in replicas:
        await server.start_server()
    client = TestClient(TestServer(application([str(server.make_url("")) for server in replicas])))
    await client.start_server()
    try:
        sids = []
        for _ in range(2):  # handshakes go round-robin: one session on each replica
            handshake = await client.get("/socket.io/?EIO=4&transport=polling")
            sids.append((await handshake.text()).split('"sid":"')[1].split('"')[0])
        assert sorted(sids) == ["a-session", "b-session"]
        for sid in [sids[0], sids[0], sids[1], sids[1]]:  # every websocket of a session reaches the replica that issued it
            socket = await client.ws_connect(f"/socket.io/?EIO=4&transport=websocket&sid={sid}")
            await socket.send_str("2probe")
            reply = await socket.receive(timeout=5)
            assert reply.data == f"{sid[0]}:2probe:{sid}"
            await socket.close()
    finally:
        await client.close()
        for server in replicas:
            await server.close()
