"""An experiment for `make bench`: Rasa's SQL tracker store on SQLite in WAL mode with synchronous=NORMAL.

Stock SQLite (rollback journal, synchronous=FULL) syncs the disk several times per commit, and Rasa commits on
every turn. WAL + NORMAL syncs only at checkpoints: a crash of the process loses nothing, a power cut may lose
the last turns. Used only through bench/servers.py's "sqlite-wal" endpoints; not part of the bot.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import event


def _pragmas(connection: Any, _record: Any) -> None:
    """Sets WAL mode and synchronous=NORMAL on every new SQLite connection."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class WalSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose SQLite connections use WAL and synchronous=NORMAL."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        event.listen(self.engine, "connect", _pragmas)
