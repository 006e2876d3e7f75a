"""999 whatever fails, in the production configuration: Redis, then PostgreSQL, stop answering.

The stack (action server and one Rasa process on endpoints.production.yml, the balancer is not under test here)
reaches Redis and PostgreSQL through proxies of this test (tests/faults.py's FreezableProxy). Freezing a proxy is
what a SIGSTOPped or partitioned server looks like to Rasa; pointing Rasa at a closed port is the crashed server.
The shared local services are never stopped. Logs are captured at DEBUG level and searched for every message sent.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator

import pytest

from ops import stack, supervisor
from ops.supervisor import free_port
from tests.bot import Bot, texts
from tests.conftest import MODEL
from tests.faults import (
    SENT,
    FreezableProxy,
    assert_logs_hold_none_of_the_messages,
    assert_within_bar,
    output_to,
    two_danger_messages,
)
from tests.production import services


@dataclass
class FaultyStack:
    """The running stack, and the proxies in front of its Redis and PostgreSQL."""

    bot: Bot
    proxies: Dict[str, FreezableProxy]
    log: Path


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyStack]:
    """The production stack on its own database, queue and key prefix, behind freezable proxies."""
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does).")
    tag = uuid.uuid4().hex[:10]
    env = stack.environment(
        **services.own_stores("fault", tag),
        RASA_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        WEB_PORT=str(free_port()),
        RASA_REPLICAS="1",
        LOG_LEVEL="DEBUG",
    )
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{env['ACTION_SERVER_PORT']}/webhook"
    services.skip_unless_reachable(env)
    proxies = {
        "redis": FreezableProxy((env["REDIS_HOST"], int(env["REDIS_PORT"]))),
        "postgres": FreezableProxy((env["POSTGRES_HOST"], int(env["POSTGRES_PORT"]))),
    }
    proxied = {**env, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(proxies["redis"].port)}
    proxied.update(POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(proxies["postgres"].port))
    log = tmp_path_factory.mktemp("prod-faults") / "servers.log"
    try:
        with output_to(log):
            processes = stack.start_stack(proxied, web=False)
        try:
            yield FaultyStack(Bot(proxied, processes), proxies, log)
        finally:
            supervisor.stop(processes)
    finally:
        for proxy in proxies.values():
            proxy.close()
        services.remove_test_data(env)


def test_danger_gets_999_within_5_s_while_redis_does_not_answer(faulty: FaultyStack) -> None:
    faulty.proxies["redis"].freeze()
    try:
        seconds = two_danger_messages(faulty.bot)
    finally:
        faulty.proxies["redis"].thaw()
    assert_within_bar("Redis frozen (production)", seconds)


def test_danger_gets_999_within_5_s_while_postgresql_does_not_answer(faulty: FaultyStack) -> None:
    faulty.proxies["postgres"].freeze()
    try:
        seconds = two_danger_messages(faulty.bot)
    finally:
        faulty.proxies["postgres"].thaw()
    assert_within_bar("PostgreSQL frozen (production)", seconds)


def test_danger_gets_999_within_5_s_while_postgresql_refuses_connections(faulty: FaultyStack) -> None:
    faulty.proxies["postgres"].close()  # its port now refuses connections, as a crashed server's does
    seconds = two_danger_messages(faulty.bot)
    assert_within_bar("PostgreSQL down (production)", seconds)


def test_danger_gets_999_within_5_s_while_redis_refuses_connections(faulty: FaultyStack) -> None:
    redis = faulty.proxies["redis"]
    redis.close()  # its port now refuses connections, as a crashed server's does
    seconds = two_danger_messages(faulty.bot)
    assert_within_bar("Redis down (production)", seconds)


def test_the_logs_of_the_fault_run_hold_none_of_the_messages(faulty: FaultyStack) -> None:
    assert SENT, "the fault tests sent nothing"
    time.sleep(2)
    assert_logs_hold_none_of_the_messages(faulty.log)


def test_an_ordinary_question_still_gets_an_answer_that_names_999(faulty: FaultyStack) -> None:
    reply = texts(faulty.bot.send(f"after-{uuid.uuid4()}", "how do I report domestic abuse", timeout=30))
    assert "999" in reply and "101" in reply
