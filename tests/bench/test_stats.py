"""The benchmark's statistics helpers (bench/stats.py), checked against numpy and hand-computed stacks."""

from collections import Counter

import numpy as np
import pytest

from bench.load import check_local
from bench.stats import percentile, ratio, stack_totals, stage_shares, summarise, top_frames

COLLAPSED = [
    "process 1:rasa;main (rasa/__main__.py:1);Agent.handle_message (rasa/core/agent.py:419);"
    "FailSafeTrackerStore.save (rasa/core/tracker_store.py:1456);SQLTrackerStore.save (x.py:1);do_commit (y.py:2) 30",
    "process 1:rasa;main (rasa/__main__.py:1);Agent.handle_message (rasa/core/agent.py:419);"
    "MessageProcessor.parse_message (rasa/core/processor.py:724);process (lr.py:3) 50",
    "process 1:rasa;main (rasa/__main__.py:1);_run_once (asyncio/base_events.py:1) 20",
    "f (a.py:1);g (a.py:2);f (a.py:1) 5",
    "a line that is not a stack",
]


@pytest.mark.parametrize("q", [0, 1, 50, 90, 95, 99, 100])
def test_percentile_matches_numpy(q):
    values = [float(v) for v in np.random.default_rng(7).lognormal(3, 1, 257)]
    assert percentile(values, q) == pytest.approx(np.percentile(values, q))


def test_percentile_of_one_value_and_bad_input():
    assert percentile([4.0], 99) == 4.0
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summarise_counts_throughput_from_wall_time():
    summary = summarise([10.0, 20.0, 30.0, 40.0], wall_seconds=2.0, errors=1)
    assert summary["messages"] == 4 and summary["errors"] == 1
    assert summary["msgs_per_s"] == 2.0
    assert summary["p50_ms"] == 25.0 and summary["mean_ms"] == 25.0
    assert summary["p99_ms"] == pytest.approx(39.7)
    with pytest.raises(ValueError):
        summarise([1.0], 0)


def test_ratio_handles_missing_and_zero():
    assert ratio(30, 10) == 3.0
    assert ratio(1, 3) == 0.33
    assert ratio(None, 3) is None and ratio(3, None) is None and ratio(3, 0) is None


def test_stack_totals_own_and_inclusive():
    own, inclusive, total = stack_totals(COLLAPSED)
    assert total == 105
    assert own["do_commit (y.py:2)"] == 30 and own["process (lr.py:3)"] == 50
    assert inclusive["Agent.handle_message (rasa/core/agent.py:419)"] == 80
    assert inclusive["main (rasa/__main__.py:1)"] == 100
    assert inclusive["f (a.py:1)"] == 5  # recursion counts once per stack
    assert own["f (a.py:1)"] == 5 and inclusive["g (a.py:2)"] == 5


def test_top_frames_percent_and_skip():
    own, _, total = stack_totals(COLLAPSED)
    assert top_frames(own, total, 2) == [("process (lr.py:3)", 47.6), ("do_commit (y.py:2)", 28.6)]
    assert top_frames(own, total, 1, skip=["lr.py"]) == [("do_commit (y.py:2)", 28.6)]
    assert top_frames(Counter(), 0, 3) == []


def test_stage_shares_counts_a_wrapper_and_its_store_once():
    _, inclusive, total = stack_totals(COLLAPSED)
    stages = {"save": "TrackerStore.save (", "parse": "MessageProcessor.parse_message (", "action": "RemoteAction.run ("}
    assert stage_shares(inclusive, total, stages) == [("parse", 47.6), ("save", 28.6), ("action", 0.0)]


@pytest.mark.parametrize("url", ["http://localhost:5005/x", "http://10.0.0.1/x", "https://example.com/"])
def test_load_only_targets_loopback_address(url):
    with pytest.raises(ValueError):
        check_local(url)
    check_local("http://127.0.0.1:5005/webhooks/rest/webhook")
