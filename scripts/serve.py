"""`make run`: applies the retention limit, starts the action server, Rasa and the website, and runs them until Ctrl-C.

The first run generates the conversation-key secret into .data/ (SENDER_KEY_FILE) unless SENDER_KEY_SECRET is set.
"""

from __future__ import annotations

import subprocess
import sys

from ops import supervisor
from ops.settings import ROOT, Settings, sender_secret


def apply_retention(env: dict) -> None:
    """Deletes stored conversations older than RETENTION_DAYS (review/store.py), so none is kept for ever."""
    subprocess.run([sys.executable, "-m", "review.cli", "purge", env["RETENTION_DAYS"]], cwd=ROOT, env=env, check=True)


def main() -> None:
    """Runs everything until Ctrl-C, after saying where to chat."""
    supervisor.stop_on_signals()
    env = supervisor.environment()
    settings = Settings.load(env)
    sender_secret(settings, create=True)
    apply_retention(env)
    processes = supervisor.start(["actions", "rasa", "web"], env)
    replicas = settings.rasa_replicas
    print(
        f"\nThe bot is running ({replicas} Rasa process{'es behind nginx' if replicas > 1 else ''}).\n"
        f"  Website chat:  http://localhost:{settings.web_port}/\n"
        f"  REST:          curl -X POST http://localhost:{settings.rasa_port}/webhooks/rest/webhook "
        f'-d \'{{"sender": "me", "message": "how do I report domestic abuse"}}\'\n'
        f"Press Ctrl-C to stop.\n",
        flush=True,
    )
    supervisor.supervise(processes, env)


if __name__ == "__main__":
    main()
