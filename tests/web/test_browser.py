"""The website chat in a real browser (Chromium via playwright-core): against the real running bot, and against a
scripted stand-in for Rasa (scripted_rasa.py) for replies this branch's model can't give. Figures such as banner
heights and slow-connection timings go to tests/output/browser-figures.json, every check's detail to
tests/output/browser-<phases>.json."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from ops import supervisor
from ops.supervisor import free_port
from tests.bot import start_bot

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
    config = {
        "webUrl": f"http://127.0.0.1:{web_port}/",
        "exitUrl": exit_url(web_port),
        "outDir": str(OUTPUT),
        "chromium": str(CHROMIUM),
        "pages": PAGES,
        "phases": phases,
    }
    done = subprocess.run(["node", str(SCRIPT), json.dumps(config)], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
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
    bot = start_bot(
        tmp_path_factory.mktemp("web"),
        ["actions", "rasa", "web"],
        WEB_PORT=web_port,
        QUICK_EXIT_URL=exit_url(web_port),
        CORS_ORIGINS=origins(web_port),
    )
    try:
        yield run_browser(web_port, ["desktop", "mobile", "slow"], timeout=420)
    finally:
        bot.stop()


@pytest.fixture(scope="module")
def scripted_run() -> Iterator[Dict[str, Any]]:
    """The website in front of the scripted stand-in for Rasa; runs the scripted browser phase once."""
    web_port, rasa_port = str(free_port()), str(free_port())
    env = {**supervisor.environment(), "WEB_PORT": web_port, "RASA_PORT": rasa_port, "QUICK_EXIT_URL": exit_url(web_port)}
    env["SENDER_KEY_SECRET"] = secrets.token_hex(32)  # the scripted server issues web-chat sessions too
    rasa = subprocess.Popen(
        [sys.executable, "-m", "tests.web.scripted_rasa", rasa_port, *origins(web_port).split()],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    processes = {"scripted_rasa": rasa}
    try:
        supervisor.wait_until_ready(f"http://127.0.0.1:{rasa_port}/health", rasa, timeout=60)
        processes.update(supervisor.start(["web"], env))
        yield run_browser(web_port, ["scripted"])
    finally:
        supervisor.stop(processes)


CHECKS = [
    "connects",
    "no_cookies",
    "report_answer_has_101",
    "danger_shows_banner",
    "banner_has_tel_999",
    "banner_does_not_repeat_bot_text",
    "desktop_banner_leaves_input_uncovered",
    "turn_continues_after_escalation",
    "banner_stays",
    "banner_collapses",
    "banner_expands_again",
    "fallback_buttons_shown",
    "button_sends_payload",
    "storage_holds_only_session_id",
    "reload_shows_no_messages",
    "quick_exit_button_lands_on_neutral",
    "quick_exit_clears_storage",
    "back_does_not_return_after_button",
    "escape_lands_on_neutral",
    "back_does_not_return_after_escape",
    "escape_works_on_every_page",
    "keyboard_reaches_exit_then_chat",
    "no_console_errors",
    "axe_desktop_no_serious",
    "screenshots_written",
    # a phone with the keyboard open, then closed
    "mobile_banner_shows",
    "banner_within_20pct_at_360x420",
    "input_uncovered_at_360x420",
    "real_bot_sent_999",
    "real_bot_each_message_announced_alone",
    "real_bot_999_in_assertive_region",
    "real_bot_999_announced_first",
    "real_bot_rest_polite",
    "banner_within_20pct_at_360x780",
    "input_uncovered_at_360x780",
    "mobile_no_horizontal_scroll",
    "axe_mobile_no_serious",
    # slow connection
    "quick_exit_esc_at_first_paint",
    "quick_exit_esc_at_first_paint_back_does_not_return",
    "quick_exit_click_at_first_paint",
    "quick_exit_click_at_first_paint_back_does_not_return",
    "early_message_queued_visibly",
    "early_message_page_still_connects",
    "early_message_sent_once_when_connected",
    "early_message_no_page_errors",
    "quick_exit_works_after_early_message",
    "message_before_connect_waits_visibly_then_goes",
]

SCRIPTED_CHECKS = [
    "check_raises_banner",
    "check_banner_is_lighter",
    "check_buttons_shown",
    "check_each_message_announced_alone",
    "check_999_in_assertive_region",
    "check_999_announced_first",
    "check_rest_polite",
    "check_banner_does_not_repeat_bot_text",
    "check_banner_within_20pct_at_360x780",
    "axe_check_banner_no_serious",
    "check_banner_within_20pct_at_360x420",
    "check_input_uncovered_at_360x420",
    "escalation_reexpands_collapsed_banner",
    "self_each_message_announced_alone",
    "self_999_in_assertive_region",
    "self_999_announced_first",
    "self_rest_polite",
    "self_banner_within_20pct_at_360x420",
    "self_input_uncovered_at_360x420",
    "self_banner_within_20pct_at_360x780",
    "axe_collapsed_banner_no_serious",
    "burst_each_message_announced_alone",
    "chat_link_new_tab_noopener_noreferrer",
    "chat_link_keeps_chat_open",
]


@pytest.mark.parametrize("check", CHECKS)
def test_browser(browser_run: Dict[str, Any], check: str) -> None:
    result = browser_run["checks"].get(check)
    assert result is not None, f"{check} was not run: {browser_run['errors']}"
    assert result["ok"], result.get("detail")


@pytest.mark.parametrize("check", SCRIPTED_CHECKS)
def test_browser_scripted(scripted_run: Dict[str, Any], check: str) -> None:
    result = scripted_run["checks"].get(check)
    assert result is not None, f"{check} was not run: {scripted_run['errors']}"
    assert result["ok"], result.get("detail")


def test_every_check_is_asserted(browser_run: Dict[str, Any], scripted_run: Dict[str, Any]) -> None:
    """A check the browser script makes but no test asserts would pass silently: every one is listed above."""
    made = set(browser_run["checks"]) | set(scripted_run["checks"])
    assert made <= set(CHECKS) | set(SCRIPTED_CHECKS), sorted(made - set(CHECKS) - set(SCRIPTED_CHECKS))
