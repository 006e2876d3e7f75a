"""The review tool over the SQLite tracker store filled by the real bot: sign-in, list, transcript, corrections, exports."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from review.db import reference
from tests.review.conftest import PASSWORD, Review, csrf_of

ROOT = Path(__file__).resolve().parents[2]


def listed(review: Review, session: requests.Session, query: str, sender: str) -> bool:
    """Whether `sender` shows in the filtered list (polled briefly: Rasa saves the tracker as the turn ends)."""
    for _ in range(20):
        if reference(sender) in session.get(f"{review.url}/?{query}").text:
            return True
        time.sleep(0.5)
    return False


def test_everything_needs_sign_in(review: Review) -> None:
    sender = reference(review.senders["personal"])
    for path in ("/", f"/conversations/{sender}", f"/conversations/{sender}/story.yml", "/export/nlu.yml", "/audit"):
        reply = requests.get(review.url + path, allow_redirects=False)
        assert reply.status_code == 303 and reply.headers["Location"] == "/signin", path
    assert requests.get(f"{review.url}/api/conversations").status_code == 401
    assert requests.post(f"{review.url}/conversations/{sender}/correct", data={"index": 1, "intent": "greet"}).status_code == 401


def test_wrong_password_and_missing_csrf_are_refused(review: Review) -> None:
    session = requests.Session()
    page = session.get(f"{review.url}/signin").text
    signin = f"{review.url}/signin"
    assert session.post(signin, data={"username": "trainer", "password": "wrong", "csrf": csrf_of(page)}).status_code == 401
    assert session.post(signin, data={"username": "trainer", "password": "x", "csrf": "forged"}).status_code == 403
    # the throttle per address and per name: tests/review/test_signin.py (here it would pause the other tests' sign-ins)


def test_cookie_is_httponly_and_strict_and_plain_only_on_localhost_when_allowed(review: Review) -> None:
    session = requests.Session()
    csrf = csrf_of(session.get(f"{review.url}/signin").text)

    reply = session.post(
        f"{review.url}/signin", data={"username": "trainer", "password": PASSWORD, "csrf": csrf}, allow_redirects=False
    )
    cookie = reply.headers["Set-Cookie"]
    assert "review_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # REVIEW_INSECURE_COOKIES=1 and http://127.0.0.1


def test_list_filters_escalated(review: Review) -> None:
    session = review.signed_in()
    assert listed(review, session, "escalated=1", review.senders["danger"])
    page = session.get(f"{review.url}/?escalated=1").text
    assert reference(review.senders["plain"]) not in page
    assert listed(review, session, "", review.senders["plain"])
    rows = session.get(f"{review.url}/api/conversations?escalated=1").json()["conversations"]
    danger = next(r for r in rows if r["ref"] == reference(review.senders["danger"]))
    assert danger["channel"] == "rest" and danger["turns"] == 2 and "sender_id" not in danger
    # searching is over redacted text: a street name cannot be used to find a conversation
    assert listed(review, session, "q=%5Bpostcode%5D", review.senders["personal"])
    assert reference(review.senders["personal"]) not in session.get(f"{review.url}/?q=acacia").text


def test_transcript_is_redacted_and_shows_both_detectors(review: Review) -> None:
    session = review.signed_in()
    assert listed(review, session, "", review.senders["personal"])
    page = session.get(f"{review.url}/conversations/{reference(review.senders['personal'])}").text
    for personal in ("Okonkwo", "Sarah", "07700", "900123", "Acacia", "DE22"):
        assert personal not in page
    assert "[NAME]" in page and "[PHONE]" in page and "[POSTCODE]" in page and "[ADDRESS]" in page
    assert "how_to_report" in page
    danger = session.get(f"{review.url}/conversations/{reference(review.senders['danger'])}").text
    assert "immediate_danger" in danger and "rules: fired" in danger and "classifier:" in danger and "knife" in danger
    audit = session.get(f"{review.url}/audit").text
    assert "view" in audit and reference(review.senders["danger"]) in audit
    assert review.senders["danger"] not in danger + audit  # sender ids can be phone numbers: never shown


def test_corrections_export_as_valid_training_data(review: Review, tmp_path: Path) -> None:
    session = review.signed_in()
    sender = reference(review.senders["personal"])
    page = session.get(f"{review.url}/conversations/{sender}").text
    csrf = csrf_of(page)
    index = page.split('name="index" value="')[1].split('"')[0]
    url = f"{review.url}/conversations/{sender}/correct"
    assert session.post(url, data={"index": index, "intent": "find_support"}, allow_redirects=False).status_code == 403
    assert session.post(url, data={"index": index, "intent": "not_an_intent", "csrf": csrf}).status_code == 400
    assert session.post(url, data={"index": index, "intent": "find_support", "csrf": csrf}).status_code == 200
    nlu = session.get(f"{review.url}/export/nlu.yml").text
    parsed = yaml.safe_load(nlu)
    assert parsed["nlu"][0]["intent"] == "find_support" and "Okonkwo" not in nlu and "07700 900123" not in nlu
    story = session.get(f"{review.url}/conversations/{reference(review.senders['danger'])}/story.yml").text
    steps = yaml.safe_load(story)["stories"][0]["steps"]
    assert {"action": "utter_escalate_self"} in steps or {"action": "utter_escalate_other"} in steps
    # rasa data validate over the project's domain and config, with the exports as the only data
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "corrections.yml").write_text(nlu)
    (tmp_path / "data" / "story.yml").write_text(story)
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run(
        [rasa, "data", "validate", "--data", "data"], cwd=tmp_path, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "not listed in the domain" not in result.stdout + result.stderr
    # the exported conversation replays as a test story: the bot still does what it did
    result = subprocess.run(
        [
            rasa,
            "test",
            "core",
            "--model",
            str(ROOT / "models" / "current.tar.gz"),
            "--stories",
            str(tmp_path / "data" / "story.yml"),
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path / "results"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
