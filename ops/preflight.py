"""Checks that PostgreSQL, Redis and RabbitMQ are reachable before any Rasa replica starts.

Stock Rasa 3.6 falls back silently to an in-memory tracker store when the SQL store fails, so the production
launcher refuses to start instead. Run alone: `python -m ops.preflight` (exit status 1 names what failed).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Callable, Dict, List

import psycopg2
import redis
from psycopg2 import sql

from ops import settings

TIMEOUT = 3.0


def postgres_connect(env: Dict[str, str], database: str) -> "psycopg2.extensions.connection":
    """A connection to `database` on the configured PostgreSQL server."""
    return psycopg2.connect(
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        dbname=database,
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=int(TIMEOUT),
    )


def check_postgres(env: Dict[str, str]) -> str:
    """Connects to PostgreSQL and creates the tracker database if missing; returns what it did."""
    name = env["POSTGRES_DB"]
    connection = postgres_connect(env, "postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone():
                return f"database {name} exists"
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return f"database {name} created"
    finally:
        connection.close()


def check_redis(env: Dict[str, str]) -> str:
    """Pings Redis with the configured password and database."""
    client = redis.Redis(
        host=env["REDIS_HOST"],
        port=int(env["REDIS_PORT"]),
        db=int(env["REDIS_DB"]),
        password=env["REDIS_PASSWORD"] or None,
        socket_connect_timeout=TIMEOUT,
        socket_timeout=TIMEOUT,
    )
    try:
        client.ping()
        return f"database {env['REDIS_DB']} answers"
    finally:
        client.close()


def drop_database(env: Dict[str, str]) -> None:
    """Drops the configured tracker database, closing its connections (tests and benchmarks clean up with it)."""
    connection = postgres_connect(env, "postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(env["POSTGRES_DB"])))
    connection.close()


def rabbitmq_url(env: Dict[str, str]) -> str:
    """The AMQP URL of the configured RabbitMQ server."""
    from urllib.parse import quote

    user, password = quote(env["RABBITMQ_USER"], safe=""), quote(env["RABBITMQ_PASSWORD"], safe="")
    return f"amqp://{user}:{password}@{env['RABBITMQ_HOST']}:{env['RABBITMQ_PORT']}/"


def check_rabbitmq(env: Dict[str, str]) -> str:
    """Opens an AMQP connection and a channel with the configured credentials."""
    import aio_pika

    async def probe() -> None:
        connection = await asyncio.wait_for(aio_pika.connect(rabbitmq_url(env)), TIMEOUT)
        try:
            await asyncio.wait_for(connection.channel(), TIMEOUT)
        finally:
            await connection.close()

    asyncio.run(probe())
    return "login accepted"


CHECKS: Dict[str, Callable[[Dict[str, str]], str]] = {
    "PostgreSQL": check_postgres,
    "Redis": check_redis,
    "RabbitMQ": check_rabbitmq,
}
ADDRESS = {"PostgreSQL": "POSTGRES", "Redis": "REDIS", "RabbitMQ": "RABBITMQ"}


def address(service: str, env: Dict[str, str]) -> str:
    """host:port of a service, for messages."""
    prefix = ADDRESS[service]
    return f"{env[prefix + '_HOST']}:{env[prefix + '_PORT']}"


def run_checks(env: Dict[str, str]) -> List[str]:
    """Runs every check; returns one line per failure (empty when all services are usable)."""
    failures = []
    for service, check in CHECKS.items():
        try:
            detail = check(env)
            print(f"preflight: {service} at {address(service, env)}: ok ({detail})", flush=True)
        except Exception as error:  # noqa: BLE001 (any failure means the service is unusable)
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            failures.append(f"{service} at {address(service, env)} is unreachable or refused us: {reason}")
    return failures


def main() -> None:
    """Exits 1 with the unreachable services named, 0 when all are usable."""
    failures = run_checks(settings.environment())
    for line in failures:
        print(f"preflight FAILED: {line}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
