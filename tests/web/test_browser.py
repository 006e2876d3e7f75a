"""The website chat in a real browser (Chromium via playwright-core) against the real running bot."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from tests.bot import free_port, start_bot

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("browser.mjs")
OUTPUT = ROOT / "tests" / "output"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    """Starts the bot and the website on free ports, runs the browser script once, yields its results."""
    if not (ROOT / "node_modules" / "playwright-core").exists() or not CHROMIUM.exists():
        pytest.fail("Browser tools missing: run `make browser` (make test does).")
    web_port = str(free_port())
    exit_url = f"http://127.0.0.1:{web_port}/neutral.html"
    bot = start_bot(
        tmp_path_factory.mktemp("web"), ["actions", "rasa", "web"], WEB_PORT=web_port, QUICK_EXIT_URL=exit_url,
        CORS_ORIGINS=f"http://127.0.0.1:{web_port} http://localhost:{web_port}",
    )
    try:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        config = {"webUrl": f"http://127.0.0.1:{web_port}/", "exitUrl": exit_url,
                  "outDir": str(OUTPUT), "chromium": str(CHROMIUM)}
        done = subprocess.run(["node", str(SCRIPT), json.dumps(config)], cwd=ROOT, capture_output=True,
                              text=True, timeout=240)
        assert done.returncode == 0, done.stderr[-3000:]
        yield json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        bot.stop()


CHECKS = [
    "connects", "no_cookies", "report_answer_has_101", "danger_shows_banner", "banner_has_tel_999",
    "banner_has_silent_solution", "turn_continues_after_escalation", "banner_stays", "banner_dismisses",
    "fallback_buttons_shown", "button_sends_payload", "storage_holds_only_session_id", "reload_shows_no_messages",
    "quick_exit_button_lands_on_neutral", "quick_exit_clears_storage", "back_does_not_return_after_button",
    "escape_lands_on_neutral", "back_does_not_return_after_escape", "keyboard_reaches_exit_then_chat",
    "axe_desktop_no_serious", "axe_mobile_no_serious", "mobile_no_horizontal_scroll", "mobile_banner_shows",
    "screenshots_written",
]


@pytest.mark.parametrize("check", CHECKS)
def test_browser(browser_run: Dict[str, Any], check: str) -> None:
    result = browser_run["checks"].get(check)
    assert result is not None, f"{check} was not run: {browser_run['errors']}"
    assert result["ok"], result.get("detail")
