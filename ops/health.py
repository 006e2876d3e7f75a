"""Proves that each Rasa replica really stores conversations in PostgreSQL (not Rasa's silent in-memory fallback).

It sends one message as a throw-away sender `healthcheck-<random>` to a replica's REST webhook, finds that
sender's events in the PostgreSQL tracker database, then deletes them. Run alone: `python -m ops.health`
(checks the replicas of the running `make run-prod` stack; exit status 1 names a replica that fails).
"""

from __future__ import annotations

import sys
import uuid
from typing import Dict

from ops import client, preflight, supervisor

PREFIX = "healthcheck-"


def stored_events(env: Dict[str, str], sender: str, delete: bool = False) -> int:
    """How many events of `sender` are in the PostgreSQL tracker store (optionally deleting them)."""
    connection = preflight.postgres_connect(env, env["POSTGRES_DB"])
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM events WHERE sender_id = %s", (sender,))
            count = cursor.fetchone()[0]
            if delete:
                cursor.execute("DELETE FROM events WHERE sender_id = %s", (sender,))
            return count
    finally:
        connection.close()


def check_replica(env: Dict[str, str], url: str) -> int:
    """Sends a message to the replica at `url`; returns the events it wrote to PostgreSQL, failing if none."""
    sender = PREFIX + uuid.uuid4().hex
    replies = client.post_message(url, sender, "hello", timeout=30, token=env.get("REST_CHANNEL_TOKEN"))
    # The conversation is keyed (channels/identity.py): the replies name its key.
    key = next((str(reply["recipient_id"]) for reply in replies if reply.get("recipient_id")), "")
    count = stored_events(env, key, delete=True) if key else 0
    if count == 0:
        raise RuntimeError(
            f"the Rasa replica at {url} answered but wrote nothing to PostgreSQL "
            f"{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DB']}: its tracker store cannot reach "
            f"the database (see {url}/webhooks/health/ready) or it is an in-memory tracker store"
        )
    return count


def main() -> None:
    """Checks every replica of the running stack."""
    env = supervisor.environment()
    failed = False
    for url in supervisor.rasa_urls(env):
        try:
            print(f"{url}: ok, {check_replica(env, url)} events stored in PostgreSQL")
        except Exception as error:  # noqa: BLE001 (report every replica)
            print(f"{url}: FAILED: {error}", file=sys.stderr)
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
