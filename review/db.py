"""The review tool's own database (REVIEW_DB): trainers, sessions, audit trail, corrections and the list index."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from ops.settings import Settings, sender_secret
from review.redact import redact
from review.store import Summary, TrackerStore

ROOT = Path(__file__).resolve().parent.parent
SESSION_SECONDS = 8 * 3600
# Wrong passwords allowed in FAILURE_WINDOW seconds: per client address (stops spraying many names), and per user
# name from all addresses together (stops a spread-out guess at one account; it takes 20 to pause a name).
FAILURE_WINDOW, MAX_PER_ADDRESS, MAX_PER_NAME = 900.0, 10, 20
META = sa.MetaData()
TRAINERS = sa.Table(
    "review_trainers",
    META,
    sa.Column("username", sa.String(100), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created", sa.Float),
)
SESSIONS = sa.Table(
    "review_sessions",
    META,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(100), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires", sa.Float, nullable=False),
)
AUDIT = sa.Table(
    "review_audit",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, index=True),
    sa.Column("username", sa.String(100)),
    sa.Column("action", sa.String(50)),
    sa.Column("sender_id", sa.String(255)),
)
CORRECTIONS = sa.Table(
    "review_corrections",
    META,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("event_index", sa.Integer, primary_key=True),
    sa.Column("intent", sa.String(100)),
    sa.Column("username", sa.String(100)),
    sa.Column("at", sa.Float),
)
INDEX = sa.Table(
    "review_conversations",
    META,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("ref", sa.String(16), index=True),
    sa.Column("started", sa.Float, index=True),
    sa.Column("last", sa.Float),
    sa.Column("channel", sa.String(50)),
    sa.Column("turns", sa.Integer),
    sa.Column("escalated", sa.Boolean, index=True),
    sa.Column("fallback", sa.Boolean, index=True),
    sa.Column("low_confidence", sa.Boolean, index=True),
    sa.Column("search", sa.Text),
)
FAILURES = sa.Table(  # failed sign-ins, by keyed client address or user name (never the raw ones)
    "review_failures",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("who", sa.String(64), index=True),
    sa.Column("at", sa.Float, index=True),
)
STATE = sa.Table("review_state", META, sa.Column("key", sa.String(50), primary_key=True), sa.Column("value", sa.Integer))
INDEXED_TO = "keyed_max_id"  # the newest event id indexed (renamed when references became keyed: a full re-index)
RESCAN = 1000  # event ids re-read on each sync, for events committed out of id order by concurrent replicas


def review_url() -> str:
    """The review database URL: REVIEW_DB_URL, else SQLite at REVIEW_DB."""
    settings = Settings.load()
    if settings.review_db_url:
        return settings.review_db_url
    settings.review_db.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.review_db}"


def _keyed(purpose: str, value: str) -> str:
    """HMAC-SHA256 (hex) of a value with the conversation-key secret (SENDER_KEY_SECRET)."""
    return hmac.new(sender_secret(Settings.load()), f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


def reference(sender_id: str) -> str:
    """The opaque id trainers see and link to: keyed, so it cannot be turned back into a conversation by guessing."""
    return _keyed("review", sender_id)[:16]


def _digest(token: str) -> str:
    """A session token as stored (its SHA-256), so a copy of the database cannot sign anyone in."""
    return hashlib.sha256(token.encode()).hexdigest()


class ReviewDB:
    """Trainer accounts, sessions, audit trail, corrections and the indexed conversation list."""

    def __init__(self, url: Optional[str] = None) -> None:
        self.engine = sa.create_engine(url or review_url(), future=True, hide_parameters=True)
        META.create_all(self.engine)
        self.hasher = PasswordHasher()
        self.unknown_hash = self.hasher.hash(secrets.token_urlsafe(16))  # checked for unknown names: the same cost

    def add_trainer(self, username: str, password: str) -> None:
        """Creates a trainer account (argon2 hash), or changes its password and ends its sessions."""
        if len(password) < 10:
            raise ValueError("passwords need at least 10 characters")
        with self.engine.begin() as conn:
            conn.execute(sa.delete(SESSIONS).where(SESSIONS.c.username == username))
            conn.execute(sa.delete(TRAINERS).where(TRAINERS.c.username == username))
            conn.execute(
                sa.insert(TRAINERS).values(username=username, password_hash=self.hasher.hash(password), created=time.time())
            )

    def remove_trainer(self, username: str) -> bool:
        """Removes a trainer and ends their sessions; False if there was no such trainer."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(SESSIONS).where(SESSIONS.c.username == username))
            removed = conn.execute(sa.delete(TRAINERS).where(TRAINERS.c.username == username)).rowcount
        if removed:
            self.audit(username, "removed")
        return bool(removed)

    def throttled(self, address: str, username: str) -> bool:
        """Whether sign-in is paused for this client address or user name (too many recent wrong passwords)."""
        since = time.time() - FAILURE_WINDOW
        count = sa.select(sa.func.count()).select_from(FAILURES).where(FAILURES.c.at > since)
        with self.engine.connect() as conn:
            by_address = conn.execute(count.where(FAILURES.c.who == _keyed("address", address))).scalar() or 0
            by_name = conn.execute(count.where(FAILURES.c.who == _keyed("name", username))).scalar() or 0
        return by_address >= MAX_PER_ADDRESS or by_name >= MAX_PER_NAME

    def failed(self, address: str, username: str) -> None:
        """Records a wrong password for the address and the name (and forgets failures older than the window)."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(sa.delete(FAILURES).where(FAILURES.c.at <= now - FAILURE_WINDOW))
            conn.execute(
                sa.insert(FAILURES),
                [{"who": _keyed(kind, value), "at": now} for kind, value in (("address", address), ("name", username))],
            )

    def sign_in(self, username: str, password: str) -> Optional[Tuple[str, str]]:
        """Checks a password (one argon2 check whether or not the name exists); returns (session token, CSRF) or None."""
        with self.engine.connect() as conn:
            stored = conn.execute(sa.select(TRAINERS.c.password_hash).where(TRAINERS.c.username == username)).scalar()
        try:
            self.hasher.verify(stored or self.unknown_hash, password)
        except VerificationError:
            return None
        if stored is None:
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(sa.delete(SESSIONS).where(SESSIONS.c.expires < time.time()))
            conn.execute(
                sa.insert(SESSIONS).values(
                    token_hash=_digest(token), username=username, csrf=csrf, expires=time.time() + SESSION_SECONDS
                )
            )
        self.audit(username, "sign-in")
        return token, csrf

    def session(self, token: Optional[str]) -> Optional[Dict[str, str]]:
        """The signed-in trainer and CSRF token of a session cookie, or None."""
        if not token:
            return None
        query = sa.select(SESSIONS.c.username, SESSIONS.c.csrf).where(
            SESSIONS.c.token_hash == _digest(token), SESSIONS.c.expires > time.time()
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return {"username": row[0], "csrf": row[1]} if row else None

    def sign_out(self, token: str) -> None:
        """Ends a session."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(SESSIONS).where(SESSIONS.c.token_hash == _digest(token)))

    def audit(self, username: str, action: str, sender_id: str = "") -> None:
        """Records who did what to which conversation."""
        with self.engine.begin() as conn:
            conn.execute(sa.insert(AUDIT).values(at=time.time(), username=username, action=action, sender_id=sender_id))

    def audit_trail(self, limit: int = 200) -> List[Dict[str, Any]]:
        """The newest audit entries."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit))
            return [dict(row._mapping) for row in rows]

    def correct(self, username: str, sender_id: str, event_index: int, intent: str) -> None:
        """Stores a trainer's correct intent for one user turn."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.delete(CORRECTIONS).where(CORRECTIONS.c.sender_id == sender_id, CORRECTIONS.c.event_index == event_index)
            )
            conn.execute(
                sa.insert(CORRECTIONS).values(
                    sender_id=sender_id, event_index=event_index, intent=intent, username=username, at=time.time()
                )
            )

    def corrections(self, sender_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Corrections of one conversation (or all)."""
        query = sa.select(CORRECTIONS).order_by(CORRECTIONS.c.sender_id, CORRECTIONS.c.event_index)
        if sender_id is not None:
            query = query.where(CORRECTIONS.c.sender_id == sender_id)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def sync(self, store: TrackerStore) -> int:
        """Brings the conversation index up to date with the tracker store; returns how many were re-read."""
        newest = store.max_id()
        with self.engine.connect() as conn:
            seen = conn.execute(sa.select(STATE.c.value).where(STATE.c.key == INDEXED_TO)).scalar()
        if seen is not None and newest == seen:
            return 0
        senders = None if seen is None or newest < seen else store.senders_since(max(0, seen - RESCAN))
        rows = [self._row(s) for s in store.summaries(senders)]
        with self.engine.begin() as conn:
            if senders is None:
                conn.execute(sa.delete(INDEX))
            for i in range(0, len(rows), 500):
                chunk = rows[i : i + 500]
                conn.execute(sa.delete(INDEX).where(INDEX.c.sender_id.in_([r["sender_id"] for r in chunk])))
                conn.execute(sa.insert(INDEX), chunk)
            conn.execute(sa.delete(STATE).where(STATE.c.key == INDEXED_TO))
            conn.execute(sa.insert(STATE).values(key=INDEXED_TO, value=newest))
        return len(rows)

    def sender_for(self, ref: str) -> Optional[str]:
        """The sender id behind an opaque reference (None when unknown)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(INDEX.c.sender_id).where(INDEX.c.ref == ref)).scalar()

    def forget(self, senders: List[str]) -> None:
        """Drops purged conversations from the index and their corrections."""
        with self.engine.begin() as conn:
            for i in range(0, len(senders), 500):
                chunk = senders[i : i + 500]
                conn.execute(sa.delete(INDEX).where(INDEX.c.sender_id.in_(chunk)))
                conn.execute(sa.delete(CORRECTIONS).where(CORRECTIONS.c.sender_id.in_(chunk)))

    @staticmethod
    def _row(summary: Summary) -> Dict[str, Any]:
        """An index row; the search text is redacted so search cannot probe for personal data."""
        values = {k: v for k, v in vars(summary).items() if k != "user_texts"}
        return {**values, "ref": reference(summary.sender_id), "search": redact(" \n ".join(summary.user_texts)).lower()}
