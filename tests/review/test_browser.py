"""The review tool in a real browser (Chromium via playwright-core) over the real bot's tracker store."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict

import pytest

from review.db import reference
from tests.review.conftest import PASSWORD, Review

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("browser.mjs")
OUTPUT = ROOT / "tests" / "output"
CHECKS = [
    "unsigned_page_redirects",
    "unsigned_api_refused",
    "signin_page_accessible",
    "signed_in",
    "cookie_httponly_strict",
    "filter_shows_escalated",
    "filter_hides_plain",
    "list_accessible",
    "transcript_redacted",
    "transcript_shows_danger",
    "transcript_accessible",
    "export_story",
]


@pytest.fixture(scope="module")
def browser_run(review: Review) -> Dict[str, Any]:
    if not (ROOT / "node_modules" / "playwright-core").exists() or not Path("/usr/bin/chromium").exists():
        pytest.fail("Browser tools missing: run `make browser` (make test does).")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    config = {
        "url": review.url,
        "username": "trainer",
        "password": PASSWORD,
        "danger": reference(review.senders["danger"]),
        "plain": reference(review.senders["plain"]),
        "outDir": str(OUTPUT),
    }
    done = subprocess.run(["node", str(SCRIPT), json.dumps(config)], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", CHECKS)
def test_browser(browser_run: Dict[str, Any], name: str) -> None:
    result = browser_run["checks"].get(name)
    assert result is not None, f"{name} did not run"
    assert result["ok"], result["detail"]
