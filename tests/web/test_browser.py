"""The website chat in a real browser (Chromium via playwright-core) against the real running bot, also on a slow
connection. Figures such as slow-connection timings go to tests/output/browser-figures.json, every check's detail
to tests/output/browser-<phases>.json."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from tests.bot import free_port, start_bot

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("browser.mjs")
OUTPUT = ROOT / "tests" / "output"
CHROMIUM = Path("/usr/bin/chromium")
PAGES = sorted(page.name for page in (ROOT / "web" / "static").glob("*.html"))


def run_browser(web_port: str, phases: List[str], timeout: int = 300) -> Dict[str, Any]:
    """Runs browser.mjs's `phases` against the website on `web_port`; returns its results (figures saved too)."""
    if not (ROOT / "node_modules" / "playwright-core").exists() or not CHROMIUM.exists():
        pytest.fail("Browser tools missing: run `make browser` (make test does).")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    config = {"webUrl": f"http://127.0.0.1:{web_port}/", "exitUrl": exit_url(web_port), "outDir": str(OUTPUT),
              "chromium": str(CHROMIUM), "pages": PAGES, "phases": phases}
    done = subprocess.run(["node", str(SCRIPT), json.dumps(config)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    (OUTPUT / f"browser-{'-'.join(phases)}.json").write_text(json.dumps(results, indent=2) + "\n")
    figures = OUTPUT / "browser-figures.json"
    saved = json.loads(figures.read_text()) if figures.exists() else {}
    figures.write_text(json.dumps({**saved, **results["figures"]}, indent=2) + "\n")
    return results


def exit_url(web_port: str) -> str:
    """The quick exit's destination in these tests: the demo site's own neutral page."""
    return f"http://127.0.0.1:{web_port}/neutral.html"


def origins(web_port: str) -> str:
    return f"http://127.0.0.1:{web_port} http://localhost:{web_port}"


@pytest.fixture(scope="module")
def browser_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    """Starts the bot and the website on free ports, runs the browser phases once, yields their results."""
    web_port = str(free_port())
    bot = start_bot(tmp_path_factory.mktemp("web"), ["actions", "rasa", "web"], WEB_PORT=web_port,
                    QUICK_EXIT_URL=exit_url(web_port), CORS_ORIGINS=origins(web_port))
    try:
        yield run_browser(web_port, ["desktop", "mobile", "slow"], timeout=420)
    finally:
        bot.stop()


CHECKS = [
    "connects", "no_cookies", "report_answer_has_101", "danger_shows_banner", "banner_has_tel_999",
    "banner_has_silent_solution", "turn_continues_after_escalation", "banner_stays", "banner_dismisses",
    "fallback_buttons_shown", "button_sends_payload",
    "storage_holds_only_session_id", "reload_shows_no_messages", "quick_exit_button_lands_on_neutral",
    "quick_exit_clears_storage", "back_does_not_return_after_button", "escape_lands_on_neutral",
    "back_does_not_return_after_escape", "escape_works_on_every_page", "keyboard_reaches_exit_then_chat",
    "no_console_errors", "axe_desktop_no_serious", "screenshots_written",
    # a phone
    "mobile_banner_shows", "mobile_no_horizontal_scroll", "axe_mobile_no_serious",
    # slow connection
    "quick_exit_esc_at_first_paint", "quick_exit_esc_at_first_paint_back_does_not_return",
    "quick_exit_click_at_first_paint", "quick_exit_click_at_first_paint_back_does_not_return",
    "early_message_queued_visibly", "early_message_page_still_connects", "early_message_sent_once_when_connected",
    "early_message_no_page_errors", "quick_exit_works_after_early_message",
    "message_before_connect_waits_visibly_then_goes",
]


@pytest.mark.parametrize("check", CHECKS)
def test_browser(browser_run: Dict[str, Any], check: str) -> None:
    result = browser_run["checks"].get(check)
    assert result is not None, f"{check} was not run: {browser_run['errors']}"
    assert result["ok"], result.get("detail")


def test_every_check_is_asserted(browser_run: Dict[str, Any]) -> None:
    """A check the browser script makes but no test asserts would pass silently: every one is listed above."""
    assert set(browser_run["checks"]) <= set(CHECKS), sorted(set(browser_run["checks"]) - set(CHECKS))
