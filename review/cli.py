"""Command line of the review tool: `serve`, `trainer-add USER` and `purge [DAYS]`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from ops.settings import Settings, fill_environment
from review.db import ReviewDB
from review.store import TrackerStore


def retention_days(given: str | None) -> float:
    """Days to keep: the argument, else RETENTION_DAYS."""
    days = float(given) if given else Settings.load().retention_days
    if days < 0:
        sys.exit("DAYS must not be negative.")
    return days


def main(argv: list[str] | None = None) -> None:
    """Runs one command."""
    parser = argparse.ArgumentParser(prog="review")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the web app on REVIEW_PORT (default 8081)")
    add = commands.add_parser("trainer-add", help="create a trainer (password from REVIEW_PASSWORD or a prompt)")
    add.add_argument("username")
    purge = commands.add_parser("purge", help="delete conversations whose last event is older than DAYS")
    purge.add_argument("days", nargs="?")
    args = parser.parse_args(argv)
    fill_environment()
    if args.command == "serve":
        from review.app import main as serve

        print(f"Review tool: http://localhost:{Settings.load().review_port}/", flush=True)
        serve()
    elif args.command == "trainer-add":
        password = os.environ.get("REVIEW_PASSWORD") or getpass.getpass(f"Password for {args.username}: ")
        if not os.environ.get("REVIEW_PASSWORD") and getpass.getpass("Again: ") != password:
            sys.exit("The passwords differ.")
        try:
            ReviewDB().add_trainer(args.username, password)
        except ValueError as error:
            sys.exit(str(error))
        print(f"Trainer {args.username} can sign in.")
    else:
        days = retention_days(args.days)
        senders = TrackerStore().purge(days)
        ReviewDB().forget(senders)
        print(f"Purged {len(senders)} conversation(s) older than {days:g} days.")


if __name__ == "__main__":
    main()
