"""PostgreSQL failing after start-up: the replica says not-ready and stores nothing in memory, then carries on.

The replica reaches the real PostgreSQL through a TCP forwarder that the test cuts (every connection dropped, new
ones refused) and restores, so the shared PostgreSQL itself is never stopped.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from ops import preflight, stack, supervisor
from ops.supervisor import free_port
from tests.production import services
from tests.production.services import Forwarder

READY_WITHIN = 10  # seconds for readiness to follow the database


def readiness(url: str) -> int:
    """The status of the replica's readiness route."""
    try:
        with urllib.request.urlopen(f"{url}/webhooks/health/ready", timeout=5) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def wait_for_readiness(url: str, status: int) -> float:
    """Seconds until readiness answers `status` (fails after READY_WITHIN)."""
    started = time.monotonic()
    while readiness(url) != status:
        assert time.monotonic() - started < READY_WITHIN, f"readiness did not become {status} within {READY_WITHIN} s"
        time.sleep(0.25)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def replica(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, str, Forwarder, Path]]:
    """One production Rasa replica on its own database, reaching PostgreSQL through a Forwarder; its log file."""
    tag = uuid.uuid4().hex[:10]
    env = stack.environment(
        **services.own_stores("outage", tag),
        RASA_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        RASA_REPLICAS="1",
        LOG_LEVEL="INFO",
    )
    services.skip_unless_reachable(env)
    assert not preflight.run_checks(env)  # creates the test database
    forwarder = Forwarder(int(env["POSTGRES_PORT"]))
    forwarder.open()
    log = tmp_path_factory.mktemp("outage") / "rasa.log"
    job = supervisor.plan(["rasa"], {**env, "POSTGRES_PORT": str(forwarder.port)})["rasa"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            job.argv, cwd=supervisor.settings.ROOT, env=job.env, start_new_session=True, stdout=out, stderr=out
        )
    try:
        supervisor.wait_until_ready(job.health_url, process)
        yield env, f"http://127.0.0.1:{env['RASA_PORT']}", forwarder, log
    finally:
        supervisor.stop({"rasa": process})
        services.remove_test_data(env)


LAST_RESORT = "I can't answer right now. If you are in danger, call 999. To report abuse, call 101."


def test_a_database_outage_turns_readiness_red_and_nothing_falls_back_to_memory(replica: tuple) -> None:
    env, url, forwarder, log = replica
    sender = f"outage-{uuid.uuid4().hex}"
    assert readiness(url) == 200
    _, before = services.post(url, sender, "how do I report domestic abuse")
    assert "101" in json.dumps(before)

    forwarder.cut()
    went_red = wait_for_readiness(url, 503)
    _, during = services.post(url, sender, "where can I get support", timeout=30, status=503)
    # Not acknowledged (503: the sender tries again), and still answered: the channel's own last-resort reply
    # (issue 14), which names 999.
    assert [message["text"] for message in during] == [LAST_RESORT], during

    forwarder.open()
    back = wait_for_readiness(url, 200)
    _, after = services.post(url, sender, "is this private")
    assert after, "the replica carries on once the database is back, without a restart"
    stored = services.user_texts(services.stored_events(env, sender))
    # The 503 said "may not be stored": a turn still retrying the database when it came back stores its message late.
    assert stored in (
        ["how do I report domestic abuse", "is this private"],
        ["how do I report domestic abuse", "where can I get support", "is this private"],
    ), stored
    text = log.read_text()
    assert "Falling back" not in text and "InMemoryTrackerStore" not in text
    print(f"\nreadiness red {went_red:.1f} s after the database went, green {back:.1f} s after it returned")
