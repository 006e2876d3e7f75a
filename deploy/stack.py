"""Starts the production stack (`make run-prod`): preflight, action server, N Rasa replicas, balancer, website.

Order: the preflight checks PostgreSQL, Redis and RabbitMQ (and creates the database) and refuses to go on if
one is unusable; then the action server and the replicas start in parallel (RASA_ENDPOINTS=endpoints.production.yml,
ports RASA_PORT+1, RASA_PORT+2, ...); each replica must prove it writes to PostgreSQL (deploy/health.py); then the
balancer takes RASA_PORT and the website starts. Ctrl-C stops everything. The servers are started with
scripts/serve.py's own functions, so the production and embedded set-ups run the same commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

from deploy import health, preflight
from scripts import serve

Processes = Dict[str, subprocess.Popen]


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


def replica_environment(env: Dict[str, str], url: str) -> Dict[str, str]:
    """The environment of the replica listening at `url`."""
    return {**env, "RASA_PORT": url.rsplit(":", 1)[1]}


def start_parallel(jobs: Dict[str, tuple[List[str], Dict[str, str]]]) -> Processes:
    """Starts several serve.py servers at once (name -> (serve.py names, env)); stops them all if one fails."""
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {name: pool.submit(serve.start, names, env) for name, (names, env) in jobs.items()}
    started: Processes = {}
    errors = []
    for name, future in futures.items():
        if future.exception() is not None:
            errors.append(f"{name}: {future.exception()}")
        else:
            started.update({f"{name}:{key}": process for key, process in future.result().items()})
    if errors:
        serve.stop(started)
        raise RuntimeError("; ".join(errors))
    return started


def start_balancer(env: Dict[str, str], urls: List[str]) -> subprocess.Popen:
    """Starts deploy/balancer.py on RASA_PORT in front of the replicas and waits until it answers."""
    balancer_env = {**env, "BALANCER_PORT": env["RASA_PORT"], "BALANCER_UPSTREAMS": " ".join(urls)}
    process = subprocess.Popen([sys.executable, "-m", "deploy.balancer"], cwd=serve.ROOT, env=balancer_env,
                               start_new_session=True)
    try:
        serve.wait_until_ready(f"http://127.0.0.1:{env['RASA_PORT']}/_balancer/health", process, timeout=30)
    except BaseException:
        serve.stop({"balancer": process})
        raise
    return process


def start_stack(env: Dict[str, str], web: bool = True) -> Processes:
    """Preflight, then every server of the production stack; returns the processes (stop with serve.stop)."""
    failures = preflight.run_checks(env)
    if failures:
        raise PreflightError("refusing to start Rasa: " + "; ".join(failures))
    urls = health.replica_urls(env)
    jobs = {"actions": (["actions"], env)}
    jobs.update({f"rasa-{i}": (["rasa"], replica_environment(env, url)) for i, url in enumerate(urls)})
    processes = start_parallel(jobs)
    try:
        for url in urls:
            health.check_replica(env, url)
        processes["balancer"] = start_balancer(env, urls)
        if web:
            processes.update(serve.start(["web"], env))
    except BaseException:
        serve.stop(processes)
        raise
    return processes


def main() -> None:
    """Runs the production stack until Ctrl-C (or until a server stops)."""
    env = environment()
    started = time.monotonic()
    try:
        processes = start_stack(env)
    except PreflightError as error:
        print(f"\n{error}\n", file=sys.stderr)
        sys.exit(1)
    print(
        f"\nThe production stack is running ({len(health.replica_urls(env))} Rasa replicas behind the balancer, "
        f"PostgreSQL {env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DB']}, "
        f"Redis {env['REDIS_HOST']}:{env['REDIS_PORT']}, RabbitMQ {env['RABBITMQ_HOST']}:{env['RABBITMQ_PORT']} "
        f"queue {env['RABBITMQ_QUEUE']}); started in {time.monotonic() - started:.0f} s.\n"
        f"  Website chat:  http://localhost:{env['WEB_PORT']}/\n"
        f"  Balancer:      http://localhost:{env['RASA_PORT']}/ (replicas: {' '.join(health.replica_urls(env))})\n"
        f"Press Ctrl-C to stop.\n",
        flush=True,
    )
    serve.supervise(processes)


if __name__ == "__main__":
    main()
