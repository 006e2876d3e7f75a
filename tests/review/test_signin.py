"""Review sign-in (issue 15): throttled per client address and per user name in the review database (so a restart
does not reset it), unknown names cost what known ones do, a password change or removal ends the trainer's sessions,
and cookies are Secure unless REVIEW_INSECURE_COOKIES=1 allows plain http to localhost."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from aiohttp.test_utils import TestClient, TestServer

from review.app import PRE_COOKIE, make_app
from review.db import MAX_PER_ADDRESS, MAX_PER_NAME, ReviewDB
from review.store import TrackerStore
from tests.review.conftest import PASSWORD, cli, csrf_of


def review_db(tmp_path: Path) -> ReviewDB:
    db = ReviewDB(f"sqlite:///{tmp_path / 'review.db'}")
    db.add_trainer("trainer", PASSWORD)
    return db


async def attempts(db: ReviewDB, tmp_path: Path, tries: List[Tuple[str, str]], host: str = "") -> List[Tuple[int, str]]:
    """Posts each (username, password) to /signin of an app over `db`; returns (status, Set-Cookie) of each."""
    app = make_app(db, TrackerStore(f"sqlite:///{tmp_path / 'tracker.db'}"))
    async with TestClient(TestServer(app)) as client:
        headers: Dict[str, str] = {"Host": host} if host else {}
        page = await client.get("/signin", headers=headers)
        csrf = csrf_of(await page.text())
        headers["Cookie"] = f"{PRE_COOKIE}={csrf}"  # sent back by hand: a Secure cookie is not, over http
        results = []
        for username, password in tries:
            reply = await client.post(
                "/signin",
                data={"username": username, "password": password, "csrf": csrf},
                allow_redirects=False,
                headers=headers,
            )
            results.append((reply.status, reply.headers.get("Set-Cookie", "")))
        return results


def test_spraying_names_from_one_address_is_throttled_and_survives_a_restart(tmp_path: Path) -> None:
    db = review_db(tmp_path)
    spray = [(f"name{n}", "guess") for n in range(MAX_PER_ADDRESS)] + [("trainer", PASSWORD)]
    codes = [status for status, _ in asyncio.run(attempts(db, tmp_path, spray))]
    assert codes == [401] * MAX_PER_ADDRESS + [429]  # even the right password waits: the address is paused
    restarted = ReviewDB(f"sqlite:///{tmp_path / 'review.db'}")  # a new process over the same review database
    assert [status for status, _ in asyncio.run(attempts(restarted, tmp_path, [("trainer", PASSWORD)]))] == [429]


def test_guessing_one_name_from_many_addresses_is_throttled(tmp_path: Path) -> None:
    db = review_db(tmp_path)
    for n in range(MAX_PER_NAME - 1):
        db.failed(f"203.0.113.{n}", "trainer")
    assert not db.throttled("198.51.100.1", "trainer") and not db.throttled("203.0.113.1", "someone")
    db.failed("203.0.113.99", "trainer")
    assert db.throttled("198.51.100.1", "trainer")  # the name is paused from every address
    assert not db.throttled("198.51.100.1", "other-trainer")


def test_unknown_names_cost_the_same_time_as_known_ones(tmp_path: Path) -> None:
    db = review_db(tmp_path)

    times: Dict[str, List[float]] = {"trainer": [], "nobody-by-this-name": []}
    for _ in range(9):  # interleaved, so a busy machine slows both alike
        for username, spent in times.items():
            started = time.perf_counter()
            assert db.sign_in(username, "not the password") is None
            spent.append(time.perf_counter() - started)
    known, unknown = (statistics.median(spent) for spent in times.values())
    assert 0.75 < unknown / known < 1.33, (known, unknown)


def test_a_password_change_or_removal_ends_the_trainers_sessions(tmp_path: Path) -> None:
    db = review_db(tmp_path)
    first = db.sign_in("trainer", PASSWORD)
    assert first and db.session(first[0])
    db.add_trainer("trainer", "a brand new password")
    assert db.session(first[0]) is None and db.sign_in("trainer", PASSWORD) is None
    second = db.sign_in("trainer", "a brand new password")
    assert second and db.session(second[0])
    env = {**os.environ, "REVIEW_DB": str(tmp_path / "review.db")}
    removed = cli(env, "trainer-remove", "trainer")
    assert removed.returncode == 0, removed.stderr
    assert db.session(second[0]) is None and db.sign_in("trainer", "a brand new password") is None
    assert cli(env, "trainer-remove", "trainer").returncode != 0


@pytest.mark.parametrize(
    "insecure, host, secure",
    [("", "", True), ("1", "127.0.0.1", False), ("1", "localhost:8081", False), ("1", "review.example.org", True)],
)
def test_cookies_are_secure_unless_allowed_on_localhost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, insecure: str, host: str, secure: bool
) -> None:
    monkeypatch.setenv("REVIEW_INSECURE_COOKIES", insecure)
    [(status, cookie)] = asyncio.run(attempts(review_db(tmp_path), tmp_path, [("trainer", PASSWORD)], host))
    assert status == 303 and "review_session=" in cookie and "HttpOnly" in cookie
    assert ("Secure" in cookie) is secure, cookie
