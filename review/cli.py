"""Command line of the review tool: `serve`, `trainer-add USER`, `trainer-remove USER`, `purge [DAYS]`, `redact`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from ops.settings import Settings, fill_environment, sender_secret
from review.db import ReviewDB
from review.store import TrackerStore


def retention_days(given: str | None) -> float:
    """Days to keep: the argument, else RETENTION_DAYS."""
    days = float(given) if given else Settings.load().retention_days
    if days < 0:
        sys.exit("DAYS must not be negative.")
    return days


def redact_lines() -> None:
    """Prints each line of standard input redacted (anyone can check what trainers would see)."""
    from review.redact import redact

    for line in sys.stdin:
        print(redact(line.rstrip("\n")), flush=True)


def main(argv: list[str] | None = None) -> None:
    """Runs one command."""
    parser = argparse.ArgumentParser(prog="review")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the web app on REVIEW_PORT (default 8081)")
    add = commands.add_parser("trainer-add", help="create a trainer or change a password (REVIEW_PASSWORD or a prompt)")
    add.add_argument("username")
    remove = commands.add_parser("trainer-remove", help="remove a trainer and end their sessions")
    remove.add_argument("username")
    purge = commands.add_parser("purge", help="delete conversations whose last event is older than DAYS")
    purge.add_argument("days", nargs="?")
    commands.add_parser("redact", help="print each line of standard input redacted")
    args = parser.parse_args(argv)
    fill_environment()
    if args.command == "redact":
        redact_lines()
    elif args.command == "serve":
        from review.app import main as serve

        sender_secret(Settings.load(), create=True)  # the key of the references trainers see (as `make run`)
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
        print(f"Trainer {args.username} can sign in (any earlier sessions of {args.username} are ended).")
    elif args.command == "trainer-remove":
        if not ReviewDB().remove_trainer(args.username):
            sys.exit(f"There is no trainer {args.username}.")
        print(f"Trainer {args.username} is removed and signed out.")
    else:
        days = retention_days(args.days)
        senders = TrackerStore().purge(days)
        ReviewDB().forget(senders)
        print(f"Purged {len(senders)} conversation(s) older than {days:g} days.")


if __name__ == "__main__":
    main()
