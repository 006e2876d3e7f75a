"""The bars of the danger issue (over REST against the real bot) and of the answer topics, on the frozen test sets."""

from pathlib import Path

import pytest
import yaml

from evaluation.danger import TAILORING, DangerReport, danger_report_over_rest, tailoring_over_rest
from evaluation.intents import category_report, intent_report
from evaluation.sets import DEV_SET, MIN_LONG_MESSAGES, MIN_MACRO_F1, NLU_TEST, TEST_SET
from tests.bot import Bot

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"
MAX_UNTAILORED = 0.05
# Floors against regressions on the round-4 frozen topic set, as measured with today's model (worst category
# ask_what_to_do 0.905, all 0.971): not issue 16's bar (0.92 in every category, not met).
TODAYS_WORST_CATEGORY = 0.90
TODAYS_ACCURACY = 0.967  # two messages of slack under 0.971 (691 of 712)


def test_held_out_macro_f1_meets_the_bar() -> None:
    report = intent_report(MODEL)
    print(report.table())
    assert report.macro_f1 >= MIN_MACRO_F1, report.table()


def test_no_topic_category_of_the_frozen_set_falls_below_todays_figures() -> None:
    """Issue 16's bar (>= 0.92 in every category of tests/nlu/test.yml) is NOT met yet: `make eval` prints it as not
    met. Until it is, this holds the frozen set at the figures of today's model (worst category 0.905, all
    0.971), so no change makes the answers worse; at least 60 of its messages are long, as the issue asks."""
    report = category_report(MODEL, (NLU_TEST,))
    print(report.table())
    assert report.long_messages >= MIN_LONG_MESSAGES, report.long_messages
    assert report.meets_the_bar(TODAYS_WORST_CATEGORY), report.table()  # never the frozen set's errors
    assert report.accuracy >= TODAYS_ACCURACY, report.table()


@pytest.fixture(scope="module")
def test_set_report(bot: Bot) -> DangerReport:
    return danger_report_over_rest(bot.url, TEST_SET)


def test_danger_recall_on_the_frozen_test_set_meets_the_bars(test_set_report: DangerReport) -> None:
    print(test_set_report.summary("TEST over REST"), "\nmissed:", test_set_report.misses)
    assert test_set_report.meets_the_bars(), (
        test_set_report.summary("TEST"),
        test_set_report.misses,
        test_set_report.false_alarms,
    )


def test_the_generic_escalation_carries_none_of_the_tailored_markers() -> None:
    """Otherwise the tailoring test below would pass whichever variation the bot chose."""
    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    generic = [v["text"] for v in responses["utter_escalate_self"] if not v.get("condition")]
    tailored = {
        kind: [
            v["text"] for name in ("utter_escalate_self", "utter_escalate_other") for v in responses[name] if marker in v["text"]
        ]
        for kind, marker in TAILORING.items()
    }
    assert generic and all(marker not in text for text in generic for marker in TAILORING.values())
    assert all(tailored.values()), tailored


def test_escalation_is_tailored_to_who_is_in_danger_and_how_they_can_call(bot: Bot) -> None:
    """On the development set, which tailoring was tuned on; make eval reports the frozen test set's figure."""
    report = tailoring_over_rest(bot.url, DEV_SET)
    print(report.summary("development"))
    assert len(report.untailored) <= MAX_UNTAILORED * report.escalated, report.untailored
