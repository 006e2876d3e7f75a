"""The fault run (issue 18): `make run-prod`'s stack under real faults of the real local services.

The stack runs as `make run-prod` runs it (`python -m ops.stack`: preflight, action server, 2 Rasa replicas behind
nginx, website, supervision that restarts a server that dies), on a database, queue, exchange and Redis key prefix of
its own. For RUN_SECONDS, CONVERSATIONS conversations chat through nginx, each retrying a failed message once, as
messaging providers do, while one replica is killed with SIGKILL, PostgreSQL restarts, Redis restarts, and RabbitMQ
stops for 15 s. The services are the machine's own: the run restarts them for real and leaves them running.

It passes when every message acknowledged (200, or 202: answered with the 999 guidance while its action still ran;
channels/webhook.py) is in PostgreSQL, every danger message got the 999 guidance,
at most MAX_ERROR_RATE of the messages failed after their retry, the killed replica is back and serving, and the
queue received every stored event. The figures are printed for the README ("Production configuration").
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Set, Tuple

import pytest

from ops import client, preflight, stack, supervisor
from ops.settings import ROOT
from ops.supervisor import free_port
from tests.production import services

RUN_SECONDS = 75
CONVERSATIONS = 20
MAX_ERROR_RATE = 0.02
ACKNOWLEDGED = (200, 202)  # the webhook took the message (channels/webhook.py); a provider retries anything else
READY_WITHIN = 240  # seconds for the stack to start on a loaded machine
MESSAGES = (
    "hi",
    "how do I report domestic abuse",
    "can I leave home to get away from him",
    "where can I get support",
    "is this chat private",
    "what is clares law",
    "my partner takes all my money",
    "what happens if I call 101",
    "thanks",
    "im worried about my sister",
)
DANGER = ("he's got a knife and he's coming at me", "pls help hes strangling me", "my neighbour is being attacked right now")
Fault = Tuple[float, str, List[str]]
FAULTS: List[Fault] = [
    (20, "restart PostgreSQL", ["pg_ctlcluster", "15", "main", "restart"]),
    (35, "restart Redis", ["service", "redis-server", "restart"]),
    (50, "stop RabbitMQ", ["rabbitmqctl", "stop_app"]),
    (65, "start RabbitMQ", ["rabbitmqctl", "start_app"]),
]
KILL_AT = 5  # seconds into the run: SIGKILL to replica 0
RESTORE = (["pg_ctlcluster", "15", "main", "start"], ["service", "redis-server", "start"], ["rabbitmqctl", "start_app"])


@dataclass
class Sent:
    """One message of a conversation: the status of each attempt (0: no answer), and the last reply."""

    sender: str
    text: str
    danger: bool
    statuses: List[int] = field(default_factory=list)
    reply: List[Dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def acknowledged(self) -> bool:
        return self.statuses[-1] in ACKNOWLEDGED


def attempt(proxy: str, sender: str, text: str) -> Tuple[int, List[Dict]]:
    """One POST through nginx; (status, messages), (0, []) when nothing answered."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    try:
        status, _, reply = client.post(
            f"{proxy}/webhooks/rest/webhook", body, {"Authorization": f"Bearer {services.TOKEN}"}, timeout=20
        )
    except OSError:
        return 0, []
    try:
        return status, json.loads(reply)
    except ValueError:
        return status, []


def converse(proxy: str, sender: str, until: float, seed: int, log: List[Sent]) -> None:
    """Chats until `until`: an ordinary question or, one time in six, a danger message; one retry on failure."""
    rng = random.Random(seed)
    while time.monotonic() < until:
        danger = rng.random() < 1 / 6
        sent = Sent(sender, rng.choice(DANGER if danger else MESSAGES), danger)
        started = time.monotonic()
        for _ in range(2):
            status, reply = attempt(proxy, sender, sent.text)
            sent.statuses.append(status)
            sent.reply = reply
            if status in ACKNOWLEDGED:
                break
            time.sleep(1)  # as a provider does before it retries
        sent.seconds = time.monotonic() - started
        log.append(sent)
        time.sleep(rng.uniform(0.3, 1.5))


def run_command(argv: List[str]) -> None:
    """Runs a service command of the fault schedule; it must succeed."""
    subprocess.run(argv, check=True, capture_output=True, timeout=60)


def replica_pid(port: str) -> int:
    """The process id of the Rasa replica listening on `port` (its own process group, see ops/supervisor.py)."""
    found = subprocess.run(["pgrep", "-f", f"plugins run .*--port {port} "], capture_output=True, text=True).stdout.split()
    assert len(found) == 1, f"expected one replica on port {port}, found {found}"
    return int(found[0])


@dataclass
class Run:
    """What the fault run did and saw."""

    env: Dict[str, str]
    messages: List[Sent]
    killed_port: str
    log: Path
    timeline: List[str]


def fault_schedule(env: Dict[str, str]) -> List[Tuple[float, str, Callable[[], None]]]:
    """(seconds into the run, name, action) of every fault, in order."""
    port = env["RASA_REPLICA_PORTS"].split()[0]
    kill = (KILL_AT, "kill replica 0", lambda: os.killpg(replica_pid(port), signal.SIGKILL))
    return [kill] + [(at, name, partial(run_command, argv)) for at, name, argv in FAULTS]


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Starts the stack, chats for RUN_SECONDS under the faults, then stops the stack (the services keep running)."""
    if os.geteuid() != 0 or not all(shutil.which(argv[0]) for _, _, argv in FAULTS):
        pytest.skip("the fault run restarts PostgreSQL, Redis and RabbitMQ: it needs root and their service commands")
    tag = uuid.uuid4().hex[:10]
    env = stack.environment(
        **services.own_stores("faultrun", tag),
        RASA_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        WEB_PORT=str(free_port()),
        RASA_REPLICAS="2",
        RASA_REPLICA_PORTS=f"{free_port()} {free_port()}",
    )
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{env['ACTION_SERVER_PORT']}/webhook"
    services.skip_unless_reachable(env)
    log = tmp_path_factory.mktemp("fault-run") / "stack.log"
    proxy = f"http://127.0.0.1:{env['RASA_PORT']}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "ops.stack"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        supervisor.wait_until_ready(f"http://127.0.0.1:{env['WEB_PORT']}/healthz", process, timeout=READY_WITHIN)
        messages: List[Sent] = []
        timeline: List[str] = []
        started = time.monotonic()
        until = started + RUN_SECONDS
        threads = [
            threading.Thread(target=converse, args=(proxy, f"faultrun-{tag}-{n}", until, n, messages))
            for n in range(CONVERSATIONS)
        ]
        for thread in threads:
            thread.start()
        try:
            for at, name, action in fault_schedule(env):
                time.sleep(max(0.0, started + at - time.monotonic()))
                action()
                timeline.append(f"{name} at {time.monotonic() - started:.1f} s")
        finally:
            for argv in RESTORE:
                subprocess.run(argv, capture_output=True, timeout=60)
            for thread in threads:
                thread.join()
        yield Run(env, messages, env["RASA_REPLICA_PORTS"].split()[0], log, timeline)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        services.remove_test_data(env)


def stored_events(env: Dict[str, str], senders: Set[str]) -> List[Tuple[str, str, float, Dict]]:
    """(sender_id, type_name, timestamp, data) of every stored event of the run's conversations."""
    keys = [services.key(sender) for sender in senders]
    connection = preflight.postgres_connect(env, env["POSTGRES_DB"])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sender_id, type_name, timestamp, data FROM events WHERE sender_id = ANY(%s)", (keys,))
            return [(sender, kind, stamp, json.loads(data)) for sender, kind, stamp, data in cursor.fetchall()]
    finally:
        connection.close()


def test_the_killed_replica_is_back_and_serving(fault_run: Run) -> None:
    url = f"http://127.0.0.1:{fault_run.killed_port}"
    deadline = time.monotonic() + 120
    while not client.answers(f"{url}/webhooks/rest/") and time.monotonic() < deadline:
        time.sleep(1)
    _, reply = services.post(url, f"back-{uuid.uuid4().hex}", "how do I report domestic abuse", timeout=30)
    assert "101" in json.dumps(reply)
    assert "restarted" in fault_run.log.read_text(errors="replace"), "the supervisor did not restart the replica"


def test_every_danger_message_got_the_999_guidance(fault_run: Run) -> None:
    danger = [sent for sent in fault_run.messages if sent.danger]
    missed = [sent.statuses for sent in danger if "999" not in json.dumps(sent.reply)]
    assert danger and not missed, f"{len(missed)} of {len(danger)} danger messages without the 999 guidance: {missed}"
    slowest = max(sent.seconds for sent in danger)
    print(f"\n{len(danger)} danger messages, every one answered with the 999 guidance; slowest {slowest:.1f} s")


def test_errors_stay_at_or_below_2_percent_with_one_retry(fault_run: Run) -> None:
    messages = fault_run.messages
    first_failures = sum(sent.statuses[0] not in ACKNOWLEDGED for sent in messages)
    errors = [sent.statuses for sent in messages if not sent.acknowledged]
    requests = sum(len(sent.statuses) for sent in messages)
    seconds = sorted(sent.seconds for sent in messages)
    print(
        f"\n{len(messages)} messages ({requests} requests) in {RUN_SECONDS} s by {CONVERSATIONS} conversations; faults at "
        f"{', '.join(fault_run.timeline)}; first attempts failed: {first_failures}; failed after the retry: {len(errors)} "
        f"({len(errors) / len(messages):.2%}); statuses {dict(Counter(s for sent in messages for s in sent.statuses))}; "
        f"reply p50 {statistics.median(seconds):.2f} s, p95 {seconds[int(len(seconds) * 0.95)]:.2f} s"
    )
    assert len(messages) >= CONVERSATIONS * 10, "the conversations hardly chatted"
    assert len(errors) <= MAX_ERROR_RATE * len(messages), errors


def test_every_acknowledged_message_is_in_postgresql(fault_run: Run) -> None:
    senders = {sent.sender for sent in fault_run.messages}
    stored = Counter(
        (sender, data.get("text")) for sender, kind, _, data in stored_events(fault_run.env, senders) if kind == "user"
    )
    acknowledged = Counter((services.key(sent.sender), sent.text) for sent in fault_run.messages if sent.acknowledged)
    missing = acknowledged - stored
    assert not missing, f"{sum(missing.values())} acknowledged messages are not in PostgreSQL"


def test_the_queue_received_every_stored_event(fault_run: Run) -> None:
    senders = {sent.sender for sent in fault_run.messages}
    stored = {(sender, kind, round(stamp, 3)) for sender, kind, stamp, _ in stored_events(fault_run.env, senders)}
    queued = {
        (event.get("sender_id"), event.get("event"), round(event.get("timestamp", 0), 3))
        for event in services.queued_events(fault_run.env, seconds=15)
    }
    missing = stored - queued
    print(f"\n{len(stored)} stored events, {len(queued)} distinct events in the queue, {len(missing)} missing")
    assert not missing, sorted(missing)[:5]


def test_the_logs_hold_none_of_the_messages(fault_run: Run) -> None:
    captured = fault_run.log.read_text(errors="replace")
    sent = {sent.sender for sent in fault_run.messages} | {text for text in MESSAGES + DANGER if len(text) > 4}
    assert not [value for value in sent if value in captured]
