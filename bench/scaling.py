"""make bench-scaling: the figures behind the README's "Scaling" section, measured on the production configuration.

One Rasa replica on endpoints.production.yml, with its action server, against this machine's PostgreSQL, Redis and
RabbitMQ (a database, queue, exchange and key prefix of its own, removed afterwards), driven over REST by closed-loop
conversations (bench/load.py) at rising concurrency. For each level: messages per second, reply p50 and p95, the
replica's peak resident memory and its peak PostgreSQL connections (pg_stat_activity). Prints a table and writes
bench/results/scaling.json. Not part of make test.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
import uuid
from typing import Any, Dict, List

from bench import load, stats
from bench.run import RESULTS
from ops import preflight, stack, supervisor
from ops.supervisor import free_port

LEVELS = (4, 8, 16, 32)  # conversations at once
SECONDS = 20  # of load per level


class PeakConnections:
    """Samples how many PostgreSQL connections a database has, every 0.2 s; keeps the peak."""

    def __init__(self, env: Dict[str, str]) -> None:
        self.env, self.peak, self._stop = env, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        connection = preflight.postgres_connect(self.env, "postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            while not self._stop.is_set():
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.env["POSTGRES_DB"],))
                self.peak = max(self.peak, cursor.fetchone()[0])
                self._stop.wait(0.2)
        connection.close()

    def __enter__(self) -> "PeakConnections":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def level(env: Dict[str, str], rasa_pid: int, conversations: int) -> Dict[str, Any]:
    """One level of load: throughput, latency, the replica's peak memory and database connections."""
    url = f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook"
    headers = {"Authorization": f"Bearer {env['REST_CHANNEL_TOKEN']}"}
    with load.PeakRss({"replica": [rasa_pid]}) as memory, PeakConnections(env) as connections:
        samples, wall = asyncio.run(load.drive(url, load.OURS, conversations, 10**6, SECONDS, "scaling", headers))
    summary = stats.summarise([s.latency_ms for s in samples], wall, errors=sum(not s.ok for s in samples))
    return {
        "conversations": conversations,
        **summary,
        "replica_peak_rss_mb": memory.peaks["replica"] / 2**20,
        "postgres_connections_peak": connections.peak,
    }


def main() -> None:
    """Starts one production replica, loads it at each level, prints and saves the figures."""
    tag = f"scaling_{uuid.uuid4().hex[:8]}"
    env = stack.environment(
        REST_CHANNEL_TOKEN=secrets.token_hex(16),
        SENDER_KEY_SECRET=secrets.token_hex(32),
        POSTGRES_DB=tag,
        RABBITMQ_QUEUE=tag,
        RABBITMQ_EXCHANGE=tag,
        RABBITMQ_MESSAGE_TTL_SECONDS="600",
        REDIS_KEY_PREFIX=tag.replace("_", ""),
        RASA_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        RASA_REPLICAS="1",
    )
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{env['ACTION_SERVER_PORT']}/webhook"
    processes = stack.start_stack(env, web=False)
    try:
        rows: List[Dict[str, Any]] = [level(env, processes["rasa"].pid, n) for n in LEVELS]
    finally:
        supervisor.stop(processes)
        preflight.drop_database(env)  # its queue and keys hold nothing that outlives their TTL
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scaling.json").write_text(json.dumps({"measured": time.strftime("%Y-%m-%d %H:%M"), "levels": rows}, indent=1))
    print(f"{'conversations':>13}{'msg/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'errors':>8}{'RSS MB':>8}{'PG conns':>10}")
    for row in rows:
        print(
            f"{row['conversations']:>13}{row['msgs_per_s']:>8.1f}{row['p50_ms']:>8.0f}{row['p95_ms']:>8.0f}"
            f"{row['errors']:>8}{row['replica_peak_rss_mb']:>8.0f}{row['postgres_connections_peak']:>10}"
        )


if __name__ == "__main__":
    main()
