"""The conversation list: filters, text search and pagination over the review index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Tuple

import sqlalchemy as sa

from review.db import INDEX, ReviewDB

PAGE_SIZE = 50
FLAGS = ("escalated", "fallback", "low_confidence")


@dataclass
class Filters:
    """What the trainer asked the list for."""

    flags: Tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    text: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "Filters":
        """Reads filters from a request's query string, ignoring anything malformed."""
        try:
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            tuple(f for f in FLAGS if query.get(f)),
            _date(query.get("from", "")),
            _date(query.get("to", "")),
            query.get("q", "").strip()[:200],
            page,
        )


def _date(value: str) -> str:
    """A YYYY-MM-DD date, or '' when the value is not one."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").strftime("%Y-%m-%d")
    except ValueError:
        return ""


def _epoch(day: str, end: bool = False) -> float:
    """Seconds since the epoch at the start (or end) of a UTC day."""
    return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp() + (86400 if end else 0)


def conversations(db: ReviewDB, filters: Filters) -> Tuple[List[Dict[str, Any]], int]:
    """One page of conversations (newest first) and the total that match."""
    where = [getattr(INDEX.c, flag).is_(True) for flag in filters.flags]
    if filters.date_from:
        where.append(INDEX.c.started >= _epoch(filters.date_from))
    if filters.date_to:
        where.append(INDEX.c.started < _epoch(filters.date_to, end=True))
    if filters.text:
        escaped = filters.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(INDEX.c.search.like(f"%{escaped}%", escape="\\"))
    query = (
        sa.select(INDEX.c.ref, INDEX.c.started, INDEX.c.channel, INDEX.c.turns, *[getattr(INDEX.c, f) for f in FLAGS])
        .where(*where)
        .order_by(INDEX.c.started.desc())
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
    )
    with db.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(INDEX).where(*where)).scalar() or 0
        rows = [dict(row._mapping) for row in conn.execute(query)]
    for row in rows:
        row["started_text"] = datetime.fromtimestamp(row["started"], timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return rows, int(total)
