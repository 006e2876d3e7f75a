"""Starts the production stack (`make run-prod`): preflight, action server, N Rasa replicas, balancer, website.

Order: the preflight checks PostgreSQL, Redis and RabbitMQ (and creates the database) and refuses to go on if
one is unusable; then the action server and the replicas start in parallel (RASA_ENDPOINTS=endpoints.production.yml,
ports RASA_PORT+1, RASA_PORT+2, ...) with the balancer on RASA_PORT; each replica must prove it writes to
PostgreSQL (deploy/health.py) before the website starts. Ctrl-C stops everything. The servers are started by
scripts/serve.py, as in the embedded set-up; only the endpoints and the services differ.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Dict

from deploy import health, preflight
from scripts import serve


class PreflightError(RuntimeError):
    """A service the production stack needs is unreachable."""


def environment(**overrides: str) -> Dict[str, str]:
    """serve.py's environment with the production defaults under the real environment and `overrides` over all."""
    env = serve.environment()
    given = {**os.environ, **overrides}
    defaults = {
        **preflight.DEFAULTS,
        "RASA_ENDPOINTS": str(serve.ROOT / "endpoints.production.yml"),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{given.get('ACTION_SERVER_PORT', env['ACTION_SERVER_PORT'])}/webhook",
    }
    env.update({key: value for key, value in defaults.items() if key not in given})
    env.update(overrides)
    return env


def start_stack(env: Dict[str, str], web: bool = True) -> serve.Processes:
    """Preflight, then every server of the production stack; returns the processes (stop with serve.stop)."""
    failures = preflight.run_checks(env)
    if failures:
        raise PreflightError("refusing to start Rasa: " + "; ".join(failures))
    processes = serve.start(["actions", "rasa"], env)
    try:
        for url in serve.rasa_urls(env):
            health.check_replica(env, url)
        if web:
            processes.update(serve.start(["web"], env))
    except BaseException:
        serve.stop(processes)
        raise
    return processes


def main() -> None:
    """Runs the production stack until Ctrl-C (or until a server stops)."""
    serve.stop_on_signals()
    env = environment()
    started = time.monotonic()
    try:
        processes = start_stack(env)
    except PreflightError as error:
        print(f"\n{error}\n", file=sys.stderr)
        sys.exit(1)
    print(
        f"\nThe production stack is running ({len(serve.rasa_urls(env))} Rasa replicas behind the balancer, "
        f"PostgreSQL {env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DB']}, "
        f"Redis {env['REDIS_HOST']}:{env['REDIS_PORT']}, RabbitMQ {env['RABBITMQ_HOST']}:{env['RABBITMQ_PORT']} "
        f"queue {env['RABBITMQ_QUEUE']}); started in {time.monotonic() - started:.0f} s.\n"
        f"  Website chat:  http://localhost:{env['WEB_PORT']}/\n"
        f"  Balancer:      http://localhost:{env['RASA_PORT']}/ (replicas: {' '.join(serve.rasa_urls(env))})\n"
        f"Press Ctrl-C to stop.\n",
        flush=True,
    )
    serve.supervise(processes)


if __name__ == "__main__":
    main()
