"""Held-out evaluation: the answer topics and immediate danger, each on a development and a frozen test set.

Topics: accuracy by category (the share of a category's messages whose answer is the right one, as the bot acts on
them after the danger gate and the long-message handling) on the frozen test set (tests/nlu/test.yml) and on the
development set (tests/nlu/dev.yml, heldout.yml, heldout_danger.yml: the only ones tuned against), and macro F1 on
the development set.

`make eval` prints, side by side for the development set (tests/danger/eval.yml, the only one tuned against) and the
frozen test set (tests/danger/test.yml): recall by who is in danger, false escalations (the "are you in danger
right now?" check included), each detector alone, the false fires of every rule, and the leak check.
tests/e2e/test_quality.py asserts the bars on the test set with the same code.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from evaluation import leaks
from evaluation.danger import (
    danger_report_over_rest,
    danger_reports_by_detector,
    negative_texts,
    rule_false_fires,
    rule_table,
    tailoring_over_rest,
)
from evaluation.intents import category_report, intent_report
from evaluation.sets import (
    DEV_SET,
    MAX_FALSE_ESCALATIONS,
    MAX_RULE_FALSE_FIRES,
    MIN_CATEGORY_ACCURACY,
    MIN_DANGER_RECALL,
    MIN_LONG_MESSAGES,
    MIN_MACRO_F1,
    MIN_RECALL_PER_KIND,
    NLU_HELDOUT,
    NLU_TEST,
    ROOT,
    TEST_SET,
)
from ops import supervisor


def main() -> None:
    """Prints every report; exits 1 if a bar is not met on the frozen test set."""
    model = ROOT / "models" / "current.tar.gz"
    report = intent_report(model)
    print("Intent classification on the development set (tests/nlu, all but test.yml):\n" + report.table())
    dev_topics, test_topics = category_report(model, NLU_HELDOUT), category_report(model, (NLU_TEST,))
    print("\nAnswer topics, accuracy by category, development set (tests/nlu, all but test.yml):\n" + dev_topics.table())
    for truth, guess, text in dev_topics.errors:
        print(f"  DEV WRONG ({truth} -> {guess}): {text}")
    # The frozen set's errors stay unprinted: once read, they steer the next change and the set measures nothing.
    print(f"\nAnswer topics, accuracy by category, TEST (frozen, {NLU_TEST.relative_to(ROOT)}):\n" + test_topics.table())
    for name, path in (("development", DEV_SET), ("TEST (frozen)", TEST_SET)):
        print(f"\nImmediate danger, {name} set ({path.relative_to(ROOT)}), parsed:")
        for detector, danger in danger_reports_by_detector(model, path).items():
            print("  " + danger.summary(detector))
    env = supervisor.isolated_environment(Path(tempfile.mkdtemp()), RASA_REPLICAS="1")
    processes = supervisor.start(["actions", "rasa"], env)
    try:
        url = f"http://127.0.0.1:{env['RASA_PORT']}"
        dev, test = danger_report_over_rest(url, DEV_SET), danger_report_over_rest(url, TEST_SET)
        tailoring = {
            name: tailoring_over_rest(url, path) for name, path in (("development", DEV_SET), ("TEST (frozen)", TEST_SET))
        }
    finally:
        supervisor.stop(processes)
    print("\nOver REST, as users get it:\n  " + dev.summary("development") + "\n  " + test.summary("TEST (frozen)"))
    print("Tailoring of the 999 guidance (someone else, can't speak, deaf):")
    for name, tailored in tailoring.items():
        print("  " + tailored.summary(name))
    # As for topics, only the development set's errors are printed: the frozen set's figures above are all it shows.
    for kind, text in tailoring["development"].untailored:
        print(f"  DEV UNTAILORED ({kind}): {text}")
    for kind, text in dev.misses:
        print(f"  DEV MISSED ({kind}): {text}")
    for outcome, text in dev.false_alarms:
        print(f"  DEV FALSE ALARM ({outcome}): {text}")
    negatives = negative_texts()
    fires = rule_false_fires(negatives)
    print("\n" + rule_table(fires, len(negatives)))
    found = leaks.find_leaks(leaks.training_items(), leaks.evaluation_items())
    print(f"\nLeak check (token-set Jaccard >= {leaks.THRESHOLD}): {len(found)} near copies")
    for leak in found:
        print("  " + str(leak))
    ok = report.macro_f1 >= MIN_MACRO_F1 and test.meets_the_bars() and not found
    ok = ok and test_topics.meets_the_bar() and test_topics.long_messages >= MIN_LONG_MESSAGES
    ok = ok and max(map(len, fires.values())) <= MAX_RULE_FALSE_FIRES * len(negatives)
    print(
        f"\nBars on the frozen test sets: every topic category >= {MIN_CATEGORY_ACCURACY} (worst: "
        f"{test_topics.worst()[0]} {test_topics.worst()[1]:.3f}) with >= {MIN_LONG_MESSAGES} long messages "
        f"({test_topics.long_messages}); development macro F1 >= {MIN_MACRO_F1}, recall >= {MIN_DANGER_RECALL} "
        f"(>= {MIN_RECALL_PER_KIND} per kind), false escalations <= {MAX_FALSE_ESCALATIONS}; rules <= "
        f"{MAX_RULE_FALSE_FIRES:.1%} false fires each; no leaks: {'met' if ok else 'NOT met'}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
