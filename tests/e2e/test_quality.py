"""The bars of the conversation and danger issues, on the in-repo held-out sets."""

from pathlib import Path

from scripts.evaluate import (
    MAX_FALSE_ESCALATIONS,
    MIN_DANGER_RECALL,
    MIN_MACRO_F1,
    TEST_SET,
    danger_report_over_rest,
    intent_report,
    load_danger_set,
    reply_over_rest,
)
from tests.bot import Bot, texts

MODEL = Path(__file__).resolve().parents[2] / "models" / "current.tar.gz"


def test_held_out_macro_f1_meets_the_bar() -> None:
    report = intent_report(MODEL)
    print(report.table())
    assert report.macro_f1 >= MIN_MACRO_F1, report.table()


def test_danger_recall_and_false_escalations_over_rest_meet_the_bars(bot: Bot) -> None:
    report = danger_report_over_rest(bot.url)
    print(report.summary("over REST"), "\nmissed:", report.misses, "\nfalse alarms:", report.false_alarms)
    assert report.recall >= MIN_DANGER_RECALL, report.misses
    assert report.false_escalations <= MAX_FALSE_ESCALATIONS, report.false_alarms


# What each kind of danger message must be told first (uk-facts.md): the Silent Solution when the user can't
# speak, the text routes when deaf, and to call 999 for them when someone else is in danger.
TAILORING = {"cant_speak": "press 55", "deaf": "18000", "other": "call 999 now for them"}


def test_escalation_is_tailored_to_who_is_in_danger_and_how_they_can_call(bot: Bot) -> None:
    danger = load_danger_set(TEST_SET).danger
    wrong = []
    for kind, text in danger:
        if kind in TAILORING:
            guidance = texts(reply_over_rest(bot.url, text))
            if TAILORING[kind] not in guidance:
                wrong.append((kind, text, guidance[:80]))
    tailored = sum(1 for kind, _ in danger if kind in TAILORING)
    print(f"tailored {tailored - len(wrong)}/{tailored}")
    assert len(wrong) <= 0.05 * tailored, wrong
