"""nginx in front of the replicas (ops/proxy.py, deploy/nginx/), as `make run` runs it: 2 replicas on this machine.

The bot's public port serves the channels and socket.io only; replicas and the action server listen on 127.0.0.1;
long-polls are capped per client address and do not starve anything else; slow and oversized requests are cut off.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

import psutil

from ops import client, supervisor
from tests.bot import Bot, texts

DANGER = "he's got a knife and he's coming at me"
LOOPBACK_CLIENTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]  # four client addresses, all this machine


def status_of(url: str, method: str = "GET") -> int:
    """The HTTP status of one request without a body."""
    status, _, _ = client.post(url, b"", timeout=10) if method == "POST" else get(url)
    return status


def get(url: str) -> Tuple[int, dict, bytes]:
    """A GET's status, headers and body, also for errors."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_rasa_http_api_is_not_served_on_the_public_port(bot: Bot) -> None:
    assert supervisor.replicated(bot.env), "these tests need RASA_REPLICAS > 1 (nginx in front)"
    assert get(f"{bot.url}/healthz")[0] == 200
    for path in ("/model", "/status", "/version", "/conversations/someone/tracker", "/domain", "/model/parse", "/"):
        assert get(bot.url + path)[0] == 404, path
        assert status_of(bot.url + path, "POST") == 404, path


def test_replicas_and_the_action_server_listen_on_loopback_only(bot: Bot) -> None:
    ports = {int(url.rsplit(":", 1)[1]) for url in supervisor.replica_urls(bot.env)} | {int(bot.env["ACTION_SERVER_PORT"])}
    listening = {c.laddr.port: c.laddr.ip for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN}
    assert {port: listening.get(port) for port in ports} == {port: "127.0.0.1" for port in ports}
    assert listening[int(bot.env["RASA_PORT"])] == "0.0.0.0"


def test_a_body_over_the_cap_is_refused(bot: Bot) -> None:
    status, _ = bot.post_raw(json.dumps({"sender": "big", "message": "x" * 1_100_000}).encode())
    assert status == 413


def slow_client(port: int, request: bytes) -> float:
    """Sends `request` and then nothing; returns the seconds until nginx closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request)
        started = time.monotonic()
        while sock.recv(4096):
            pass
        return time.monotonic() - started


def test_slow_headers_and_slow_bodies_are_cut_off(bot: Bot) -> None:
    port, limit = int(bot.env["RASA_PORT"]), float(bot.env["PROXY_CLIENT_TIMEOUT"])
    slow_headers = b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n"
    slow_body = b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
    with ThreadPoolExecutor(2) as pool:
        waits = list(pool.map(lambda request: slow_client(port, request), [slow_headers, slow_body]))
    assert all(limit - 1 < wait < limit + 3 for wait in waits), waits


Poll = Tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def long_poll(port: int, address: str) -> Poll | int:
    """From client `address`: an engine.io handshake, then a long-poll on its session, left waiting (an idle tab).

    Returns the connection, or the status that refused the handshake."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
    writer.write(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: bot\r\n\r\n")
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split()[1])
    if status != 200:
        writer.close()
        return status
    body = await reader.readexactly(int(re.search(rb"(?i)content-length: *(\d+)", head).group(1)))
    sid = json.loads(body[1:])["sid"]
    writer.write(f"GET /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: bot\r\n\r\n".encode())
    return reader, writer


async def answered(poll: Poll) -> bool:
    """Whether the long-poll got any answer (or was closed) within half a second."""
    try:
        await asyncio.wait_for(poll[0].read(1), 0.5)
    except asyncio.TimeoutError:
        return False
    return True


def test_120_idle_long_polls_leave_danger_answered_within_5_s(bot: Bot) -> None:
    port, cap = int(bot.env["RASA_PORT"]), int(bot.env["PROXY_LONGPOLLS_PER_ADDRESS"])
    per_address = 120 // len(LOOPBACK_CLIENTS)
    assert per_address <= cap < 120

    async def scenario() -> Tuple[List[Poll | int], List[float], List[float], List[bool]]:
        polls = await asyncio.gather(*[long_poll(port, address) for address in LOOPBACK_CLIENTS for _ in range(per_address)])
        polls += [await long_poll(port, LOOPBACK_CLIENTS[0]) for _ in range(cap - per_address + 1)]  # one over the cap
        try:
            await asyncio.sleep(1)  # every long-poll has reached its replica
            sender, waits, health = f"polls-{uuid.uuid4().hex}", [], []
            loop = asyncio.get_running_loop()
            for _ in range(2):  # a danger message, and a second one in the same conversation
                started = time.monotonic()
                reply = await loop.run_in_executor(None, lambda: client.post_message(bot.url, sender, DANGER, timeout=10))
                waits.append(time.monotonic() - started)
                assert "999" in texts(reply), reply
                started = time.monotonic()
                assert (await loop.run_in_executor(None, get, f"{bot.url}/healthz"))[0] == 200
                health.append(time.monotonic() - started)
            held = await asyncio.gather(*[answered(poll) for poll in polls if not isinstance(poll, int)])
            return polls, waits, health, held
        finally:
            for poll in polls:
                if not isinstance(poll, int):
                    poll[1].close()

    polls, waits, health, answered_early = asyncio.run(scenario())
    assert polls[-1] == 429, "the per-address cap refuses the one over it"
    assert len(answered_early) == cap + (len(LOOPBACK_CLIENTS) - 1) * per_address
    assert not any(answered_early), "every long-poll is held by the replica that issued its session (sticky)"
    print(f"\nwith {len(answered_early)} long-polls held: 999 replies in {', '.join(f'{w:.2f}' for w in waits)} s")
    assert max(waits) < 5, waits
    assert max(health) < 2, health
