"""Starts the production stack (`make run-prod`): preflight, action server, N Rasa replicas, nginx, website.

Order: the preflight checks PostgreSQL, Redis and RabbitMQ (and creates the database) and refuses to go on if
one is unusable; then the action server and the replicas start in parallel (RASA_ENDPOINTS=endpoints.production.yml,
ports RASA_PORT+1, RASA_PORT+2, ...) with nginx on RASA_PORT; each replica must prove it writes to
PostgreSQL (ops/health.py) before the website starts. Ctrl-C stops everything. The servers are started by
ops/supervisor.py, as in the embedded set-up; only the endpoints and the services differ.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Dict

from ops import health, preflight, supervisor
from ops.settings import ROOT


class PreflightError(RuntimeError):
    """A service the production stack needs is unreachable."""


def environment(**overrides: str) -> Dict[str, str]:
    """The settings with the production endpoints (unless RASA_ENDPOINTS is given) and `overrides` over all."""
    given = {**os.environ, **overrides}
    return supervisor.environment(**{"RASA_ENDPOINTS": str(ROOT / "endpoints.production.yml"), **given})


REQUIRED_SECRETS = ("REST_CHANNEL_TOKEN", "SENDER_KEY_SECRET")  # an open REST webhook; keys only this machine knows


def start_stack(env: Dict[str, str], web: bool = True) -> supervisor.Processes:
    """Preflight, then every server of the production stack; returns the processes (stop with supervisor.stop)."""
    missing = [name for name in REQUIRED_SECRETS if not env.get(name)]
    if missing:
        raise PreflightError(f'refusing to start: set {", ".join(missing)} (README, "Production configuration")')
    failures = preflight.run_checks(env)
    if failures:
        raise PreflightError("refusing to start Rasa: " + "; ".join(failures))
    processes = supervisor.start(["actions", "rasa"], env)
    try:
        for url in supervisor.rasa_urls(env):
            health.check_replica(env, url)
        if web:
            processes.update(supervisor.start(["web"], env))
    except BaseException:
        supervisor.stop(processes)
        raise
    return processes


def main() -> None:
    """Runs the production stack until Ctrl-C (or until a server stops)."""
    supervisor.stop_on_signals()
    env = environment()
    started = time.monotonic()
    try:
        processes = start_stack(env)
    except PreflightError as error:
        print(f"\n{error}\n", file=sys.stderr)
        sys.exit(1)
    print(
        f"\nThe production stack is running ({len(supervisor.rasa_urls(env))} Rasa replicas behind nginx, "
        f"PostgreSQL {env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DB']}, "
        f"Redis {env['REDIS_HOST']}:{env['REDIS_PORT']}, RabbitMQ {env['RABBITMQ_HOST']}:{env['RABBITMQ_PORT']} "
        f"queue {env['RABBITMQ_QUEUE']}); started in {time.monotonic() - started:.0f} s.\n"
        f"  Website chat:  http://localhost:{env['WEB_PORT']}/\n"
        f"  nginx:         http://localhost:{env['RASA_PORT']}/ (replicas: {' '.join(supervisor.rasa_urls(env))})\n"
        f"Press Ctrl-C to stop.\n",
        flush=True,
    )
    supervisor.supervise(processes, env)


if __name__ == "__main__":
    main()
